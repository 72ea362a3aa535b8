import '../../support/test-environment';
import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  QueueDoesNotExist,
  RequestThrottled,
  ResourceNotFoundException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DO_NOT_REMEDIATE_TAG, OPT_IN_TAG } from '../../../../constructs/contracts/remediation';
import { targetRefusal } from '../../../../lambda/remediation/envelope/admission';
import {
  DlqRedrive,
  type DlqRedriveOptions,
  type DlqSnapshot,
} from '../../../../lambda/remediation/playbooks/dlq-redrive';
import { mockDeadLetterQueue, playbookClients } from '../support/playbook-fixtures';

const playbook = (options?: DlqRedriveOptions) => new DlqRedrive(playbookClients().sqs, options);
const throttled = () => new RequestThrottled({ message: 'Rate exceeded', $metadata: {} });
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq';
const OPTED_IN = { [OPT_IN_TAG]: 'true' };
const snapshotOf = (state: Partial<DlqSnapshot>): DlqSnapshot => ({
  queueArn: QUEUE_ARN,
  messages: 42,
  runningMoveTask: null,
  sourceQueues: ['orders'],
  ...state,
});

describe('describe', () => {
  test('finds the queue by name, then its ARN and tags, and the source queues with theirs', async () => {
    const fixture = mockDeadLetterQueue({
      messages: 3,
      tags: { team: 'orders' },
      sourceQueues: [{ name: 'orders', tags: { ...OPTED_IN, team: 'orders' } }],
    });
    await expect(playbook().describe(fixture.target)).resolves.toEqual({
      exists: true,
      arn: QUEUE_ARN,
      tags: { team: 'orders' },
      related: [{ role: 'source queue', name: 'orders', tags: { ...OPTED_IN, team: 'orders' } }],
    });
    expect(fixture.sqsMock.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({
      QueueName: 'orders-dlq',
    });
    expect(fixture.sqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    });
    expect(fixture.sqsMock.commandCalls(ListQueueTagsCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL },
      { QueueUrl: fixture.urlOf('orders') },
    ]);
  });

  test('reads every page of source queues, asking for pages so that SQS gives a NextToken', async () => {
    const names = ['orders', 'payments', 'refunds', 'invoices', 'returns'];
    const fixture = mockDeadLetterQueue({
      messages: 3,
      sourceQueues: names.map((name) => ({ name })),
      sourceQueuePageSize: 2,
    });
    const state = await playbook().describe(fixture.target);
    expect(state.related?.map((queue) => queue.name)).toEqual(names);
    expect(fixture.sqsMock.commandCalls(ListDeadLetterSourceQueuesCommand)).toHaveLength(3);
    expect(fixture.sourceQueueRequests()).toEqual([
      { QueueUrl: QUEUE_URL, MaxResults: 1000 },
      { QueueUrl: QUEUE_URL, MaxResults: 1000, NextToken: '2' },
      { QueueUrl: QUEUE_URL, MaxResults: 1000, NextToken: '4' },
    ]);
  });

  test('a source queue deleted between listing and tagging is no source any more', async () => {
    const fixture = mockDeadLetterQueue({
      messages: 3,
      sourceQueues: [{ name: 'orders' }, { name: 'gone' }],
    });
    fixture.sqsMock
      .on(ListQueueTagsCommand, { QueueUrl: fixture.urlOf('gone') })
      .rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));
    const state = await playbook().describe(fixture.target);
    expect(state).toMatchObject({ exists: true, arn: QUEUE_ARN });
    expect(state.related?.map((queue) => queue.name)).toEqual(['orders']);
  });

  // The admission gate and the check right before acting both judge the described state.
  test.each([
    [
      'without the opt-in tag',
      { team: 'payments' },
      'not-opted-in',
      'source queue payments of SQS queue orders-dlq has no vigil:remediate tag; tag it "true" to let self-healing change SQS queue orders-dlq',
    ],
    [
      'opted in with another value',
      { [OPT_IN_TAG]: 'yes' },
      'not-opted-in',
      'source queue payments of SQS queue orders-dlq is tagged vigil:remediate="yes", not "true"',
    ],
    [
      'tagged do-not-remediate',
      { ...OPTED_IN, [DO_NOT_REMEDIATE_TAG]: 'incident-4711' },
      'do-not-remediate',
      'source queue payments of SQS queue orders-dlq is tagged vigil:do-not-remediate',
    ],
  ])('a source queue %s keeps the whole redrive away, by name', async (_case, tags, refusal, detail) => {
    const fixture = mockDeadLetterQueue({
      messages: 3,
      sourceQueues: [{ name: 'orders' }, { name: 'payments', tags }],
    });
    const state = await playbook().describe(fixture.target);
    expect(targetRefusal(fixture.target, state)).toEqual({ admitted: false, refusal, detail });
  });

  test('opted-in source queues let the redrive in; the queue’s own refusal is named first', async () => {
    const fixture = mockDeadLetterQueue({
      messages: 3,
      sourceQueues: [{ name: 'orders' }, { name: 'payments' }],
    });
    expect(targetRefusal(fixture.target, await playbook().describe(fixture.target))).toBeUndefined();

    const excluded = mockDeadLetterQueue({
      messages: 3,
      tags: { ...OPTED_IN, [DO_NOT_REMEDIATE_TAG]: 'true' },
      sourceQueues: [{ name: 'orders', tags: {} }],
    });
    expect(targetRefusal(excluded.target, await playbook().describe(excluded.target))).toMatchObject({
      refusal: 'do-not-remediate',
      detail: 'SQS queue orders-dlq is tagged vigil:do-not-remediate',
    });
  });

  test('a queue that does not exist is an answer, under either of its error names', async () => {
    const fixture = mockDeadLetterQueue({ messages: 3 });
    await expect(playbook().describe({ ...fixture.target, queueName: 'gone' })).resolves.toEqual({
      exists: false,
      tags: {},
    });
    fixture.sqsMock
      .on(GetQueueUrlCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'AWS.SimpleQueueService.NonExistentQueue' }));
    await expect(playbook().describe(fixture.target)).resolves.toEqual({ exists: false, tags: {} });
  });

  test('throttling is re-thrown untouched', async () => {
    const fixture = mockDeadLetterQueue({ messages: 3 });
    const error = throttled();
    fixture.sqsMock.on(ListQueueTagsCommand).rejects(error);
    await expect(playbook().describe(fixture.target)).rejects.toBe(error);
  });
});

describe('snapshot', () => {
  test('records the ARN, the message count, the source queues and whether a move task is running', async () => {
    const fixture = mockDeadLetterQueue({
      messages: 42,
      sourceQueues: [{ name: 'orders' }, { name: 'payments' }, { name: 'refunds' }],
    });
    await expect(playbook().snapshot(fixture.target)).resolves.toEqual({
      queueArn: QUEUE_ARN,
      messages: 42,
      runningMoveTask: null,
      sourceQueues: ['orders', 'payments', 'refunds'],
    });
    expect(fixture.sqsMock.commandCalls(ListMessageMoveTasksCommand)[0]?.args[0].input).toEqual({
      SourceArn: QUEUE_ARN,
      MaxResults: 1,
    });
  });

  test('a running move task is recorded by its handle', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42, runningMoveTask: 'task-earlier' });
    await expect(playbook().snapshot(fixture.target)).resolves.toMatchObject({
      runningMoveTask: 'task-earlier',
    });
  });

  test('a finished move task is not running', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42, runningMoveTask: 'task-earlier' });
    fixture.finishMoveTask();
    await expect(playbook().snapshot(fixture.target)).resolves.toMatchObject({
      messages: 0,
      runningMoveTask: null,
    });
  });

  test('a missing queue is NOT_FOUND', async () => {
    mockDeadLetterQueue({ messages: 1 });
    await expect(playbook().snapshot({ kind: 'sqs-queue', queueName: 'gone' })).rejects.toMatchObject({
      name: 'PlaybookError.NOT_FOUND',
    });
  });
});

describe('plan', () => {
  test('one StartMessageMoveTask at the capped rate, back to the source queues, with no AWS call', () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = snapshotOf({ messages: 42 });
    expect(playbook().plan(fixture.target, snapshot)).toEqual({
      calls: [
        {
          service: 'sqs',
          action: 'StartMessageMoveTask',
          parameters: { SourceArn: QUEUE_ARN, MaxNumberOfMessagesPerSecond: 10 },
          reason:
            'move the 42 messages in orders-dlq back to the queues they came from (orders), at most 10 a second ' +
            '(42 messages at 10/s = 5 s to move (65 s allowed, as the count is approximate))',
        },
      ],
    });
    expect(
      playbook({ maxMessagesPerSecond: 50 }).plan(fixture.target, snapshot).calls[0]?.parameters,
    ).toEqual({
      SourceArn: QUEUE_ARN,
      MaxNumberOfMessagesPerSecond: 50,
    });
    expect(fixture.sqsMock.calls()).toHaveLength(0);
  });

  test('names at most five source queues and counts the rest', () => {
    const target = { kind: 'sqs-queue', queueName: 'orders-dlq' } as const;
    const sourceQueues = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(playbook().plan(target, snapshotOf({ sourceQueues })).calls[0]?.reason).toContain(
      'back to the queues they came from (a, b, c, d, e and 2 more)',
    );
  });

  test.each([
    [{ messages: 0 }, 'orders-dlq is empty'],
    [{ runningMoveTask: 'task-1' }, 'a move task is already moving messages out of orders-dlq'],
    [
      { sourceQueues: [] },
      'no queue names orders-dlq as its dead-letter queue (ListDeadLetterSourceQueues lists none), so the ' +
        'queues its messages would go back to cannot be checked for the opt-in tag; redrive them by hand',
    ],
  ])('nothing to do: %j', (state, reason) => {
    const target = { kind: 'sqs-queue', queueName: 'orders-dlq' } as const;
    expect(playbook().plan(target, snapshotOf(state))).toEqual({ calls: [], nothingToDo: reason });
  });

  // With MAX_MOVE_SECONDS as the stack sets it by default (4 h): a move the run could neither verify
  // nor cancel is not started. The boundary: ceil(130,363 × 1.1 / 10) + 60 = 14,400 s exactly.
  test('a backlog too big to move within the run is left to a human, at the rate kept', () => {
    const target = { kind: 'sqs-queue', queueName: 'orders-dlq' } as const;
    const redrive = playbook({ maxMoveSeconds: 4 * 3600 });
    expect(redrive.plan(target, snapshotOf({ messages: 130_363 })).calls).toHaveLength(1);
    expect(redrive.plan(target, snapshotOf({ messages: 130_364 }))).toEqual({
      calls: [],
      nothingToDo:
        '130,364 messages at 10/s = 13,037 s to move (14,401 s allowed, as the count is approximate): more ' +
        'than the 14,400 s (4 h) a run can wait for a move before its workflow times out. Nothing was ' +
        'started; redrive orders-dlq by hand, at a rate its consumers can take',
    });
  });

  test('without a budget from the stack, SQS’s own 36 h limit on a redrive task applies', () => {
    const target = { kind: 'sqs-queue', queueName: 'orders-dlq' } as const;
    expect(playbook().plan(target, snapshotOf({ messages: 1_200_000 })).nothingToDo).toMatch(
      /^1,200,000 messages at 10\/s = 120,000 s to move \(132,060 s allowed, as the count is approximate\): more than the 129,600 s \(36 h\) SQS lets a redrive task run\./,
    );
    expect(
      playbook({ maxMessagesPerSecond: 100 }).plan(target, snapshotOf({ messages: 1_200_000 })).calls,
    ).toHaveLength(1);
  });

  test('a rate or a budget SQS would refuse is refused when the playbook is made', () => {
    const { sqs } = playbookClients();
    expect(() => new DlqRedrive(sqs, { maxMessagesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new DlqRedrive(sqs, { maxMessagesPerSecond: 501 })).toThrow(RangeError);
    expect(() => new DlqRedrive(sqs, { maxMoveSeconds: 0 })).toThrow(RangeError);
    expect(() => new DlqRedrive(sqs, { maxMoveSeconds: 36 * 3600 + 1 })).toThrow(RangeError);
  });
});

describe('act', () => {
  test('makes exactly the planned call and records the task handle', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.sqsMock.resetHistory();

    const action = await playbook().act(fixture.target, snapshot, plan);

    expect(fixture.sqsMock.calls().map((call) => call.args[0].input)).toEqual(
      plan.calls.map((call) => call.parameters),
    );
    expect(action.calls).toEqual([{ ...plan.calls[0], response: { TaskHandle: 'task-1' } }]);
    expect(fixture.tasks()).toMatchObject([{ TaskHandle: 'task-1', Status: 'RUNNING' }]);
  });

  // 3,600 / 10 = 360 s at the rate; ceil(3,600 × 1.1 / 10) + 60 = 456 s allowed.
  test('tells verification how long the move takes: 3,600 messages at 10/s', async () => {
    const fixture = mockDeadLetterQueue({ messages: 3600 });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    expect(action.settle).toEqual({
      seconds: 456,
      basis: '3,600 messages at 10/s = 360 s to move (456 s allowed, as the count is approximate)',
    });
    // Five times the rate, a fifth of the time to move.
    const fast = playbook({ maxMessagesPerSecond: 50 });
    const fastAction = await fast.act(fixture.target, snapshot, fast.plan(fixture.target, snapshot));
    expect(fastAction.settle?.seconds).toBe(Math.ceil(3960 / 50) + 60);
  });

  test('nothing to do, nothing moved: no settle time', async () => {
    const fixture = mockDeadLetterQueue({ messages: 0 });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    expect(action).toEqual({ calls: [], completedAt: expect.any(String) });
  });

  test('a queue deleted since the snapshot is NOT_FOUND; throttling is re-thrown untouched', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.sqsMock
      .on(StartMessageMoveTaskCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(playbook().act(fixture.target, snapshot, plan)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    const error = throttled();
    fixture.sqsMock.on(StartMessageMoveTaskCommand).rejects(error);
    await expect(playbook().act(fixture.target, snapshot, plan)).rejects.toBe(error);
  });
});

describe('rollback', () => {
  test('cancels the task act started', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    fixture.sqsMock.resetHistory();

    const result = await playbook().rollback(fixture.target, snapshot, action);

    expect(fixture.sqsMock.calls().map((call) => call.args[0].input)).toEqual([{ TaskHandle: 'task-1' }]);
    expect(result.calls).toEqual([
      {
        service: 'sqs',
        action: 'CancelMessageMoveTask',
        parameters: { TaskHandle: 'task-1' },
        reason: 'stop moving messages out of orders-dlq; those already moved are not brought back',
        response: { ApproximateNumberOfMessagesMoved: 0 },
      },
    ]);
    expect(fixture.tasks()).toMatchObject([{ Status: 'CANCELLING' }]);
  });

  test('a task that already finished leaves nothing to cancel, which is not an error', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    fixture.finishMoveTask();

    const result = await playbook().rollback(fixture.target, snapshot, action);

    expect(result.calls[0]?.response).toEqual({ nothingLeftToCancel: 'the move task had already finished' });
  });

  test('throttling while cancelling is re-thrown untouched', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    const error = throttled();
    fixture.sqsMock.on(CancelMessageMoveTaskCommand).rejects(error);
    await expect(playbook().rollback(fixture.target, snapshot, action)).rejects.toBe(error);
  });

  // The state machine passes an action without calls when act failed, maybe after starting the task.
  // A task running then may be an operator's (one started between snapshot and act makes ours fail):
  // without the handle SQS gave this run, nothing is cancelled.
  test.each([
    ['no action', undefined],
    ['an action without calls', { calls: [], completedAt: '2026-01-01T00:00:00.000Z' }],
  ])('with %s, a running task is left alone: it cannot be shown to be this run’s', async (_name, action) => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    fixture.sqsMock.resetHistory();

    await expect(playbook().rollback(fixture.target, snapshot, action)).resolves.toMatchObject({ calls: [] });

    expect(fixture.sqsMock.commandCalls(CancelMessageMoveTaskCommand)).toHaveLength(0);
    expect(fixture.tasks()).toMatchObject([{ Status: 'RUNNING' }]);
  });

  test('without the action and with no task running, nothing is called', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    const snapshot = await playbook().snapshot(fixture.target);
    await expect(playbook().rollback(fixture.target, snapshot)).resolves.toMatchObject({ calls: [] });
    expect(fixture.sqsMock.commandCalls(CancelMessageMoveTaskCommand)).toHaveLength(0);
  });

  test('nothing planned, nothing to undo: a task running before the run is left alone', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42, runningMoveTask: 'task-earlier' });
    const snapshot = await playbook().snapshot(fixture.target);
    fixture.sqsMock.resetHistory();
    await expect(playbook().rollback(fixture.target, snapshot)).resolves.toMatchObject({ calls: [] });
    expect(fixture.sqsMock.calls()).toHaveLength(0);
  });
});
