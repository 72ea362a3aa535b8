import '../../support/test-environment';
import {
  GetAliasCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { LambdaAliasRollback } from '../../../../lambda/remediation/playbooks/lambda-alias-rollback';
import { PlaybookError } from '../../../../lambda/remediation/playbooks/playbook';
import { mockLambdaAlias, playbookClients } from '../support/playbook-fixtures';

const playbook = () => new LambdaAliasRollback(playbookClients().lambda);
const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('describe', () => {
  test('finds the alias by function and name, and reads the tags of its function', async () => {
    const fixture = mockLambdaAlias({ versions: [1, 2], current: '2', tags: { 'vigil:remediate': 'true' } });
    await expect(playbook().describe(fixture.target)).resolves.toEqual({
      exists: true,
      arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live',
      tags: { 'vigil:remediate': 'true' },
    });
    expect(fixture.lambdaMock.commandCalls(GetAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders-api',
      Name: 'live',
    });
    expect(fixture.lambdaMock.commandCalls(ListTagsCommand)[0]?.args[0].input).toEqual({
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
    });
  });

  test('an alias that does not exist is an answer, not an error', async () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    await expect(playbook().describe({ ...fixture.target, aliasName: 'canary' })).resolves.toEqual({
      exists: false,
      tags: {},
    });
    expect(fixture.lambdaMock.commandCalls(ListTagsCommand)).toHaveLength(0);
  });

  test('throttling is re-thrown untouched, for the state machine to retry', async () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    const error = throttled();
    fixture.lambdaMock.on(GetAliasCommand).rejects(error);
    await expect(playbook().describe(fixture.target)).rejects.toBe(error);
  });
});

describe('snapshot', () => {
  test('records version, routing and revision, and the previous version across every page', async () => {
    const fixture = mockLambdaAlias({ versions: [1, 2, 3, 4, 5, 6, 7], current: '6', routing: { '7': 0.1 } });
    await expect(playbook().snapshot(fixture.target)).resolves.toEqual({
      aliasArn: fixture.aliasArn,
      functionVersion: '6',
      additionalVersionWeights: { '7': 0.1 },
      revisionId: 'revision-1',
      previousVersion: '5',
    });
    // $LATEST and 7 versions, two a page.
    expect(
      fixture.lambdaMock.commandCalls(ListVersionsByFunctionCommand).map((call) => call.args[0].input),
    ).toEqual([
      { FunctionName: 'orders-api' },
      { FunctionName: 'orders-api', Marker: '2' },
      { FunctionName: 'orders-api', Marker: '4' },
      { FunctionName: 'orders-api', Marker: '6' },
    ]);
  });

  test('versions compare as numbers, and gaps are skipped', async () => {
    const fixture = mockLambdaAlias({ versions: [2, 9, 10, 11, 12], current: '11', pageSize: 50 });
    await expect(playbook().snapshot(fixture.target)).resolves.toMatchObject({ previousVersion: '10' });
    const gaps = mockLambdaAlias({ versions: [1, 3, 8], current: '8' });
    await expect(playbook().snapshot(gaps.target)).resolves.toMatchObject({ previousVersion: '3' });
  });

  test('no routing is an empty map, and no earlier version is null', async () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    await expect(playbook().snapshot(fixture.target)).resolves.toMatchObject({
      additionalVersionWeights: {},
      previousVersion: null,
    });
  });

  test('an alias on $LATEST has no previous published version, and versions are not listed', async () => {
    const fixture = mockLambdaAlias({ versions: [1, 2], current: '$LATEST' });
    await expect(playbook().snapshot(fixture.target)).resolves.toMatchObject({ previousVersion: null });
    expect(fixture.lambdaMock.commandCalls(ListVersionsByFunctionCommand)).toHaveLength(0);
  });

  test('a missing alias is PlaybookError NOT_FOUND', async () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    await expect(playbook().snapshot({ ...fixture.target, functionName: 'gone' })).rejects.toMatchObject({
      name: 'PlaybookError.NOT_FOUND',
      code: 'NOT_FOUND',
    });
  });

  test('throttling while listing versions is re-thrown untouched', async () => {
    const fixture = mockLambdaAlias({ versions: [1, 2], current: '2' });
    const error = throttled();
    fixture.lambdaMock.on(ListVersionsByFunctionCommand).rejects(error);
    await expect(playbook().snapshot(fixture.target)).rejects.toBe(error);
  });
});

describe('plan', () => {
  test('one UpdateAlias to the previous version, routing cleared, guarded by the revision', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7' });
    const snapshot = await playbook().snapshot(fixture.target);
    fixture.lambdaMock.resetHistory();

    expect(playbook().plan(fixture.target, snapshot)).toEqual({
      calls: [
        {
          service: 'lambda',
          action: 'UpdateAlias',
          parameters: {
            FunctionName: 'orders-api',
            Name: 'live',
            FunctionVersion: '6',
            RoutingConfig: { AdditionalVersionWeights: {} },
            RevisionId: 'revision-1',
          },
          reason: 'point live back from version 7 to version 6',
        },
      ],
    });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });

  test('the reason names the traffic split it ends', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7, 8], current: '7', routing: { '8': 0.25 } });
    const plan = playbook().plan(fixture.target, await playbook().snapshot(fixture.target));
    expect(plan.calls[0]?.reason).toBe('point live back from version 7 (and 25% to version 8) to version 6');
  });

  test('nothing to do without an earlier version', () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    const snapshot = {
      aliasArn: fixture.aliasArn,
      functionVersion: '1',
      additionalVersionWeights: {},
      revisionId: 'revision-1',
      previousVersion: null,
    };
    expect(playbook().plan(fixture.target, snapshot)).toEqual({
      calls: [],
      nothingToDo:
        'alias live of orders-api is on version 1 and there is no earlier published version to go back to',
    });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });
});

describe('act', () => {
  test('makes exactly the planned call and reports what Lambda answered', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7, 8], current: '7', routing: { '8': 0.1 } });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.lambdaMock.resetHistory();

    const result = await playbook().act(fixture.target, snapshot, plan);

    expect(fixture.lambdaMock.calls().map((call) => call.args[0].input)).toEqual(
      plan.calls.map((call) => call.parameters),
    );
    expect(fixture.lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(1);
    expect(result).toEqual({
      calls: [
        {
          ...plan.calls[0],
          response: {
            AliasArn: fixture.aliasArn,
            Name: 'live',
            FunctionVersion: '6',
            RevisionId: 'revision-2',
          },
        },
      ],
      completedAt: expect.stringMatching(ISO_TIME),
    });
    expect(fixture.alias()).toEqual({ functionVersion: '6', weights: {}, revisionId: 'revision-2' });
  });

  test('a deploy since the snapshot wins: PreconditionFailedException is TARGET_CHANGED', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7' });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.deploy('8');

    const failure = playbook().act(fixture.target, snapshot, plan);
    await expect(failure).rejects.toBeInstanceOf(PlaybookError);
    await expect(failure).rejects.toMatchObject({
      name: 'PlaybookError.TARGET_CHANGED',
      code: 'TARGET_CHANGED',
      cause: expect.objectContaining({ name: 'PreconditionFailedException' }),
    });
    expect(fixture.alias().functionVersion).toBe('8');
  });

  test('a function deleted since the snapshot is NOT_FOUND', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6], current: '6' });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.lambdaMock
      .on(UpdateAliasCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    await expect(playbook().act(fixture.target, snapshot, plan)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('throttling is re-thrown untouched', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6], current: '6' });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    const error = throttled();
    fixture.lambdaMock.on(UpdateAliasCommand).rejects(error);
    await expect(playbook().act(fixture.target, snapshot, plan)).rejects.toBe(error);
  });

  test('a plan it would not make from the snapshot is refused, and nothing is called', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7' });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    const edited = {
      calls: plan.calls.map((call) => ({
        ...call,
        parameters: { ...call.parameters, FunctionVersion: '5' },
      })),
    };
    fixture.lambdaMock.resetHistory();

    await expect(playbook().act(fixture.target, snapshot, edited)).rejects.toMatchObject({
      name: 'PlaybookError.PLAN_MISMATCH',
    });
    await expect(playbook().act(fixture.target, snapshot, { calls: [] })).rejects.toMatchObject({
      code: 'PLAN_MISMATCH',
    });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });

  test('a plan with nothing to do makes no call', async () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    const snapshot = await playbook().snapshot(fixture.target);
    const plan = playbook().plan(fixture.target, snapshot);
    fixture.lambdaMock.resetHistory();
    await expect(playbook().act(fixture.target, snapshot, plan)).resolves.toEqual({
      calls: [],
      completedAt: expect.stringMatching(ISO_TIME),
    });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });
});

describe('rollback', () => {
  test('puts version and routing back, guarded by the revision act left', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7, 8], current: '7', routing: { '8': 0.1 } });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    fixture.lambdaMock.resetHistory();

    const result = await playbook().rollback(fixture.target, snapshot, action);

    expect(fixture.lambdaMock.calls().map((call) => call.args[0].input)).toEqual([
      {
        FunctionName: 'orders-api',
        Name: 'live',
        FunctionVersion: '7',
        RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
        RevisionId: 'revision-2',
      },
    ]);
    expect(result.calls[0]?.reason).toBe(
      'point live back to version 7 (and 10% to version 8), as before the run',
    );
    expect(fixture.alias()).toMatchObject({ functionVersion: '7', weights: { '8': 0.1 } });
  });

  test('a deploy made after the run is not undone: TARGET_CHANGED', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7' });
    const snapshot = await playbook().snapshot(fixture.target);
    const action = await playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot));
    fixture.deploy('8');

    await expect(playbook().rollback(fixture.target, snapshot, action)).rejects.toMatchObject({
      code: 'TARGET_CHANGED',
    });
    expect(fixture.alias().functionVersion).toBe('8');
  });

  test('when act failed, the snapshot is restored guarded by its own revision', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7', routing: { '5': 0.5 } });
    const snapshot = await playbook().snapshot(fixture.target);
    fixture.lambdaMock.resetHistory();

    // What the state machine passes when act failed: no call it can vouch for.
    await playbook().rollback(fixture.target, snapshot, {
      calls: [],
      completedAt: '2026-01-01T00:00:00.000Z',
    });

    expect(fixture.lambdaMock.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders-api',
      Name: 'live',
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: { '5': 0.5 } },
      RevisionId: 'revision-1',
    });
    expect(fixture.alias()).toMatchObject({ functionVersion: '7', weights: { '5': 0.5 } });
  });

  test('when act lost to a concurrent deploy, rollback does not undo that deploy either', async () => {
    const fixture = mockLambdaAlias({ versions: [5, 6, 7], current: '7' });
    const snapshot = await playbook().snapshot(fixture.target);
    fixture.deploy('8');
    await expect(
      playbook().act(fixture.target, snapshot, playbook().plan(fixture.target, snapshot)),
    ).rejects.toMatchObject({ code: 'TARGET_CHANGED' });

    await expect(playbook().rollback(fixture.target, snapshot)).rejects.toMatchObject({
      code: 'TARGET_CHANGED',
    });
    expect(fixture.alias().functionVersion).toBe('8');
  });

  test('nothing planned, nothing to undo', async () => {
    const fixture = mockLambdaAlias({ versions: [1], current: '1' });
    const snapshot = await playbook().snapshot(fixture.target);
    fixture.lambdaMock.resetHistory();
    await expect(playbook().rollback(fixture.target, snapshot)).resolves.toMatchObject({ calls: [] });
    expect(fixture.lambdaMock.calls()).toHaveLength(0);
  });
});
