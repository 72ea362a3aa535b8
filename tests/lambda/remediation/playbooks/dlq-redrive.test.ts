import '../../support/test-environment';
import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  RequestThrottled,
  ResourceNotFoundException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DlqRedrive, type DlqRedriveOptions } from '../../../../lambda/remediation/playbooks/dlq-redrive';
import { mockDeadLetterQueue, playbookClients } from '../support/playbook-fixtures';

const playbook = (options?: DlqRedriveOptions) => new DlqRedrive(playbookClients().sqs, options);
const throttled = () => new RequestThrottled({ message: 'Rate exceeded', $metadata: {} });
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq';

describe('describe', () => {
  test('finds the queue by name, then its ARN and tags', async () => {
    const fixture = mockDeadLetterQueue({ messages: 3, tags: { team: 'orders' } });
    await expect(playbook().describe(fixture.target)).resolves.toEqual({
      exists: true,
      arn: QUEUE_ARN,
      tags: { team: 'orders' },
    });
    expect(fixture.sqsMock.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({
      QueueName: 'orders-dlq',
    });
    expect(fixture.sqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    });
    expect(fixture.sqsMock.commandCalls(ListQueueTagsCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
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
  test('records the ARN, the message count and whether a move task is running', async () => {
    const fixture = mockDeadLetterQueue({ messages: 42 });
    await expect(playbook().snapshot(fixture.target)).resolves.toEqual({
      queueArn: QUEUE_ARN,
      messages: 42,
      runningMoveTask: null,
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
    const snapshot = { queueArn: QUEUE_ARN, messages: 42, runningMoveTask: null };
    expect(playbook().plan(fixture.target, snapshot)).toEqual({
      calls: [
        {
          service: 'sqs',
          action: 'StartMessageMoveTask',
          parameters: { SourceArn: QUEUE_ARN, MaxNumberOfMessagesPerSecond: 10 },
          reason: 'move the 42 messages in orders-dlq back to the queues they came from, at most 10 a second',
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

  test.each([
    [{ messages: 0, runningMoveTask: null }, 'orders-dlq is empty'],
    [{ messages: 42, runningMoveTask: 'task-1' }, 'a move task is already moving messages out of orders-dlq'],
  ])('nothing to do: %j', (state, reason) => {
    const target = { kind: 'sqs-queue', queueName: 'orders-dlq' } as const;
    expect(playbook().plan(target, { queueArn: QUEUE_ARN, ...state })).toEqual({
      calls: [],
      nothingToDo: reason,
    });
  });

  test('a rate SQS would refuse is refused when the playbook is made', () => {
    const { sqs } = playbookClients();
    expect(() => new DlqRedrive(sqs, { maxMessagesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new DlqRedrive(sqs, { maxMessagesPerSecond: 501 })).toThrow(RangeError);
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
