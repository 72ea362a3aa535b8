import { type IResolvable, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

/**
 * What the app configures for one Lambda function, as far as the lint needs it. `undefined` means the
 * app cannot tell (the setting is a token the lint cannot read), and the lint then finds nothing.
 */
export interface FunctionFacts {
  readonly path: string;
  readonly deadLetterQueue: boolean | undefined;
  /** An on-success or on-failure destination, of asynchronous invocation or of an event source mapping. */
  readonly destination: boolean | undefined;
  /** An event source mapping with a starting position: a stream (Kinesis, DynamoDB, Kafka). */
  readonly streamSource: boolean | undefined;
  readonly provisionedConcurrency: boolean | undefined;
  readonly reservedConcurrency: boolean | undefined;
  readonly alias: boolean;
}

/** What the app configures for one SQS queue. */
export interface QueueFacts {
  readonly path: string;
  /** Another queue's redrive policy sends its failed messages here. */
  readonly deadLetterQueueOfAQueue: boolean | undefined;
}

/** Every function and queue defined in the app, found by the values a metric dimension can hold. */
export interface AppResources {
  /** The function a `FunctionName` dimension value names, if the app defines it. */
  functionNamed(value: string): FunctionFacts | undefined;
  /** The queue a `QueueName` dimension value names, if the app defines it. */
  queueNamed(value: string): QueueFacts | undefined;
}

interface Keyed<T> {
  readonly tokens: readonly string[];
  readonly literal?: string;
  readonly facts: T;
}

/** Reads the functions and queues of the whole construct tree under `root`. */
export function appResources(root: IConstruct): AppResources {
  const all = root.node.findAll();
  const ofType = <T>(type: abstract new (...args: never[]) => T) =>
    all.filter((construct): construct is IConstruct & T => construct instanceof type);
  const functions = ofType(lambda.CfnFunction).map((cfn) => functionEntry(cfn, all));
  const queues = ofType(sqs.CfnQueue).map((cfn) => queueEntry(cfn, ofType(sqs.CfnQueue)));
  return {
    functionNamed: (value) => find(functions, value),
    queueNamed: (value) => find(queues, value),
  };
}

function find<T>(entries: readonly Keyed<T>[], value: string): T | undefined {
  return entries.find((entry) => names(entry, value))?.facts;
}

function names(entry: Keyed<unknown>, value: string): boolean {
  if (!Token.isUnresolved(value)) return entry.literal === value;
  return entry.tokens.some((token) => value.includes(token));
}

/** Whether `value` (a name or ARN, possibly a token, possibly `<function>:<alias>`) refers to the entry. */
function refersTo(entry: Pick<Keyed<unknown>, 'tokens' | 'literal'>, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (!Token.isUnresolved(value))
    return entry.literal !== undefined && value.split(':').includes(entry.literal);
  return entry.tokens.some((token) => value.includes(token));
}

function functionEntry(cfn: lambda.CfnFunction, all: readonly IConstruct[]): Keyed<FunctionFacts> {
  const l2 = cfn.node.scope instanceof lambda.Function ? cfn.node.scope : undefined;
  const keys = {
    tokens: [cfn.ref, cfn.attrArn, ...(l2 ? [l2.functionName, l2.functionArn] : [])],
    literal: literalString(cfn.functionName),
  };
  const referencing = <T extends IConstruct & { functionName: string }>(
    type: abstract new (...args: never[]) => T,
  ) => all.filter((c): c is T => c instanceof type && refersTo(keys, c.functionName));
  const invokeConfigs = referencing(lambda.CfnEventInvokeConfig);
  const mappings = referencing(lambda.CfnEventSourceMapping);
  const aliases = referencing(lambda.CfnAlias);
  const versions = referencing(lambda.CfnVersion);

  return {
    ...keys,
    facts: {
      path: (l2 ?? cfn).node.path,
      deadLetterQueue: presence(cfn.deadLetterConfig, (config) => config.targetArn !== undefined),
      destination: anyOf([
        ...invokeConfigs.map((config) =>
          presence(
            config.destinationConfig,
            (destinations) => destinations.onFailure !== undefined || destinations.onSuccess !== undefined,
          ),
        ),
        ...mappings.map((mapping) =>
          presence(mapping.destinationConfig, (destinations) => destinations.onFailure !== undefined),
        ),
      ]),
      streamSource: anyOf(mappings.map((mapping) => presence(mapping.startingPosition, () => true))),
      provisionedConcurrency: anyOf(
        [...aliases, ...versions].map((resource) =>
          presence(resource.provisionedConcurrencyConfig, () => true),
        ),
      ),
      reservedConcurrency: presence(cfn.reservedConcurrentExecutions, () => true),
      alias: aliases.length > 0,
    },
  };
}

function queueEntry(cfn: sqs.CfnQueue, queues: readonly sqs.CfnQueue[]): Keyed<QueueFacts> {
  const l2 = cfn.node.scope instanceof sqs.Queue ? cfn.node.scope : undefined;
  const keys = {
    tokens: [
      cfn.ref,
      cfn.attrArn,
      cfn.attrQueueName,
      ...(l2 ? [l2.queueName, l2.queueArn, l2.queueUrl] : []),
    ],
    literal: literalString(cfn.queueName),
  };
  return {
    ...keys,
    facts: {
      path: (l2 ?? cfn).node.path,
      deadLetterQueueOfAQueue: anyOf(
        queues.map((source) =>
          presence(source.redrivePolicy, (policy) => refersTo(keys, policy.deadLetterTargetArn)),
        ),
      ),
    },
  };
}

function literalString(value: unknown): string | undefined {
  return typeof value === 'string' && !Token.isUnresolved(value) ? value : undefined;
}

/** false when unset, undefined when a token hides it, else what `test` says of it. */
function presence<T>(
  value: T | IResolvable | undefined,
  test: (value: NonNullable<T> & Record<string, unknown>) => boolean,
): boolean | undefined {
  if (value === undefined || value === null) return false;
  if (Token.isUnresolved(value)) return undefined;
  return test(value as NonNullable<T> & Record<string, unknown>);
}

function anyOf(answers: readonly (boolean | undefined)[]): boolean | undefined {
  if (answers.includes(true)) return true;
  return answers.includes(undefined) ? undefined : false;
}
