import '../../support/test-environment';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LEDGER_TABLE_KEYS } from '../../../../constructs/contracts/remediation';
import {
  RemediationLedger,
  type RemediationRun,
} from '../../../../lambda/remediation/envelope/remediation-ledger';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../support/local-dynamodb';
import { createLedgerTable, testRequest } from '../support/ledger-table';

const NOW = new Date('2026-11-23T03:20:00.000Z');
const NINETY_DAYS_LATER = Math.floor(NOW.getTime() / 1000) + 90 * 86_400;

let dynamo: LocalDynamoDb;
let tableName: string;
let ledger: RemediationLedger;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  tableName = await createLedgerTable(dynamo.endpoint);
  ledger = new RemediationLedger(dynamo.clients.dynamoDb, tableName, 90, () => NOW);
});
afterAll(() => dynamo.close());

async function runRecord(runId: string) {
  const { Item } = await dynamo.clients.dynamoDb.send(
    new GetCommand({ TableName: tableName, Key: { pk: `run#${runId}`, sk: 'run' } }),
  );
  return Item;
}

const call = {
  service: 'lambda',
  action: 'UpdateAlias',
  parameters: { FunctionName: 'vigil-dev-predictor-api', Name: 'live', FunctionVersion: '6' },
  reason: 'point live back from version 7 to version 6',
};

test('the table keys the stack must use', () => {
  expect(LEDGER_TABLE_KEYS).toEqual({ partitionKey: 'pk', sortKey: 'sk', ttl: 'expiresAt' });
});

test('a decision creates the run record with the request, flattened', async () => {
  const request = testRequest();
  expect(await ledger.recordDecision(request, { admitted: true })).toEqual({ admitted: true });
  expect(await runRecord(request.runId)).toEqual({
    pk: `run#${request.runId}`,
    sk: 'run',
    runId: request.runId,
    playbook: 'lambda-alias-rollback',
    mode: 'enforce',
    approval: false,
    alarm: request.alarm,
    episodeId: request.episodeId,
    severity: 'high',
    account: '123456789012',
    region: 'eu-west-1',
    target: request.target,
    requestedAt: request.requestedAt,
    admission: { admitted: true },
    decidedAt: NOW.toISOString(),
    expiresAt: NINETY_DAYS_LATER,
  });
});

test('only the first decision of a run counts', async () => {
  const request = testRequest();
  const refused = { admitted: false, refusal: 'blast-radius', detail: 'full' } as const;
  await ledger.recordDecision(request, { admitted: true });
  expect(await ledger.recordDecision(request, refused)).toEqual({ admitted: true });
  expect(await ledger.storedDecision(request.runId)).toEqual({ admitted: true });
  expect(await ledger.storedDecision('never-admitted')).toBeUndefined();
});

test('the outcome is written with every step the run reached', async () => {
  const request = testRequest();
  await ledger.recordDecision(request, { admitted: true });
  const run: RemediationRun = {
    request,
    targetState: { exists: true, arn: 'arn:aws:lambda:eu-west-1:123456789012:function:api:live', tags: {} },
    admission: { admitted: true },
    snapshot: { functionVersion: '7', nested: { list: [1, 2] } },
    plan: { calls: [call] },
    action: {
      calls: [{ ...call, response: { FunctionVersion: '6' } }],
      completedAt: '2026-11-23T03:13:00.000Z',
    },
    verification: { checks: 3, consecutiveOk: 3, lastState: 'OK', stable: true, expired: false },
  };
  expect(await ledger.recordOutcome('remediated', run)).toEqual({ notifiedOutcome: undefined });
  expect(await runRecord(request.runId)).toMatchObject({
    runId: request.runId,
    admission: { admitted: true },
    decidedAt: NOW.toISOString(),
    targetState: run.targetState,
    snapshot: run.snapshot,
    plan: run.plan,
    action: run.action,
    verification: run.verification,
    outcome: 'remediated',
    finishedAt: NOW.toISOString(),
    expiresAt: NINETY_DAYS_LATER,
  });
});

test('a run that failed before admission still gets a record', async () => {
  const request = testRequest();
  await ledger.recordOutcome('failed', { request, error: { Error: 'Lambda.Unknown', Cause: 'boom' } });
  const record = await runRecord(request.runId);
  expect(record).toMatchObject({
    runId: request.runId,
    outcome: 'failed',
    error: { Error: 'Lambda.Unknown', Cause: 'boom' },
  });
  expect(record).not.toHaveProperty('admission');
});

test('a notified outcome is remembered, so a retried finish can tell', async () => {
  const request = testRequest();
  await ledger.recordOutcome('rolled-back', { request });
  await ledger.markNotified(request.runId, 'rolled-back');
  expect(await ledger.recordOutcome('rolled-back', { request })).toEqual({ notifiedOutcome: 'rolled-back' });
  expect(await runRecord(request.runId)).toMatchObject({
    notifiedOutcome: 'rolled-back',
    notifiedAt: NOW.toISOString(),
  });
});
