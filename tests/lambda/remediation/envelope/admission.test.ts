import '../../support/test-environment';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DO_NOT_REMEDIATE_TAG, OPT_IN_TAG } from '../../../../constructs/contracts/remediation';
import {
  AdmissionGate,
  type AdmissionSettings,
  lockKeyOf,
} from '../../../../lambda/remediation/envelope/admission';
import { RemediationLedger } from '../../../../lambda/remediation/envelope/remediation-ledger';
import { TargetLock } from '../../../../lambda/remediation/envelope/target-lock';
import type { RemediationRequest, TargetState } from '../../../../lambda/remediation/remediation-types';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../support/local-dynamodb';
import { createLedgerTable, testRequest } from '../support/ledger-table';

const NOW = new Date('2026-11-23T03:12:30.000Z');
const ALIAS_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:vigil-dev-predictor-api:live';
const optedIn: TargetState = { exists: true, arn: ALIAS_ARN, tags: { [OPT_IN_TAG]: 'true' } };

let dynamo: LocalDynamoDb;
let accounts = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});
afterAll(() => dynamo.close());

/**
 * A gate on a fresh table, so each test starts with empty counters; `gateClient` is the client the gate
 * alone counts with (the ledger and the lock keep the local one).
 */
async function newGate(
  settings: AdmissionSettings = {},
  now = () => NOW,
  gateClient: DynamoDBDocumentClient = dynamo.clients.dynamoDb,
) {
  const tableName = await createLedgerTable(dynamo.endpoint);
  const ledger = new RemediationLedger(dynamo.clients.dynamoDb, tableName, 90, now);
  const lock = new TargetLock(dynamo.clients.dynamoDb, tableName, 3600, now);
  const gate = new AdmissionGate(gateClient, ledger, lock, settings, now);
  const item = async (pk: string, sk: string) =>
    (await dynamo.clients.dynamoDb.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
  /** The run ids a counter holds. */
  const counted = async (pk: string) => Object.keys((await item(pk, 'counter'))?.admitted ?? {}).sort();
  return { gate, ledger, lock, item, counted };
}

/** The local DynamoDB client, except that writes to counters whose key starts with `prefix` are throttled. */
function throttlingWritesTo(prefix: string): DynamoDBDocumentClient {
  const client = dynamo.clients.dynamoDb;
  const send = (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
    const pk = (command.input as { Key?: Record<string, unknown> }).Key?.pk;
    if (command instanceof UpdateCommand && String(pk).startsWith(prefix)) {
      return Promise.reject(
        new ProvisionedThroughputExceededException({
          message: 'Rate of requests exceeds the limit',
          $metadata: {},
        }),
      );
    }
    return client.send(command);
  };
  return Object.assign(Object.create(client), { send });
}

/** The request on a Lambda function of its own, with that function's state, so its breaker is its own. */
function onOwnTarget(request: RemediationRequest, index: number): [RemediationRequest, TargetState] {
  const functionName = `fn-${index}`;
  return [
    testRequest({ ...request, target: { kind: 'lambda-function', functionName } }),
    { ...optedIn, arn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}` },
  ];
}

/** Requests in an account of their own, so counters of other tests never interfere. */
function requestsInNewAccount(count: number, overrides: Partial<RemediationRequest> = {}) {
  const account = String(100_000_000_000 + ++accounts);
  return Array.from({ length: count }, () => testRequest({ account, ...overrides }));
}

describe('refusals, in the order they are checked', () => {
  test('a target that does not exist', async () => {
    const { gate } = await newGate();
    expect(await gate.admit(testRequest(), { exists: false, tags: {} })).toEqual({
      admitted: false,
      refusal: 'target-missing',
      detail: 'Lambda alias vigil-dev-predictor-api:live does not exist',
    });
  });

  test('a target without the opt-in tag, or with it set to anything but true', async () => {
    const { gate } = await newGate();
    expect(await gate.admit(testRequest(), { exists: true, arn: ALIAS_ARN, tags: {} })).toEqual({
      admitted: false,
      refusal: 'not-opted-in',
      detail: expect.stringContaining('has no vigil:remediate tag'),
    });
    const tags = { [OPT_IN_TAG]: 'yes' };
    expect(await gate.admit(testRequest(), { exists: true, arn: ALIAS_ARN, tags })).toEqual({
      admitted: false,
      refusal: 'not-opted-in',
      detail: expect.stringContaining('tagged vigil:remediate="yes", not "true"'),
    });
  });

  test('the do-not-remediate tag wins over the opt-in, whatever its value', async () => {
    const { gate } = await newGate();
    const tags = { [OPT_IN_TAG]: 'true', [DO_NOT_REMEDIATE_TAG]: '' };
    expect(await gate.admit(testRequest(), { exists: true, arn: ALIAS_ARN, tags })).toEqual({
      admitted: false,
      refusal: 'do-not-remediate',
      detail: 'Lambda alias vigil-dev-predictor-api:live is tagged vigil:do-not-remediate',
    });
  });

  test('a missing target is refused before its tags are looked at', async () => {
    const { gate } = await newGate();
    const tags = { [DO_NOT_REMEDIATE_TAG]: 'true' };
    expect(await gate.admit(testRequest(), { exists: false, tags })).toMatchObject({
      refusal: 'target-missing',
    });
  });

  test('refused runs take no place in the blast radius', async () => {
    const { gate } = await newGate({ blastRadiusPerHour: 1 });
    const [refused, admitted] = requestsInNewAccount(2);
    await gate.admit(refused as RemediationRequest, { exists: true, arn: ALIAS_ARN, tags: {} });
    expect(await gate.admit(admitted as RemediationRequest, optedIn)).toEqual({ admitted: true });
  });
});

describe('blast radius: runs per account in any 60 minutes', () => {
  test('of 10 concurrent runs in one account, exactly the limit are admitted', async () => {
    const { gate, item, counted } = await newGate({ blastRadiusPerHour: 5 });
    // Different targets, so only the blast radius limits them.
    const runs = requestsInNewAccount(10).map(onOwnTarget);
    const results = await Promise.all(runs.map(([request, state]) => gate.admit(request, state)));

    expect(results.filter((result) => result.admitted)).toHaveLength(5);
    const refused = results.filter((result) => !result.admitted);
    expect(refused).toHaveLength(5);
    const account = runs[0]?.[0].account;
    for (const refusal of refused) {
      expect(refusal).toEqual({
        admitted: false,
        refusal: 'blast-radius',
        detail:
          `5 runs already admitted in account ${account} in the last 60 min; at most 5 in any 60 min. ` +
          'The next run may be admitted at 2026-11-23T04:12:30.000Z.',
      });
    }
    expect(await counted(`blast#${account}`)).toHaveLength(5);
    expect(await item(`blast#${account}`, 'counter')).toMatchObject({
      expiresAt: Math.floor(NOW.getTime() / 1000) + 90 * 86_400,
    });
  });

  test('the window rolls: a new clock hour brings no new places, the oldest run leaving the window does', async () => {
    let now = NOW;
    const { gate, counted } = await newGate({ blastRadiusPerHour: 5 }, () => now);
    const runs = requestsInNewAccount(9).map(onOwnTarget);
    const admitAt = (time: string, index: number) => {
      now = new Date(time);
      const [request, state] = runs[index] as [RemediationRequest, TargetState];
      return gate.admit(request, state);
    };
    for (const [index, second] of ['30', '40', '45', '50', '55'].entries()) {
      expect(await admitAt(`2026-11-23T10:59:${second}.000Z`, index)).toEqual({ admitted: true });
    }

    // Fixed clock hours would have admitted it: the 11:00 hour was still empty.
    expect(await admitAt('2026-11-23T11:00:30.000Z', 5)).toEqual({
      admitted: false,
      refusal: 'blast-radius',
      detail:
        `5 runs already admitted in account ${runs[0]?.[0].account} in the last 60 min; at most 5 in any ` +
        '60 min. The next run may be admitted at 2026-11-23T11:59:30.000Z.',
    });
    expect(await admitAt('2026-11-23T11:59:29.000Z', 6)).toMatchObject({ refusal: 'blast-radius' });
    expect(await admitAt('2026-11-23T11:59:31.000Z', 7)).toEqual({ admitted: true });
    // The second run of 10:59 is still within the last 60 minutes.
    expect(await admitAt('2026-11-23T11:59:31.000Z', 8)).toMatchObject({
      refusal: 'blast-radius',
      detail: expect.stringContaining('The next run may be admitted at 2026-11-23T11:59:40.000Z.'),
    });
    // The run that left the window is no longer kept; those still in it are.
    const ids = runs.map(([request]) => request.runId);
    expect(await counted(`blast#${runs[0]?.[0].account}`)).toEqual(
      [ids[1], ids[2], ids[3], ids[4], ids[7]].sort(),
    );
  });

  test('of 3 concurrent runs for the last place, exactly one is admitted', async () => {
    const { gate, counted } = await newGate({ blastRadiusPerHour: 5 });
    const runs = requestsInNewAccount(7).map(onOwnTarget);
    for (const [request, state] of runs.slice(0, 4)) {
      expect(await gate.admit(request, state)).toEqual({ admitted: true });
    }
    const results = await Promise.all(runs.slice(4).map(([request, state]) => gate.admit(request, state)));
    expect(results.filter((result) => result.admitted)).toHaveLength(1);
    expect(results.filter((result) => !result.admitted && result.refusal === 'blast-radius')).toHaveLength(2);
    expect(await counted(`blast#${runs[0]?.[0].account}`)).toHaveLength(5);
  });

  test('concurrent runs that remove the same stale runs are all admitted', async () => {
    let now = NOW;
    const { gate, counted } = await newGate({ blastRadiusPerHour: 3 }, () => now);
    const runs = requestsInNewAccount(5).map(onOwnTarget);
    for (const [request, state] of runs.slice(0, 2)) {
      expect(await gate.admit(request, state)).toEqual({ admitted: true });
    }
    now = new Date(NOW.getTime() + 3600_000);
    const results = await Promise.all(runs.slice(2).map(([request, state]) => gate.admit(request, state)));
    expect(results).toEqual(Array(3).fill({ admitted: true }));
    expect(await counted(`blast#${runs[0]?.[0].account}`)).toEqual(
      runs
        .slice(2)
        .map(([request]) => request.runId)
        .sort(),
    );
  });

  test('dry runs are counted apart from enforced runs', async () => {
    const { gate, counted } = await newGate({ blastRadiusPerHour: 1 });
    const [enforced, secondEnforced] = requestsInNewAccount(2).map(onOwnTarget) as [
      [RemediationRequest, TargetState],
      [RemediationRequest, TargetState],
    ];
    const [rehearsal] = requestsInNewAccount(1, { account: enforced[0].account, mode: 'dry-run' }).map(
      onOwnTarget,
    ) as [[RemediationRequest, TargetState]];

    expect(await gate.admit(...enforced)).toEqual({ admitted: true });
    expect(await gate.admit(...rehearsal)).toEqual({ admitted: true });
    expect(await gate.admit(...secondEnforced)).toMatchObject({ refusal: 'blast-radius' });
    expect(await counted(`blast#${enforced[0].account}`)).toEqual([enforced[0].runId]);
    expect(await counted(`dry-run#blast#${enforced[0].account}`)).toEqual([rehearsal[0].runId]);
  });
});

describe('circuit breaker: runs per target in any breaker window', () => {
  test('of 10 concurrent dry runs on one target, exactly the limit are admitted, on dry-run counters', async () => {
    const { gate, counted } = await newGate({ blastRadiusPerHour: 100, breakerMaxRuns: 2 });
    const requests = requestsInNewAccount(10, { mode: 'dry-run' });
    const results = await Promise.all(requests.map((request) => gate.admit(request, optedIn)));

    expect(results.filter((result) => result.admitted)).toHaveLength(2);
    const refused = results.filter((result) => !result.admitted);
    expect(refused).toHaveLength(8);
    for (const refusal of refused) expect(refusal).toMatchObject({ refusal: 'breaker-open' });
    const admitted = requests.filter((_, index) => results[index]?.admitted).map((request) => request.runId);
    expect(await counted(`dry-run#breaker#${ALIAS_ARN}`)).toEqual(admitted.sort());
    // Runs the breaker refused gave their place in the account's blast radius back.
    expect(await counted(`dry-run#blast#${requests[0]?.account}`)).toEqual(admitted);
    // Rehearsals leave the enforced limits untouched.
    expect(await counted(`breaker#${ALIAS_ARN}`)).toEqual([]);
    expect(await counted(`blast#${requests[0]?.account}`)).toEqual([]);
  });

  test('an open breaker says when it closes: when its oldest run leaves the window', async () => {
    let now = NOW;
    const { gate, lock } = await newGate({ breakerMaxRuns: 1, breakerWindowMinutes: 30 }, () => now);
    const [first, second] = requestsInNewAccount(2) as [RemediationRequest, RemediationRequest];
    await gate.admit(first, optedIn);
    await lock.release(lockKeyOf(first), first.runId);
    now = new Date('2026-11-23T03:22:30.000Z');
    expect(await gate.admit(second, optedIn)).toEqual({
      admitted: false,
      refusal: 'breaker-open',
      detail:
        '1 runs already admitted on Lambda alias vigil-dev-predictor-api:live in the last 30 min; ' +
        'at most 1 in any 30 min. The breaker closes at 2026-11-23T03:42:30.000Z; an alarm that keeps firing ' +
        'after repeated fixes needs a human.',
    });
  });

  test('the window rolls: a window boundary does not close the breaker, the oldest run leaving does', async () => {
    let now = NOW;
    const { gate, lock } = await newGate({ breakerMaxRuns: 2, breakerWindowMinutes: 30 }, () => now);
    const requests = requestsInNewAccount(4) as RemediationRequest[];
    const admitAt = async (time: string, request: RemediationRequest) => {
      now = new Date(time);
      const admission = await gate.admit(request, optedIn);
      await lock.release(lockKeyOf(request), request.runId);
      return admission;
    };
    expect(await admitAt('2026-11-23T03:29:30.000Z', requests[0] as RemediationRequest)).toEqual({
      admitted: true,
    });
    expect(await admitAt('2026-11-23T03:29:50.000Z', requests[1] as RemediationRequest)).toEqual({
      admitted: true,
    });
    // Windows aligned to the epoch would have started afresh at 03:30.
    expect(await admitAt('2026-11-23T03:30:10.000Z', requests[2] as RemediationRequest)).toMatchObject({
      refusal: 'breaker-open',
      detail: expect.stringContaining('The breaker closes at 2026-11-23T03:59:30.000Z;'),
    });
    expect(await admitAt('2026-11-23T03:59:31.000Z', requests[3] as RemediationRequest)).toEqual({
      admitted: true,
    });
  });

  test('of 3 concurrent runs for the last place, exactly one is admitted', async () => {
    const { gate, counted } = await newGate({ blastRadiusPerHour: 100, breakerMaxRuns: 2 });
    // Dry runs, so the target's lock does not serialize them.
    const [first, ...rest] = requestsInNewAccount(4, { mode: 'dry-run' }) as RemediationRequest[];
    expect(await gate.admit(first as RemediationRequest, optedIn)).toEqual({ admitted: true });
    const results = await Promise.all(rest.map((request) => gate.admit(request, optedIn)));
    expect(results.filter((result) => result.admitted)).toHaveLength(1);
    expect(results.filter((result) => !result.admitted && result.refusal === 'breaker-open')).toHaveLength(2);
    expect(await counted(`dry-run#breaker#${ALIAS_ARN}`)).toHaveLength(2);
    expect(await counted(`dry-run#blast#${first?.account}`)).toHaveLength(2);
  });

  test('a target without an ARN is keyed by its description', async () => {
    const { gate, counted } = await newGate();
    const [request] = requestsInNewAccount(1) as [RemediationRequest];
    await gate.admit(request, { exists: true, tags: optedIn.tags });
    const key = `breaker#${request.account}:eu-west-1:Lambda alias vigil-dev-predictor-api:live`;
    expect(await counted(key)).toEqual([request.runId]);
  });
});

describe('a run whose counting fails gives back what it took', () => {
  test("the breaker's write failing: the blast radius place and the target's lock", async () => {
    const gateClient = throttlingWritesTo('breaker#');
    const { gate, item, counted } = await newGate({ blastRadiusPerHour: 1 }, () => NOW, gateClient);
    const [request] = requestsInNewAccount(1) as [RemediationRequest];

    await expect(gate.admit(request, optedIn)).rejects.toThrow(ProvisionedThroughputExceededException);
    expect(await counted(`blast#${request.account}`)).toEqual([]);
    expect(await item(`lock#${lockKeyOf(request)}`, 'lock')).toBeUndefined();
    expect(await item(`run#${request.runId}`, 'run')).toBeUndefined();
  });

  test("a dry run's breaker write failing: its dry-run blast radius place", async () => {
    const { gate, counted } = await newGate({}, () => NOW, throttlingWritesTo('dry-run#breaker#'));
    const [request] = requestsInNewAccount(1, { mode: 'dry-run' }) as [RemediationRequest];

    await expect(gate.admit(request, optedIn)).rejects.toThrow(ProvisionedThroughputExceededException);
    expect(await counted(`dry-run#blast#${request.account}`)).toEqual([]);
  });

  test("the blast radius's write failing: the target's lock", async () => {
    const { gate, item } = await newGate({}, () => NOW, throttlingWritesTo('blast#'));
    const [request] = requestsInNewAccount(1) as [RemediationRequest];

    await expect(gate.admit(request, optedIn)).rejects.toThrow(ProvisionedThroughputExceededException);
    expect(await item(`lock#${lockKeyOf(request)}`, 'lock')).toBeUndefined();
  });
});

describe('one run per target at a time', () => {
  test('of 10 concurrent enforced runs on one target, one is admitted and the others are told who holds it', async () => {
    const { gate } = await newGate({ blastRadiusPerHour: 100, breakerMaxRuns: 100 });
    const requests = requestsInNewAccount(10);
    const results = await Promise.all(requests.map((request) => gate.admit(request, optedIn)));
    const admitted = results.flatMap((result, index) => (result.admitted ? [requests[index]?.runId] : []));
    expect(admitted).toHaveLength(1);
    for (const result of results.filter((one) => !one.admitted)) {
      expect(result).toMatchObject({
        refusal: 'busy',
        detail: expect.stringContaining(
          `run ${admitted[0]} is already working on Lambda alias vigil-dev-predictor-api:live`,
        ),
      });
    }
  });

  test('a finished run releases the target; a run that never finished holds it only until its lease ends', async () => {
    let now = NOW;
    const { gate, lock } = await newGate({ breakerMaxRuns: 100 }, () => now);
    const [first, second, third] = requestsInNewAccount(3) as [
      RemediationRequest,
      RemediationRequest,
      RemediationRequest,
    ];
    expect(await gate.admit(first, optedIn)).toEqual({ admitted: true });
    await lock.release(lockKeyOf(first), first.runId);
    expect(await gate.admit(second, optedIn)).toEqual({ admitted: true });
    // Another run's release never frees a lock it does not hold.
    await lock.release(lockKeyOf(first), first.runId);
    expect(await gate.admit(third, optedIn)).toMatchObject({ admitted: false, refusal: 'busy' });
    now = new Date(NOW.getTime() + 3601_000);
    const late = requestsInNewAccount(1, { account: first.account })[0] as RemediationRequest;
    expect(await gate.admit(late, optedIn)).toEqual({ admitted: true });
  });

  test('a run refused by a full breaker gives the target back', async () => {
    const { gate, lock } = await newGate({ breakerMaxRuns: 1 });
    const [first, second, third] = requestsInNewAccount(3) as [
      RemediationRequest,
      RemediationRequest,
      RemediationRequest,
    ];
    await gate.admit(first, optedIn);
    await lock.release(lockKeyOf(first), first.runId);
    expect(await gate.admit(second, optedIn)).toMatchObject({ refusal: 'breaker-open' });
    // Not 'busy': the refused run did not keep the lock.
    expect(await gate.admit(third, optedIn)).toMatchObject({ refusal: 'breaker-open' });
  });

  test('dry runs take no lock', async () => {
    const { gate } = await newGate({ breakerMaxRuns: 100 });
    const [enforced] = requestsInNewAccount(1) as [RemediationRequest];
    const rehearsal = requestsInNewAccount(1, {
      account: enforced.account,
      mode: 'dry-run',
    })[0] as RemediationRequest;
    expect(await gate.admit(enforced, optedIn)).toEqual({ admitted: true });
    expect(await gate.admit(rehearsal, optedIn)).toEqual({ admitted: true });
  });
});

describe('a redelivered admit', () => {
  test('returns the stored decision and is counted once', async () => {
    const { gate, lock, item, counted } = await newGate({ blastRadiusPerHour: 2, breakerMaxRuns: 5 });
    const [request, other] = requestsInNewAccount(2) as [RemediationRequest, RemediationRequest];

    expect(await gate.admit(request, optedIn)).toEqual({ admitted: true });
    expect(await gate.admit(request, optedIn)).toEqual({ admitted: true });
    expect(await counted(`blast#${request.account}`)).toEqual([request.runId]);
    await lock.release(lockKeyOf(request), request.runId);
    // The second place is still free.
    expect(await gate.admit(other, optedIn)).toEqual({ admitted: true });
    expect(await item(`run#${request.runId}`, 'run')).toMatchObject({
      runId: request.runId,
      admission: { admitted: true },
      decidedAt: NOW.toISOString(),
    });
  });

  test('concurrent deliveries of one admit agree and are counted once', async () => {
    const { gate, counted } = await newGate({ blastRadiusPerHour: 5 });
    const [request] = requestsInNewAccount(1) as [RemediationRequest];
    const results = await Promise.all(Array.from({ length: 5 }, () => gate.admit(request, optedIn)));
    expect(results).toEqual(Array(5).fill({ admitted: true }));
    expect(await counted(`blast#${request.account}`)).toEqual([request.runId]);
    expect(await counted(`breaker#${ALIAS_ARN}`)).toEqual([request.runId]);
  });

  test('an admit that failed after counting is counted once when retried', async () => {
    const { gate, ledger, counted } = await newGate({ blastRadiusPerHour: 1 });
    const [request] = requestsInNewAccount(1) as [RemediationRequest];
    jest.spyOn(ledger, 'recordDecision').mockRejectedValueOnce(new Error('connection reset'));

    await expect(gate.admit(request, optedIn)).rejects.toThrow('connection reset');
    // The counter is full with this very run: the retry finds itself counted, not refused.
    expect(await gate.admit(request, optedIn)).toEqual({ admitted: true });
    expect(await counted(`blast#${request.account}`)).toEqual([request.runId]);
    expect(await counted(`breaker#${ALIAS_ARN}`)).toEqual([request.runId]);
  });

  test('a refusal stays a refusal even once the target changed', async () => {
    const { gate } = await newGate();
    const request = testRequest();
    await gate.admit(request, { exists: false, tags: {} });
    expect(await gate.admit(request, optedIn)).toMatchObject({ admitted: false, refusal: 'target-missing' });
  });
});
