import {
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  ResourceNotFoundException as LambdaResourceNotFound,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  QueueDoesNotExist,
  SQSClient,
  ResourceNotFoundException as SqsResourceNotFound,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { OPT_IN_TAG, type PlaybookId } from '../../../../constructs/contracts/remediation';
import type { RemediationRequest, RemediationTarget } from '../../../../lambda/remediation/remediation-types';
import { createAwsClients } from '../../../../lambda/shared/aws-clients';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const OPTED_IN = { [OPT_IN_TAG]: 'true' };
const metadata = { $metadata: {} };

/** The clients a playbook function gets, with fixed credentials so nothing looks for real ones. */
export function playbookClients() {
  return createAwsClients({ region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
}

/** A request as the dispatcher writes it; `overrides` replace its top-level fields. */
export function remediationRequest(
  playbook: PlaybookId,
  target: RemediationTarget,
  overrides: Partial<RemediationRequest> = {},
): RemediationRequest {
  return {
    runId: 'run-0001',
    playbook,
    mode: 'enforce',
    approval: false,
    alarm: {
      name: 'vigil-dev-orders-errors',
      arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:vigil-dev-orders-errors`,
    },
    episodeId: 'episode-0001',
    severity: 'high',
    account: ACCOUNT,
    region: REGION,
    target,
    requestedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export interface LambdaAliasSetup {
  /** Published versions, e.g. `[1, 2, 3]`; `$LATEST` is listed too, as Lambda does. */
  readonly versions: readonly number[];
  /** The version the alias points at, e.g. `'3'` or `'$LATEST'`. */
  readonly current: string;
  /** Weighted routing next to `current`, e.g. `{ '4': 0.1 }`. @default none */
  readonly routing?: Readonly<Record<string, number>>;
  /** The function's tags. @default opted in (`vigil:remediate=true`) */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default 'orders-api' */
  readonly functionName?: string;
  /** @default 'live' */
  readonly aliasName?: string;
  /** Versions per ListVersionsByFunction page, so pagination is exercised. @default 2 */
  readonly pageSize?: number;
}

/**
 * Lambda mocked as one function with an alias, statefully: GetAlias, ListTags, ListVersionsByFunction
 * (paged by Marker) and UpdateAlias, which checks RevisionId like Lambda (PreconditionFailedException)
 * and moves the alias. Any other function or alias is ResourceNotFoundException. Replaces any
 * earlier Lambda mock; add overrides to the returned `lambdaMock`.
 */
export function mockLambdaAlias(setup: LambdaAliasSetup) {
  const functionName = setup.functionName ?? 'orders-api';
  const aliasName = setup.aliasName ?? 'live';
  const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`;
  const aliasArn = `${functionArn}:${aliasName}`;
  const pageSize = setup.pageSize ?? 2;
  const listed = ['$LATEST', ...setup.versions.map(String)];
  let revision = 1;
  const alias = {
    functionVersion: setup.current,
    weights: { ...setup.routing } as Record<string, number>,
    revisionId: `revision-${revision}`,
  };
  const configuration = () => ({
    AliasArn: aliasArn,
    Name: aliasName,
    FunctionVersion: alias.functionVersion,
    ...(Object.keys(alias.weights).length > 0
      ? { RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } } }
      : {}),
    RevisionId: alias.revisionId,
  });
  const missing = (what: string) =>
    new LambdaResourceNotFound({ message: `Function not found: ${what}`, ...metadata });

  const lambdaMock = mockClient(LambdaClient);
  lambdaMock.on(GetAliasCommand).callsFake(async (input: { FunctionName: string; Name: string }) => {
    if (input.FunctionName !== functionName || input.Name !== aliasName) {
      throw missing(`${input.FunctionName}:${input.Name}`);
    }
    return configuration();
  });
  lambdaMock.on(ListTagsCommand).callsFake(async (input: { Resource: string }) => {
    if (input.Resource !== functionArn) throw missing(input.Resource);
    return { Tags: { ...(setup.tags ?? OPTED_IN) } };
  });
  lambdaMock
    .on(ListVersionsByFunctionCommand)
    .callsFake(async (input: { FunctionName: string; Marker?: string }) => {
      if (input.FunctionName !== functionName) throw missing(input.FunctionName);
      const start = Number(input.Marker ?? 0);
      const next = start + pageSize;
      return {
        Versions: listed.slice(start, next).map((version) => ({
          FunctionName: functionName,
          Version: version,
          FunctionArn: `${functionArn}:${version}`,
        })),
        ...(next < listed.length ? { NextMarker: String(next) } : {}),
      };
    });
  lambdaMock
    .on(UpdateAliasCommand)
    .callsFake(
      async (input: {
        FunctionName: string;
        Name: string;
        FunctionVersion?: string;
        RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
        RevisionId?: string;
      }) => {
        if (input.FunctionName !== functionName || input.Name !== aliasName) {
          throw missing(`${input.FunctionName}:${input.Name}`);
        }
        if (input.RevisionId !== undefined && input.RevisionId !== alias.revisionId) {
          throw new PreconditionFailedException({
            message: 'The Revision Id provided does not match the latest Revision Id.',
            ...metadata,
          });
        }
        if (input.FunctionVersion !== undefined) alias.functionVersion = input.FunctionVersion;
        if (input.RoutingConfig !== undefined) {
          alias.weights = { ...input.RoutingConfig.AdditionalVersionWeights };
        }
        revision += 1;
        alias.revisionId = `revision-${revision}`;
        return configuration();
      },
    );

  return {
    lambdaMock,
    target: { kind: 'lambda-alias', functionName, aliasName } as const,
    functionArn,
    aliasArn,
    /** The alias as it is now: moved by UpdateAlias and by `deploy`. */
    alias: () => ({ ...alias, weights: { ...alias.weights } }),
    /** Someone else deploys `version` to the alias: it moves and gets a new revision. */
    deploy(version: string) {
      alias.functionVersion = version;
      alias.weights = {};
      revision += 1;
      alias.revisionId = `revision-${revision}`;
    },
  };
}

export interface LambdaFunctionSetup {
  /** The function's reserved concurrency; null when it reserves none. */
  readonly reservedConcurrency: number | null;
  /** The account's unreserved concurrency. @default 900 */
  readonly unreservedConcurrency?: number;
  /** The account's concurrency limit. @default 1000 */
  readonly accountConcurrency?: number;
  /** @default opted in (`vigil:remediate=true`) */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default 'orders-worker' */
  readonly functionName?: string;
}

/**
 * Lambda mocked as one throttled function, statefully: GetFunction (with tags), GetFunctionConcurrency,
 * GetAccountSettings and PutFunctionConcurrency, which moves the unreserved pool as Lambda does.
 * Any other function is ResourceNotFoundException. Replaces any earlier Lambda mock.
 */
export function mockLambdaFunction(setup: LambdaFunctionSetup) {
  const functionName = setup.functionName ?? 'orders-worker';
  const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`;
  const accountConcurrency = setup.accountConcurrency ?? 1000;
  const state = {
    reserved: setup.reservedConcurrency,
    unreserved: setup.unreservedConcurrency ?? 900,
  };
  const known = (name: string) => {
    if (name !== functionName && name !== functionArn) {
      throw new LambdaResourceNotFound({ message: `Function not found: ${name}`, ...metadata });
    }
  };

  const lambdaMock = mockClient(LambdaClient);
  lambdaMock.on(GetFunctionCommand).callsFake(async (input: { FunctionName: string }) => {
    known(input.FunctionName);
    return {
      Configuration: { FunctionName: functionName, FunctionArn: functionArn },
      Tags: { ...(setup.tags ?? OPTED_IN) },
    };
  });
  lambdaMock.on(GetFunctionConcurrencyCommand).callsFake(async (input: { FunctionName: string }) => {
    known(input.FunctionName);
    return state.reserved === null ? {} : { ReservedConcurrentExecutions: state.reserved };
  });
  lambdaMock.on(GetAccountSettingsCommand).callsFake(async () => ({
    AccountLimit: {
      ConcurrentExecutions: accountConcurrency,
      UnreservedConcurrentExecutions: state.unreserved,
    },
  }));
  lambdaMock
    .on(PutFunctionConcurrencyCommand)
    .callsFake(async (input: { FunctionName: string; ReservedConcurrentExecutions: number }) => {
      known(input.FunctionName);
      state.unreserved -= input.ReservedConcurrentExecutions - (state.reserved ?? 0);
      state.reserved = input.ReservedConcurrentExecutions;
      return { ReservedConcurrentExecutions: state.reserved };
    });

  return {
    lambdaMock,
    target: { kind: 'lambda-function', functionName } as const,
    functionArn,
    /** Reserved and unreserved concurrency as they are now. */
    concurrency: () => ({ ...state }),
  };
}

/** A queue whose redrive policy names the dead-letter queue. */
export interface SourceQueueSetup {
  readonly name: string;
  /** @default opted in (`vigil:remediate=true`) */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface DeadLetterQueueSetup {
  /** Messages waiting in the queue (ApproximateNumberOfMessages). */
  readonly messages: number;
  /** @default opted in (`vigil:remediate=true`) */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default 'orders-dlq' */
  readonly queueName?: string;
  /** Handle of a move task already running from the queue. @default none */
  readonly runningMoveTask?: string;
  /** The queues that name it as their dead-letter queue. @default one, `orders`, opted in */
  readonly sourceQueues?: readonly SourceQueueSetup[];
  /** Source queue URLs per ListDeadLetterSourceQueues page, so pagination is exercised. @default 2 */
  readonly sourceQueuePageSize?: number;
}

/**
 * SQS mocked as one dead-letter queue, statefully: GetQueueUrl, GetQueueAttributes, ListQueueTags (of
 * the queue and of its source queues), ListDeadLetterSourceQueues (paged), ListMessageMoveTasks (most
 * recent first), StartMessageMoveTask (a RUNNING task `task-N`) and CancelMessageMoveTask
 * (ResourceNotFoundException once the task is no longer running). Any other queue is QueueDoesNotExist.
 * Replaces any earlier SQS mock.
 */
export function mockDeadLetterQueue(setup: DeadLetterQueueSetup) {
  const queueName = setup.queueName ?? 'orders-dlq';
  const urlOf = (name: string) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
  const queueUrl = urlOf(queueName);
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${queueName}`;
  const sources = setup.sourceQueues ?? [{ name: 'orders' }];
  const sourceTags = new Map(sources.map((source) => [urlOf(source.name), source.tags ?? OPTED_IN]));
  const sourcePageSize = setup.sourceQueuePageSize ?? 2;
  // Copies: the SDK's paginator reuses one input object for every page it asks for.
  const sourceQueueRequests: { QueueUrl: string; NextToken?: string; MaxResults?: number }[] = [];
  const state = {
    messages: setup.messages,
    tasks: [] as { TaskHandle: string; Status: string; SourceArn: string; StartedTimestamp: number }[],
  };
  if (setup.runningMoveTask !== undefined) {
    state.tasks.push({
      TaskHandle: setup.runningMoveTask,
      Status: 'RUNNING',
      SourceArn: queueArn,
      StartedTimestamp: 1,
    });
  }
  const missingQueue = () =>
    new QueueDoesNotExist({ message: 'The specified queue does not exist.', ...metadata });
  const knownUrl = (url: string) => {
    if (url !== queueUrl) throw missingQueue();
  };
  const knownArn = (arn: string) => {
    if (arn !== queueArn) {
      throw new SqsResourceNotFound({ message: `Resource not found: ${arn}`, ...metadata });
    }
  };

  const sqsMock = mockClient(SQSClient);
  sqsMock.on(GetQueueUrlCommand).callsFake(async (input: { QueueName: string }) => {
    if (input.QueueName !== queueName) throw missingQueue();
    return { QueueUrl: queueUrl };
  });
  sqsMock.on(GetQueueAttributesCommand).callsFake(async (input: { QueueUrl: string }) => {
    knownUrl(input.QueueUrl);
    return { Attributes: { QueueArn: queueArn, ApproximateNumberOfMessages: String(state.messages) } };
  });
  sqsMock.on(ListQueueTagsCommand).callsFake(async (input: { QueueUrl: string }) => {
    const tags = input.QueueUrl === queueUrl ? (setup.tags ?? OPTED_IN) : sourceTags.get(input.QueueUrl);
    if (tags === undefined) throw missingQueue();
    return { Tags: { ...tags } };
  });
  // Shaped like the API reference's response (API_ListDeadLetterSourceQueues.html): `queueUrls`, lower
  // case, and `NextToken` only when the request set MaxResults ("You must set MaxResults to receive a
  // value for NextToken in the response"; without it, up to 1,000 results).
  sqsMock
    .on(ListDeadLetterSourceQueuesCommand)
    .callsFake(async (input: { QueueUrl: string; NextToken?: string; MaxResults?: number }) => {
      sourceQueueRequests.push({ ...input });
      knownUrl(input.QueueUrl);
      const urls = [...sourceTags.keys()];
      const start = Number(input.NextToken ?? 0);
      const size = input.MaxResults === undefined ? 1000 : Math.min(input.MaxResults, sourcePageSize);
      const next = start + size;
      return {
        queueUrls: urls.slice(start, next),
        ...(input.MaxResults !== undefined && next < urls.length ? { NextToken: String(next) } : {}),
      };
    });
  sqsMock
    .on(ListMessageMoveTasksCommand)
    .callsFake(async (input: { SourceArn: string; MaxResults?: number }) => {
      knownArn(input.SourceArn);
      const recentFirst = [...state.tasks].reverse().slice(0, input.MaxResults ?? 1);
      // Like SQS, the handle is given only for a running task.
      return {
        Results: recentFirst.map(({ TaskHandle, ...task }) =>
          task.Status === 'RUNNING' ? { TaskHandle, ...task } : task,
        ),
      };
    });
  sqsMock.on(StartMessageMoveTaskCommand).callsFake(async (input: { SourceArn: string }) => {
    knownArn(input.SourceArn);
    const task = {
      TaskHandle: `task-${state.tasks.length + 1}`,
      Status: 'RUNNING',
      SourceArn: queueArn,
      StartedTimestamp: state.tasks.length + 1,
    };
    state.tasks.push(task);
    return { TaskHandle: task.TaskHandle };
  });
  sqsMock.on(CancelMessageMoveTaskCommand).callsFake(async (input: { TaskHandle: string }) => {
    const task = state.tasks.find((candidate) => candidate.TaskHandle === input.TaskHandle);
    if (task?.Status !== 'RUNNING') {
      throw new SqsResourceNotFound({ message: 'The task does not exist or is not running.', ...metadata });
    }
    task.Status = 'CANCELLING';
    return { ApproximateNumberOfMessagesMoved: 0 };
  });

  return {
    sqsMock,
    target: { kind: 'sqs-queue', queueName } as const,
    queueUrl,
    queueArn,
    /** The URL of a queue of this account and region, e.g. of a source queue. */
    urlOf,
    /** Each ListDeadLetterSourceQueues request as it was sent. */
    sourceQueueRequests: () => sourceQueueRequests.map((request) => ({ ...request })),
    /** The move tasks started from the queue, oldest first. */
    tasks: () => state.tasks.map((task) => ({ ...task })),
    /** The running move task finishes: every message is back in its source queue. */
    finishMoveTask() {
      for (const task of state.tasks) if (task.Status === 'RUNNING') task.Status = 'COMPLETED';
      state.messages = 0;
    },
  };
}
