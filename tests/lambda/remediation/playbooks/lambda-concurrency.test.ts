import '../../support/test-environment';
import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import {
  type ConcurrencySnapshot,
  LambdaConcurrency,
  type LambdaConcurrencyOptions,
} from '../../../../lambda/remediation/playbooks/lambda-concurrency';
import { mockLambdaFunction, playbookClients } from '../support/playbook-fixtures';

const playbook = (options?: LambdaConcurrencyOptions) =>
  new LambdaConcurrency(playbookClients().lambda, options);
const target = { kind: 'lambda-function', functionName: 'orders-worker' } as const;
const snapshotOf = (reserved: number | null, unreserved = 900): ConcurrencySnapshot => ({
  reservedConcurrency: reserved,
  accountConcurrency: 1000,
  unreservedConcurrency: unreserved,
});

describe('describe', () => {
  test('reads the function and its tags in one GetFunction', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50, tags: { team: 'orders' } });
    await expect(playbook().describe(fixture.target)).resolves.toEqual({
      exists: true,
      arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-worker',
      tags: { team: 'orders' },
    });
    expect(fixture.lambdaMock.calls().map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'orders-worker' },
    ]);
  });

  test('a function that does not exist is an answer, not an error', async () => {
    mockLambdaFunction({ reservedConcurrency: 50 });
    await expect(playbook().describe({ ...target, functionName: 'gone' })).resolves.toEqual({
      exists: false,
      tags: {},
    });
  });

  test('throttling is re-thrown untouched', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50 });
    const error = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    fixture.lambdaMock.on(GetFunctionCommand).rejects(error);
    await expect(playbook().describe(target)).rejects.toBe(error);
  });
});

describe('snapshot', () => {
  test('records reserved concurrency and the account’s limit and unreserved pool', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50, unreservedConcurrency: 700 });
    await expect(playbook().snapshot(fixture.target)).resolves.toEqual({
      reservedConcurrency: 50,
      accountConcurrency: 1000,
      unreservedConcurrency: 700,
    });
    expect(fixture.lambdaMock.commandCalls(GetFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders-worker',
    });
    expect(fixture.lambdaMock.commandCalls(GetAccountSettingsCommand)[0]?.args[0].input).toEqual({});
  });

  test('no reservation is null', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: null });
    await expect(playbook().snapshot(fixture.target)).resolves.toMatchObject({ reservedConcurrency: null });
  });

  test('a missing function is NOT_FOUND', async () => {
    mockLambdaFunction({ reservedConcurrency: 50 });
    await expect(playbook().snapshot({ ...target, functionName: 'gone' })).rejects.toMatchObject({
      name: 'PlaybookError.NOT_FOUND',
    });
  });
});

describe('plan', () => {
  test('doubles reserved concurrency, with one PutFunctionConcurrency and no AWS call', () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50 });
    expect(playbook().plan(target, snapshotOf(50))).toEqual({
      calls: [
        {
          service: 'lambda',
          action: 'PutFunctionConcurrency',
          parameters: { FunctionName: 'orders-worker', ReservedConcurrentExecutions: 100 },
          reason: 'raise reserved concurrency of orders-worker from 50 to 100',
        },
      ],
    });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });

  test.each([
    ['a small reservation rises by at least 10', snapshotOf(3), {}, 13, ''],
    [
      'capped by what the account can spare above its 100',
      snapshotOf(400, 250),
      {},
      550,
      ', all the account can spare',
    ],
    ['capped by the absolute bound', snapshotOf(600, 5000), {}, 1000, ", this playbook's bound"],
    ['another factor', snapshotOf(100), { factor: 1.5 }, 150, ''],
    [
      'another bound',
      snapshotOf(180),
      { factor: 1.5, maxReservedConcurrency: 200 },
      200,
      ", this playbook's bound",
    ],
  ])('%s', (_name, snapshot, options, raised, cap) => {
    const [call] = playbook(options).plan(target, snapshot).calls;
    expect(call?.parameters).toEqual({ FunctionName: 'orders-worker', ReservedConcurrentExecutions: raised });
    expect(call?.reason).toBe(
      `raise reserved concurrency of orders-worker from ${snapshot.reservedConcurrency} to ${raised}${cap}`,
    );
  });

  test('no reservation: the account limit throttles, and this playbook leaves it alone', () => {
    expect(playbook().plan(target, snapshotOf(null))).toEqual({
      calls: [],
      nothingToDo:
        "orders-worker reserves no concurrency, so it is throttled by the account's limit of 1000; this playbook does not change the account limit (ask AWS Support for a higher quota)",
    });
  });

  test.each([
    [
      'a function switched off',
      snapshotOf(0),
      'orders-worker has reserved concurrency 0: it was switched off on purpose',
    ],
    [
      'no headroom',
      snapshotOf(50, 100),
      'the account has no concurrency to spare for orders-worker: 100 is unreserved and Lambda keeps 100 of it unreserved',
    ],
    [
      'already at the bound',
      snapshotOf(1000, 5000),
      "orders-worker already reserves 1000, at or above this playbook's bound of 1000",
    ],
  ])('nothing to do: %s', (_name, snapshot, reason) => {
    expect(playbook().plan(target, snapshot)).toEqual({ calls: [], nothingToDo: reason });
  });

  test('options out of range are refused when the playbook is made', () => {
    const { lambda } = playbookClients();
    expect(() => new LambdaConcurrency(lambda, { factor: 1 })).toThrow(RangeError);
    expect(() => new LambdaConcurrency(lambda, { maxReservedConcurrency: 0 })).toThrow(RangeError);
  });
});

describe('act and rollback', () => {
  test('act makes exactly the planned call; rollback puts the old value back', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50, unreservedConcurrency: 700 });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.lambdaMock.resetHistory();

    const action = await playbook().act(fixture.target, snapshot, plan);
    // Read, compare, write, read back: PutFunctionConcurrency has no condition of its own.
    expect(fixture.lambdaMock.calls().map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'orders-worker' },
      ...plan.calls.map((call) => call.parameters),
      { FunctionName: 'orders-worker' },
    ]);
    expect(action.calls).toEqual([{ ...plan.calls[0], response: { ReservedConcurrentExecutions: 100 } }]);
    expect(fixture.concurrency()).toEqual({ reserved: 100, unreserved: 650 });

    fixture.lambdaMock.resetHistory();
    const undone = await playbook().rollback(fixture.target, snapshot);
    expect(fixture.lambdaMock.commandCalls(PutFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders-worker',
      ReservedConcurrentExecutions: 50,
    });
    expect(undone.calls[0]?.reason).toBe('put reserved concurrency of orders-worker back to 50');
    expect(fixture.concurrency()).toEqual({ reserved: 50, unreserved: 700 });
  });

  test('a function deleted since the snapshot is NOT_FOUND; throttling is re-thrown untouched', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50 });
    const plan = playbook().plan(target, snapshotOf(50));
    fixture.lambdaMock
      .on(PutFunctionConcurrencyCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    await expect(playbook().act(target, snapshotOf(50), plan)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const error = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    fixture.lambdaMock.on(PutFunctionConcurrencyCommand).rejects(error);
    await expect(playbook().act(target, snapshotOf(50), plan)).rejects.toBe(error);
  });

  test('an operator’s value is never overwritten: not by act, not by rollback', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50, unreservedConcurrency: 700 });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    const operator = (reserved: number) =>
      new LambdaClient({ region: 'eu-west-1' }).send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'orders-worker',
          ReservedConcurrentExecutions: reserved,
        }),
      );

    await operator(0);
    await expect(playbook().act(fixture.target, snapshot, plan)).rejects.toMatchObject({
      code: 'TARGET_CHANGED',
      message: expect.stringContaining('is 0 before the change, not 50 as this run expected'),
    });
    expect(fixture.concurrency().reserved).toBe(0);

    await operator(50);
    await playbook().act(fixture.target, snapshot, plan);
    await operator(120);
    await expect(playbook().rollback(fixture.target, snapshot)).rejects.toMatchObject({
      code: 'TARGET_CHANGED',
    });
    expect(fixture.concurrency().reserved).toBe(120);
  });

  test('a rollback after an act that changed nothing makes no call', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: 50 });
    const snapshot = await playbook().snapshot(fixture.target);
    fixture.lambdaMock.resetHistory();
    await expect(playbook().rollback(fixture.target, snapshot)).resolves.toMatchObject({ calls: [] });
    expect(fixture.lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
  });

  test('nothing planned: act and rollback make no call', async () => {
    const fixture = mockLambdaFunction({ reservedConcurrency: null });
    const plan = playbook().plan(target, snapshotOf(null));
    await expect(playbook().act(target, snapshotOf(null), plan)).resolves.toMatchObject({ calls: [] });
    await expect(playbook().rollback(target, snapshotOf(null))).resolves.toMatchObject({ calls: [] });
    await expect(playbook().rollback(target, snapshotOf(50, 100))).resolves.toMatchObject({ calls: [] });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });
});
