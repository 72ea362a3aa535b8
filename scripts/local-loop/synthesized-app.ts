import * as path from 'node:path';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { PlatformFunction } from '../../constructs/platform-function';
import { deployedEnvironment, deployedValue } from './deployed-values';
import type { EventPattern } from './event-pattern';
import type { SynthesizedApp, SynthesizedStack } from './synthesize';

type Properties = Record<string, unknown>;

/** Where Lambda puts the function's bundle. */
const BUNDLE_ROOT = '/var/task/';
const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** One resource of a synthesized template, with the stack it belongs to. */
export interface FoundResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Properties;
  readonly stack: Stack;
}

/**
 * Reads what the loop needs from the synthesized templates, never from the constructs' own
 * settings: a local run that disagrees with the templates would be a bug. References resolve to the
 * values CloudFormation would give them ({@link deployedValue}).
 */
export class SynthesizedAppReader {
  constructor(private readonly app: SynthesizedApp) {}

  resources(type: string, stackNameSuffix?: string): FoundResource[] {
    return this.app.stacks
      .filter((entry) => stackNameSuffix === undefined || entry.stack.stackName.endsWith(stackNameSuffix))
      .flatMap((entry: SynthesizedStack) =>
        Object.entries(entry.template.Resources)
          .filter(([, resource]) => resource.Type === type)
          .map(([logicalId, resource]) => ({
            logicalId,
            type,
            properties: resource.Properties ?? {},
            stack: entry.stack,
          })),
      );
  }

  /** The one resource of `type` in the stack whose logical id starts with `prefix` (CDK appends a hash). */
  resource(type: string, stackNameSuffix: string, prefix: string): FoundResource {
    const found = this.resources(type, stackNameSuffix).filter((entry) => entry.logicalId.startsWith(prefix));
    if (found.length !== 1) {
      throw new Error(`expected one ${type} ${prefix}* in *${stackNameSuffix}, found ${found.length}`);
    }
    return found[0] as FoundResource;
  }

  /** The deployed name or ARN a `Ref` to the resource returns. */
  ref(resource: FoundResource): string {
    return deployedValue({ Ref: resource.logicalId }, resource.stack);
  }

  /** A function's environment variables as deployed (references resolved). */
  environment(fn: FoundResource): Record<string, string> {
    const variables = (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    return deployedEnvironment(variables ?? {}, fn.stack);
  }

  /**
   * A function's environment as deployed, with each `/var/task/<file>` path (a file the bundle
   * copies from this repository, e.g. the ONNX model) replaced by that file here: what the handler
   * needs to run in-process from its source.
   */
  localEnvironment(fn: FoundResource): Record<string, string> {
    const owner = fn.stack.node
      .findAll()
      .find(
        (construct): construct is PlatformFunction =>
          construct instanceof PlatformFunction &&
          fn.stack.getLogicalId(construct.function.node.defaultChild as CfnElement) === fn.logicalId,
      );
    return Object.fromEntries(
      Object.entries(this.environment(fn)).map(([name, value]) => {
        if (!value.startsWith(BUNDLE_ROOT)) return [name, value];
        const source = owner?.bundledFiles.find(
          ([, copiedTo]) => copiedTo === value.slice(BUNDLE_ROOT.length),
        )?.[0];
        if (source === undefined)
          throw new Error(`${fn.logicalId}: ${name} names ${value}, which its bundle does not copy`);
        return [name, path.join(REPOSITORY_ROOT, source)];
      }),
    );
  }

  /** A function's tags as the template sets them (ListTags answers from these). */
  tags(fn: FoundResource): Record<string, string> {
    const tags = (fn.properties.Tags ?? []) as { Key: string; Value: unknown }[];
    return Object.fromEntries(tags.map((tag) => [tag.Key, deployedValue(tag.Value, fn.stack)]));
  }

  /** The event pattern of the stack's rule on `CloudWatch Alarm State Change` events, references resolved. */
  alarmRulePattern(stackNameSuffix: string): EventPattern {
    const rules = this.resources('AWS::Events::Rule', stackNameSuffix).filter((rule) =>
      JSON.stringify(rule.properties.EventPattern ?? {}).includes('CloudWatch Alarm State Change'),
    );
    if (rules.length !== 1) {
      throw new Error(`expected one alarm state change rule in *${stackNameSuffix}, found ${rules.length}`);
    }
    const rule = rules[0] as FoundResource;
    return resolveDeep(rule.properties.EventPattern, rule.stack) as EventPattern;
  }

  /**
   * The rules that invoke `fn` (or an alias of it) on a `rate(...)` schedule. `cron(...)` schedules
   * are not read: no Vigil rule that a scenario drives uses one.
   */
  scheduledRules(fn: FoundResource): ScheduledRule[] {
    const functionArn = deployedValue({ 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, fn.stack);
    return this.resources('AWS::Events::Rule').flatMap((rule) => {
      const expression = rule.properties.ScheduleExpression;
      const rate =
        typeof expression === 'string'
          ? /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression)
          : null;
      if (!rate) return [];
      const targets = (rule.properties.Targets ?? []) as { Arn: unknown }[];
      const invokes = targets.some((target) => {
        const arn = deployedValue(target.Arn, rule.stack);
        return arn === functionArn || arn.startsWith(`${functionArn}:`);
      });
      if (!invokes) return [];
      const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[
        (rate[2] as string).replace(/s$/, '') as 'minute' | 'hour' | 'day'
      ];
      return [
        {
          ruleArn: deployedValue({ 'Fn::GetAtt': [rule.logicalId, 'Arn'] }, rule.stack),
          everyMs: Number(rate[1]) * unit,
        },
      ];
    });
  }

  /** The state machine named by `arn` (as a function's environment gives it), with its ASL as JSON. */
  stateMachine(arn: string): { readonly resource: FoundResource; readonly definition: AslDefinition } {
    const resource = this.resources('AWS::StepFunctions::StateMachine').find(
      (candidate) => this.ref(candidate) === arn,
    );
    if (!resource) throw new Error(`no state machine ${arn} in the synthesized app`);
    const body = resource.properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
    // CDK writes the ASL as a Fn::Join of text and references (function ARNs): each becomes its deployed value.
    const text =
      typeof body === 'string'
        ? body
        : body['Fn::Join'][1]
            .map((part) => (typeof part === 'string' ? part : deployedValue(part, resource.stack)))
            .join(body['Fn::Join'][0]);
    return { resource, definition: JSON.parse(text) as AslDefinition };
  }
}

/** An EventBridge rule that runs a function on a fixed rate. */
export interface ScheduledRule {
  readonly ruleArn: string;
  readonly everyMs: number;
}

/** The parts of Amazon States Language the loop reads. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<
    string,
    {
      readonly Type: string;
      readonly Resource?: string;
      readonly Next?: string;
      readonly Seconds?: number;
      readonly TimeoutSeconds?: number;
      readonly HeartbeatSeconds?: number;
      readonly Parameters?: Record<string, unknown>;
    }
  >;
}

/** A template value with every intrinsic inside it resolved, structure kept (event patterns are nested). */
function resolveDeep(value: unknown, stack: Stack): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => resolveDeep(item, stack));
  const keys = Object.keys(value);
  const only = keys[0];
  if (keys.length === 1 && only !== undefined && (only === 'Ref' || only.startsWith('Fn::'))) {
    return deployedValue(value, stack);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, stack)]));
}
