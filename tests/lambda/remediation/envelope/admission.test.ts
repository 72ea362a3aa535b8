import '../../support/test-environment';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  AdmissionGate,
  type AdmissionSettings,
  lockKeyOf,
} from '../../../../lambda/remediation/envelope/admission';
import { RemediationLedger } from '../../../../lambda/remediation/envelope/remediation-ledger';
import { TargetLock } from '../../../../lambda/remediation/envelope/target-lock';
import {
  DO_NOT_REMEDIATE_TAG,
  OPT_IN_TAG,
  type RemediationRequest,
  type TargetState,
} from '../../../../lambda/remediation/remediation-types';
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

/** A gate on a fresh table, so each test starts with empty counters. */
async function newGate(settings: AdmissionSettings = {}, now = () => NOW) {
  const tableName = await createLedgerTable(dynamo.endpoint);
  const ledger = new RemediationLedger(dynamo.clients.dynamoDb, tableName, 90, now);
  const lock = new TargetLock(dynamo.clients.dynamoDb, tableName, 3600, now);
  const gate = new AdmissionGate(dynamo.clients.dynamoDb, ledger, lock, settings, now);
  const item = async (pk: string, sk: string) =>
    (await dynamo.clients.dynamoDb.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
  return { gate, ledger, lock, item };
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

describe('blast radius: runs per account per clock hour', () => {
  test('of 10 concurrent runs in one account, exactly the limit are admitted', async () => {
    const { gate, item } = await newGate({ blastRadiusPerHour: 5, breakerMaxRuns: 100 });
    // Different targets, so only the blast radius limits them.
    const requests = requestsInNewAccount(10).map((request, index) =>
      testRequest({ ...request, target: { kind: 'lambda-function', functionName: `fn-${index}` } }),
    );
    const results = await Promise.all(
      requests.map((request, index) => gate.admit(request, { ...optedIn, arn: `${ALIAS_ARN}-${index}` })),
    );

    expect(results.filter((result) => result.admitted)).toHaveLength(5);
    const refused = results.filter((result) => !result.admitted);
    expect(refused).toHaveLength(5);
    for (const refusal of refused) {
      expect(refusal).toEqual({
        admitted: false,
        refusal: 'blast-radius',
        detail: `5 runs already admitted in account ${requests[0]?.account} in the hour from 2026-11-23T03:00 UTC; at most 5 per hour`,
      });
    }
    const counter = await item(`blast#${requests[0]?.account}#2026-11-23T03`, 'counter');
    expect(counter).toMatchObject({ runs: 5, expiresAt: Math.floor(NOW.getTime() / 1000) + 90 * 86_400 });
  });

  test('the next clock hour starts a new count', async () => {
    let now = NOW;
    const { gate, lock } = await newGate({ blastRadiusPerHour: 1 }, () => now);
    const [first, second] = requestsInNewAccount(2) as [RemediationRequest, RemediationRequest];
    expect(await gate.admit(first, optedIn)).toEqual({ admitted: true });
    await lock.release(lockKeyOf(first), first.runId);
    now = new Date('2026-11-23T04:00:00.000Z');
    expect(await gate.admit(second as RemediationRequest, { ...optedIn, arn: `${ALIAS_ARN}-2` })).toEqual({
      admitted: true,
    });
  });
});

describe('circuit breaker: runs per target per window', () => {
  test('of 10 concurrent dry runs on one target, exactly the limit are admitted, on dry-run counters', async () => {
    const { gate, item } = await newGate({ blastRadiusPerHour: 100, breakerMaxRuns: 2 });
    const requests = requestsInNewAccount(10, { mode: 'dry-run' });
    const results = await Promise.all(requests.map((request) => gate.admit(request, optedIn)));

    expect(results.filter((result) => result.admitted)).toHaveLength(2);
    const refused = results.filter((result) => !result.admitted);
    expect(refused).toHaveLength(8);
    for (const refusal of refused) expect(refusal).toMatchObject({ refusal: 'breaker-open' });
    expect(await item(`dry-run#breaker#${ALIAS_ARN}#2026-11-23T03:00:00.000Z`, 'counter')).toMatchObject({
      runs: 2,
    });
    // Runs the breaker refused gave their place in the account's hour back.
    expect(await item(`dry-run#blast#${requests[0]?.account}#2026-11-23T03`, 'counter')).toMatchObject({
      runs: 2,
    });
    // Rehearsals leave the enforced limits untouched.
    expect(await item(`breaker#${ALIAS_ARN}#2026-11-23T03:00:00.000Z`, 'counter')).toBeUndefined();
    expect(await item(`blast#${requests[0]?.account}#2026-11-23T03`, 'counter')).toBeUndefined();
  });

  test('an open breaker says when it closes', async () => {
    const { gate, lock } = await newGate({ breakerMaxRuns: 1, breakerWindowMinutes: 30 });
    const [first, second] = requestsInNewAccount(2) as [RemediationRequest, RemediationRequest];
    await gate.admit(first, optedIn);
    await lock.release(lockKeyOf(first), first.runId);
    expect(await gate.admit(second, optedIn)).toEqual({
      admitted: false,
      refusal: 'breaker-open',
      detail:
        '1 runs already admitted on Lambda alias vigil-dev-predictor-api:live since 2026-11-23T03:00:00.000Z; ' +
        'at most 1 per 30 min. The breaker closes at 2026-11-23T03:30:00.000Z; an alarm that keeps firing ' +
        'after repeated fixes needs a human.',
    });
  });

  test('the breaker closes when its window ends', async () => {
    let now = NOW;
    const { gate, lock } = await newGate({ breakerMaxRuns: 1, breakerWindowMinutes: 30 }, () => now);
    const [first, second] = requestsInNewAccount(2) as [RemediationRequest, RemediationRequest];
    await gate.admit(first, optedIn);
    await lock.release(lockKeyOf(first), first.runId);
    now = new Date('2026-11-23T03:30:00.000Z');
    expect(await gate.admit(second as RemediationRequest, optedIn)).toEqual({ admitted: true });
  });

  test('a target without an ARN is keyed by its description', async () => {
    const { gate, item } = await newGate();
    const [request] = requestsInNewAccount(1);
    await gate.admit(request as RemediationRequest, { exists: true, tags: optedIn.tags });
    const key = `breaker#${request?.account}:eu-west-1:Lambda alias vigil-dev-predictor-api:live#2026-11-23T03:00:00.000Z`;
    expect(await item(key, 'counter')).toMatchObject({ runs: 1 });
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
    const { gate, lock, item } = await newGate({ blastRadiusPerHour: 2, breakerMaxRuns: 5 });
    const [request, other] = requestsInNewAccount(2) as [RemediationRequest, RemediationRequest];

    expect(await gate.admit(request, optedIn)).toEqual({ admitted: true });
    expect(await gate.admit(request, optedIn)).toEqual({ admitted: true });
    expect(await item(`blast#${request.account}#2026-11-23T03`, 'counter')).toMatchObject({ runs: 1 });
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
    const { gate, item } = await newGate({ blastRadiusPerHour: 5 });
    const [request] = requestsInNewAccount(1) as [RemediationRequest];
    const results = await Promise.all(Array.from({ length: 5 }, () => gate.admit(request, optedIn)));
    expect(results).toEqual(Array(5).fill({ admitted: true }));
    expect(await item(`blast#${request.account}#2026-11-23T03`, 'counter')).toMatchObject({ runs: 1 });
    expect(await item(`breaker#${ALIAS_ARN}#2026-11-23T03:00:00.000Z`, 'counter')).toMatchObject({ runs: 1 });
  });

  test('an admit that failed after counting is counted once when retried', async () => {
    const { gate, ledger, item } = await newGate({ blastRadiusPerHour: 1 });
    const [request] = requestsInNewAccount(1) as [RemediationRequest];
    jest.spyOn(ledger, 'recordDecision').mockRejectedValueOnce(new Error('connection reset'));

    await expect(gate.admit(request, optedIn)).rejects.toThrow('connection reset');
    // The counter is full with this very run: the retry finds itself counted, not refused.
    expect(await gate.admit(request, optedIn)).toEqual({ admitted: true });
    expect(await item(`blast#${request.account}#2026-11-23T03`, 'counter')).toMatchObject({ runs: 1 });
    expect(await item(`breaker#${ALIAS_ARN}#2026-11-23T03:00:00.000Z`, 'counter')).toMatchObject({ runs: 1 });
  });

  test('a refusal stays a refusal even once the target changed', async () => {
    const { gate } = await newGate();
    const request = testRequest();
    await gate.admit(request, { exists: false, tags: {} });
    expect(await gate.admit(request, optedIn)).toMatchObject({ admitted: false, refusal: 'target-missing' });
  });
});
