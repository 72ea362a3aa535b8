import { LEDGER_TABLE_KEYS } from '../../../../constructs/contracts/remediation';
import type { RemediationRequest } from '../../../../lambda/remediation/remediation-types';
import { createTable } from '../../support/local-dynamodb';

let tables = 0;

/**
 * Creates a remediation ledger table, keyed as the stack keys it (`pk`, `sk`), on a local DynamoDB
 * and returns its name; each call makes a new table, so suites sharing a server do not share counters.
 *
 * With the real envelope handler (what a state machine test does):
 *
 * ```ts
 * const dynamo = await startLocalDynamoDb();
 * const ledgerTableName = await createLedgerTable(dynamo.endpoint);
 * const envelope = createEnvelopeHandler({
 *   config: { ...envelopeConfig, ledgerTableName },
 *   // SNS, CloudWatch and Secrets Manager replaced with aws-sdk-client-mock
 *   clients: { dynamoDb: dynamo.clients.dynamoDb, sns: new SNSClient({}), cloudWatch: new CloudWatchClient({}),
 *     secretsManager: new SecretsManagerClient({}) },
 * });
 * ```
 */
export function createLedgerTable(endpoint: string): Promise<string> {
  return createTable(endpoint, `remediation-ledger-${++tables}`, LEDGER_TABLE_KEYS);
}

let runs = 0;

/**
 * A remediation request as the dispatcher writes it: a rollback of `vigil-dev-predictor-api:live`,
 * enforced without approval, with a new run id on every call unless one is given.
 */
export function testRequest(overrides: Partial<RemediationRequest> = {}): RemediationRequest {
  const runId = overrides.runId ?? `run${String(++runs).padStart(29, '0')}`;
  const alarmName = 'vigil-dev-predictor-api-errors';
  return {
    runId,
    playbook: 'lambda-alias-rollback',
    mode: 'enforce',
    approval: false,
    alarm: { name: alarmName, arn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}` },
    episodeId: `${alarmName}/2026-11-23T03:12:00.000Z`,
    severity: 'high',
    account: '123456789012',
    region: 'eu-west-1',
    target: { kind: 'lambda-alias', functionName: 'vigil-dev-predictor-api', aliasName: 'live' },
    requestedAt: '2026-11-23T03:12:01.000Z',
    ...overrides,
  };
}
