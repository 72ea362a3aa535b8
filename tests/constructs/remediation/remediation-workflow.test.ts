import '../../lambda/support/test-environment';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createEnvelopeHandler } from '../../../lambda/remediation/envelope/envelope-handler';
import { LEDGER_TABLE_KEYS } from '../../../lambda/remediation/envelope/remediation-ledger';
import { createPlaybookHandler } from '../../../lambda/remediation/playbook-handler';
import { playbookFor } from '../../../lambda/remediation/playbooks/playbooks';
import {
  OUTCOMES,
  type PlaybookId,
  type RemediationRequest,
} from '../../../lambda/remediation/remediation-types';
import { createLedgerTable } from '../../lambda/remediation/support/ledger-table';
import {
  mockDeadLetterQueue,
  mockLambdaAlias,
  mockLambdaFunction,
  remediationRequest,
} from '../../lambda/remediation/support/playbook-fixtures';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../lambda/support/local-dynamodb';
import { runLocally, synthesizedDefinition } from '../../support/state-machine-runner';
import { configWith, vigilStacks } from '../../support/synth-vigil';

// The definition CDK synthesizes for the alias-rollback playbook, with the envelope as configured here.
const config = configWith({
  remediation: { breakerMaxRuns: 1, stablePeriods: 3, verifyDeadlineMinutes: 15 },
});
const { stacks } = vigilStacks(config);
const definition = synthesizedDefinition(stacks.remediation.workflows['lambda-alias-rollback'].stateMachine);

const topic = (severity: string) => `arn:aws:sns:eu-west-1:123456789012:vigil-test-alerts-${severity}`;
const cloudWatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
let local: LocalDynamoDb;
let ledgerTableName: string;
let clock: number;

beforeAll(async () => {
  local = await startLocalDynamoDb();
});
afterAll(() => local.close());
beforeEach(async () => {
  cloudWatch.reset();
  sns.reset();
  secrets.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'approval-signing-key-for-tests' });
  alarmStates('OK');
  ledgerTableName = await createLedgerTable(local.endpoint);
  clock = Date.parse('2026-11-23T03:20:00.000Z');
});

/** The triggering alarm's state at each verification check, the last one repeating. */
function alarmStates(...states: string[]): void {
  let check = 0;
  cloudWatch.on(DescribeAlarmsCommand).callsFake(async () => {
    const state = states[Math.min(check++, states.length - 1)];
    return {
      MetricAlarms: [{ AlarmName: 'vigil-dev-orders-errors', StateValue: state }],
      CompositeAlarms: [],
    };
  });
}

type Human = 'approve' | 'deny' | 'no answer';

/** Every Task state of the synthesized definition bound to the real handler code it invokes. */
function handlers(human: Human = 'approve', playbookId: PlaybookId = 'lambda-alias-rollback') {
  const envelope = createEnvelopeHandler({
    config: {
      ledgerTableName,
      topics: {
        critical: topic('critical'),
        high: topic('high'),
        warning: topic('warning'),
        info: topic('info'),
      },
      approvalUrl: 'https://approve.example.org/',
      approvalSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:approval',
      approvalTtlSeconds: 3600,
      blastRadiusPerHour: 5,
      breakerMaxRuns: config.remediation.breakerMaxRuns,
      breakerWindowMinutes: config.remediation.breakerWindowMinutes,
    },
    clients: local.clients,
    now: () => new Date(clock),
  });
  const playbook = createPlaybookHandler(playbookFor(playbookId, local.clients));
  const asJson = async (promise: Promise<unknown>) => JSON.parse(JSON.stringify(await promise));
  const bound: Record<string, (input: never) => unknown> = {
    'Describe target': (input) => asJson(playbook(input)),
    Snapshot: (input) => asJson(playbook(input)),
    Plan: (input) => asJson(playbook(input)),
    Act: (input) => asJson(playbook(input)),
    'Roll back': (input) => asJson(playbook(input)),
    Admit: (input) => asJson(envelope(input)),
    // A minute passes between checks in AWS; here five, so verification can run past its deadline.
    Verify: (input) => {
      clock += 5 * 60_000;
      return asJson(envelope(input));
    },
    // A waitForTaskToken task: the envelope posts the links, then the human's answer (or silence) comes back.
    'Request approval': async (input: { Payload: unknown }) => {
      await envelope(input.Payload);
      if (human === 'no answer')
        throw Object.assign(new Error('approval timed out'), { name: 'States.Timeout' });
      return { approved: human === 'approve', decidedBy: 'link', decidedAt: new Date(clock).toISOString() };
    },
  };
  for (const outcome of OUTCOMES) bound[`Finish ${outcome}`] = (input) => asJson(envelope(input));
  return bound as Record<string, (input: unknown) => Promise<never>>;
}

/** The dispatcher's request for the `orders-api:live` alias that `mockLambdaAlias` sets up by default. */
function request(overrides: Partial<RemediationRequest> = {}) {
  const target = { kind: 'lambda-alias', functionName: 'orders-api', aliasName: 'live' } as const;
  return { ...remediationRequest('lambda-alias-rollback', target, { severity: 'high', ...overrides }) };
}

async function ledgerRecord(runId: string) {
  const { Item } = await local.clients.dynamoDb.send(
    new GetCommand({
      TableName: ledgerTableName,
      Key: { [LEDGER_TABLE_KEYS.partitionKey]: `run#${runId}`, [LEDGER_TABLE_KEYS.sortKey]: 'run' },
    }),
  );
  return Item;
}

const updates = (lambdaMock: ReturnType<typeof mockLambdaAlias>['lambdaMock']) =>
  lambdaMock.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input.FunctionVersion);

const published = () =>
  sns
    .commandCalls(PublishCommand)
    .map((call) => ({ topic: call.args[0].input.TopicArn, ...call.args[0].input }));

test('success: the alias moves back, the alarm stays OK for three checks, the ledger and the thread say so', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  const run = await runLocally(definition, request(), handlers());
  expect(run.error).toBeUndefined();
  expect(updates(alias.lambdaMock)).toEqual(['2']);
  expect(run.states.filter((state) => state === 'Verify')).toHaveLength(3);
  expect(run.states.at(-1)).toBe('Ended remediated');
  expect(await ledgerRecord('run-0001')).toMatchObject({
    outcome: 'remediated',
    playbook: 'lambda-alias-rollback',
  });
  const [report] = published();
  expect(report?.topic).toBe(topic('high'));
  expect(report?.MessageAttributes?.episode?.StringValue).toBe('episode-0001');
});

test('verification fails: the change is rolled back and escalated to the critical topic', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  alarmStates('ALARM');
  const run = await runLocally(definition, request(), handlers());
  expect(run.error).toBeUndefined();
  expect(updates(alias.lambdaMock)).toEqual(['2', '3']);
  expect(run.states).toContain('Roll back');
  expect(run.states.at(-1)).toBe('Ended rolled-back');
  expect(await ledgerRecord('run-0001')).toMatchObject({ outcome: 'rolled-back' });
  expect(published().map((message) => message.topic)).toContain(topic('critical'));
});

test('an open circuit breaker ends the run before any change, and says so', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  await runLocally(definition, request(), handlers());
  const second = await runLocally(definition, request({ runId: 'run-0002' }), handlers());
  expect(second.states.at(-1)).toBe('Ended refused');
  expect(updates(alias.lambdaMock)).toEqual(['2']);
  expect(await ledgerRecord('run-0002')).toMatchObject({
    outcome: 'refused',
    admission: { admitted: false, refusal: 'breaker-open' },
  });
});

test('dry-run records the exact calls it would make and makes no mutating call', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  const run = await runLocally(definition, request({ mode: 'dry-run' }), handlers());
  expect(run.states.at(-1)).toBe('Ended dry-run');
  expect(updates(alias.lambdaMock)).toEqual([]);
  const record = await ledgerRecord('run-0001');
  expect(record?.outcome).toBe('dry-run');
  expect(JSON.stringify(record)).toContain('"action":"UpdateAlias"');
  expect(String(published()[0]?.Message)).toMatch(/UpdateAlias/);
});

test.each([
  ['approve', 'Ended remediated', ['2']],
  ['deny', 'Ended denied', []],
  ['no answer', 'Ended approval-timed-out', []],
] as const)('approval %s → %s', async (human, end, versions) => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  const run = await runLocally(definition, request({ approval: true }), handlers(human));
  expect(run.states.at(-1)).toBe(end);
  expect(updates(alias.lambdaMock)).toEqual(versions);
  const [approvalRequest] = published();
  expect(approvalRequest?.MessageAttributes?.kind?.StringValue).toBe('remediation-approval');
  expect(String(approvalRequest?.Message)).toMatch(/decision=approve/);
  expect(String(approvalRequest?.Message)).toMatch(/decision=deny/);
});

test('a target that no longer exists is refused without any change', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3', functionName: 'someone-else' });
  const run = await runLocally(definition, request(), handlers());
  expect(run.states.at(-1)).toBe('Ended refused');
  expect(updates(alias.lambdaMock)).toEqual([]);
  expect(await ledgerRecord('run-0001')).toMatchObject({ admission: { refusal: 'target-missing' } });
});

test('a target without the opt-in tag is refused', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3', tags: { team: 'orders' } });
  const run = await runLocally(definition, request(), handlers());
  expect(run.states.at(-1)).toBe('Ended refused');
  expect(updates(alias.lambdaMock)).toEqual([]);
  expect(await ledgerRecord('run-0001')).toMatchObject({ admission: { refusal: 'not-opted-in' } });
});

test('an unexpected error ends in failed: recorded, escalated, and the execution fails so its alarm fires', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  alias.lambdaMock
    .on(UpdateAliasCommand)
    .rejects(Object.assign(new Error('boom'), { name: 'ServiceException' }));
  const run = await runLocally(definition, request(), handlers());
  expect(run.error?.message).toMatch(/has failed/);
  expect(run.states.slice(-2)).toEqual(['Finish failed', 'Failed']);
  expect(await ledgerRecord('run-0001')).toMatchObject({ outcome: 'failed' });
  expect(published().map((message) => message.topic)).toContain(topic('critical'));
});

describe('the other playbooks run in the same envelope', () => {
  it('dlq-redrive: starts one rate-capped move task back to the source queue', async () => {
    const queue = mockDeadLetterQueue({ messages: 5 });
    const machine = synthesizedDefinition(stacks.remediation.workflows['dlq-redrive'].stateMachine);
    const run = await runLocally(
      machine,
      { ...remediationRequest('dlq-redrive', queue.target) },
      handlers('approve', 'dlq-redrive'),
    );
    expect(run.states.at(-1)).toBe('Ended remediated');
    expect(queue.tasks()).toHaveLength(1);
  });

  it('lambda-concurrency: raises reserved concurrency within the account’s headroom', async () => {
    const fn = mockLambdaFunction({ reservedConcurrency: 10 });
    const machine = synthesizedDefinition(stacks.remediation.workflows['lambda-concurrency'].stateMachine);
    const run = await runLocally(
      machine,
      { ...remediationRequest('lambda-concurrency', fn.target) },
      handlers('approve', 'lambda-concurrency'),
    );
    expect(run.states.at(-1)).toBe('Ended remediated');
    expect(fn.concurrency()).toEqual({ reserved: 20, unreserved: 890 });
  });
});
