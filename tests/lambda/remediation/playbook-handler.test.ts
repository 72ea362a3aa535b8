import '../support/test-environment';
import { GetAliasCommand, TooManyRequestsException, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { RequestThrottled, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { createPlaybookHandler } from '../../../lambda/remediation/playbook-handler';
import { DlqRedrive } from '../../../lambda/remediation/playbooks/dlq-redrive';
import { LambdaAliasRollback } from '../../../lambda/remediation/playbooks/lambda-alias-rollback';
import type {
  ActionResult,
  PlaybookOperation,
  RemediationPlan,
  RemediationRequest,
  TargetState,
} from '../../../lambda/remediation/remediation-types';
import { logger } from '../../../lambda/shared/observability';
import { lambdaContext } from '../support/lambda-context';
import {
  mockDeadLetterQueue,
  mockLambdaAlias,
  playbookClients,
  remediationRequest,
} from './support/playbook-fixtures';

const aliasHandler = () => createPlaybookHandler(new LambdaAliasRollback(playbookClients().lambda));

/** Input and output pass through the state machine as JSON, as they would in Step Functions. */
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

async function invoke<T>(handler: ReturnType<typeof aliasHandler>, event: unknown): Promise<T> {
  return viaJson(await handler(viaJson(event) as PlaybookOperation)) as T;
}

function aliasRun(overrides: Partial<RemediationRequest> = {}) {
  const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7' });
  return { fixture, request: remediationRequest('lambda-alias-rollback', fixture.target, overrides) };
}

afterEach(() => jest.restoreAllMocks());

test('a whole run, op by op: describe, snapshot, plan, act, rollback', async () => {
  const { fixture, request } = aliasRun();
  const handler = aliasHandler();

  await expect(invoke<TargetState>(handler, { op: 'describe', request })).resolves.toEqual({
    exists: true,
    arn: fixture.aliasArn,
    tags: { 'vigil:remediate': 'true' },
  });
  const snapshot = await invoke<unknown>(handler, { op: 'snapshot', request });
  expect(snapshot).toMatchObject({ functionVersion: '7', previousVersion: '6' });
  fixture.lambdaMock.resetHistory();
  const plan = await invoke<RemediationPlan>(handler, { op: 'plan', request, snapshot });
  expect(fixture.lambdaMock.calls()).toHaveLength(0);
  expect(plan.calls.map((call) => call.reason)).toEqual(['point live back from version 7 to version 6']);

  const action = await invoke<ActionResult>(handler, { op: 'act', request, snapshot, plan });
  expect(fixture.lambdaMock.calls().map((call) => call.args[0].input)).toEqual([plan.calls[0]?.parameters]);
  expect(fixture.alias().functionVersion).toBe('6');

  const undone = await invoke<ActionResult>(handler, { op: 'rollback', request, snapshot, action });
  expect(undone.calls.map((call) => call.action)).toEqual(['UpdateAlias']);
  expect(fixture.alias().functionVersion).toBe('7');
});

test('each operation is logged with the run id', async () => {
  const { request } = aliasRun({ runId: 'run-42' });
  const appendKeys = jest.spyOn(logger, 'appendKeys');
  const info = jest.spyOn(logger, 'info');
  await aliasHandler()({ op: 'describe', request });
  expect(appendKeys).toHaveBeenCalledWith({ runId: 'run-42', playbook: 'lambda-alias-rollback' });
  expect(info).toHaveBeenCalledWith('Playbook operation', { op: 'describe', target: request.target });
  expect(info).toHaveBeenCalledWith(
    'Playbook operation done',
    expect.objectContaining({ op: 'describe', result: expect.objectContaining({ exists: true }) }),
  );
});

describe('a malformed operation is INVALID_OPERATION, naming the field', () => {
  const { request } = aliasRun();
  const snapshot = {
    aliasArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live',
    functionVersion: '7',
    additionalVersionWeights: {},
    revisionId: 'revision-1',
    previousVersion: '6',
  };
  test.each([
    ['not an object', 'hello', 'Invalid playbook operation: event: Invalid input: expected object'],
    ['no op', { request }, 'Invalid playbook operation: op: Invalid discriminator value'],
    ['an unknown op', { op: 'delete', request }, 'op: Invalid discriminator value'],
    [
      'no run id',
      { op: 'describe', request: { ...request, runId: undefined } },
      'request.runId: Invalid input: expected string, received undefined',
    ],
    [
      'a target without its alias',
      { op: 'describe', request: { ...request, target: { kind: 'lambda-alias', functionName: 'f' } } },
      'request.target.aliasName: Invalid input',
    ],
    ['plan without a snapshot', { op: 'plan', request }, 'snapshot: Invalid input: expected object'],
    [
      'a snapshot without its revision',
      { op: 'plan', request, snapshot: { ...snapshot, revisionId: undefined } },
      'snapshot.revisionId: Invalid input',
    ],
    ['act without a plan', { op: 'act', request, snapshot }, 'plan: Invalid input: expected object'],
    [
      'rollback with a malformed action',
      { op: 'rollback', request, snapshot, action: { calls: 'none' } },
      'action.calls: Invalid input: expected array',
    ],
  ])('%s', async (_name, event, named) => {
    const failure = aliasHandler()(event as PlaybookOperation);
    await expect(failure).rejects.toMatchObject({ name: 'PlaybookError.INVALID_OPERATION' });
    await expect(failure).rejects.toThrow(named);
  });
});

test('a request for another playbook or another kind of target is refused before any call', async () => {
  const { fixture, request } = aliasRun();
  const handler = aliasHandler();
  await expect(handler({ op: 'describe', request: { ...request, playbook: 'dlq-redrive' } })).rejects.toThrow(
    'this function runs playbook lambda-alias-rollback on lambda-alias targets; the request is for dlq-redrive on a lambda-alias',
  );
  await expect(
    handler({ op: 'describe', request: { ...request, target: { kind: 'sqs-queue', queueName: 'q' } } }),
  ).rejects.toMatchObject({ code: 'INVALID_OPERATION' });
  expect(fixture.lambdaMock.calls()).toHaveLength(0);
});

test('a dry run never reaches act or rollback', async () => {
  const { fixture, request } = aliasRun({ mode: 'dry-run' });
  const handler = aliasHandler();
  const snapshot = await handler({ op: 'snapshot', request });
  const plan = (await handler({ op: 'plan', request, snapshot })) as RemediationPlan;
  fixture.lambdaMock.resetHistory();

  await expect(handler({ op: 'act', request, snapshot, plan })).rejects.toThrow(
    'run run-0001 is a dry run, which makes no change: act refused',
  );
  await expect(handler({ op: 'rollback', request, snapshot })).rejects.toMatchObject({
    code: 'INVALID_OPERATION',
  });
  expect(fixture.lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
});

test('AWS throttling goes through untouched, for the state machine to retry', async () => {
  const { fixture, request } = aliasRun();
  const error = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
  fixture.lambdaMock.on(GetAliasCommand).rejects(error);
  await expect(aliasHandler()({ op: 'describe', request })).rejects.toBe(error);

  const queue = mockDeadLetterQueue({ messages: 5 });
  const sqsError = new RequestThrottled({ message: 'Rate exceeded', $metadata: {} });
  queue.sqsMock.on(StartMessageMoveTaskCommand).rejects(sqsError);
  const handler = createPlaybookHandler(new DlqRedrive(playbookClients().sqs));
  const dlqRequest = remediationRequest('dlq-redrive', queue.target);
  const snapshot = await handler({ op: 'snapshot', request: dlqRequest });
  const plan = (await handler({ op: 'plan', request: dlqRequest, snapshot })) as RemediationPlan;
  await expect(handler({ op: 'act', request: dlqRequest, snapshot, plan })).rejects.toBe(sqsError);
});

describe('the playbook function', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
  const coldStart = (playbook: string | undefined, env: NodeJS.ProcessEnv = {}): { handler: Handler } => {
    process.env = { ...saved, PLAYBOOK: playbook, ...env };
    let loaded: { handler: Handler } | undefined;
    jest.isolateModules(() => {
      loaded = require('../../../lambda/remediation/playbook-function') as { handler: Handler };
    });
    return loaded as { handler: Handler };
  };

  test('fails its cold start without a known PLAYBOOK', () => {
    expect(() => coldStart(undefined)).toThrow(
      'Invalid Lambda environment: PLAYBOOK must be one of lambda-alias-rollback, lambda-concurrency, dlq-redrive',
    );
    expect(() => coldStart('restart-everything')).toThrow('PLAYBOOK must be one of');
  });

  // The stack sets MAX_MOVE_SECONDS on the dlq-redrive function from its workflow's timeout.
  test('gives dlq-redrive the move budget MAX_MOVE_SECONDS sets, and fails its cold start on a bad one', async () => {
    expect(() => coldStart('dlq-redrive', { MAX_MOVE_SECONDS: '4h' })).toThrow(
      'MAX_MOVE_SECONDS must be a whole number of seconds (got "4h")',
    );
    expect(() => coldStart('dlq-redrive', { MAX_MOVE_SECONDS: String(36 * 3600 + 1) })).toThrow(
      'MAX_MOVE_SECONDS must be at most 129600 seconds',
    );
    const request = remediationRequest('dlq-redrive', { kind: 'sqs-queue', queueName: 'orders-dlq' });
    // Planning makes no AWS call: the snapshot is what the state machine passes.
    const snapshot = {
      queueArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq',
      messages: 10_000,
      runningMoveTask: null,
      sourceQueues: ['orders'],
    };
    const plan = async (handler: Handler) =>
      (await handler({ op: 'plan', request, snapshot }, lambdaContext('vigil-playbook'))) as RemediationPlan;
    // 10,000 messages at 10/s: 1,160 s allowed with the approximate count's margin.
    expect(
      (await plan(coldStart('dlq-redrive', { MAX_MOVE_SECONDS: '1159' }).handler)).nothingToDo,
    ).toContain('more than the 1,159 s (19 min) a run can wait for a move');
    expect((await plan(coldStart('dlq-redrive', { MAX_MOVE_SECONDS: '1160' }).handler)).calls).toHaveLength(
      1,
    );
  });

  test('runs the playbook PLAYBOOK names', async () => {
    const { handler } = coldStart('dlq-redrive');
    const request = remediationRequest('lambda-alias-rollback', {
      kind: 'lambda-alias',
      functionName: 'orders-api',
      aliasName: 'live',
    });
    await expect(handler({ op: 'describe', request }, lambdaContext('vigil-playbook'))).rejects.toThrow(
      'this function runs playbook dlq-redrive on sqs-queue targets',
    );
  });
});
