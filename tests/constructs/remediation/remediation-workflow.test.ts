import '../../lambda/support/test-environment';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, PutFunctionConcurrencyCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CancelMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { MetricAlarmDefinition } from '../../../constructs/alarm-engine/alarm-definition';
import { AlarmSimulation } from '../../../constructs/alarm-engine/simulated-time';
import { LEDGER_TABLE_KEYS, OUTCOMES, type PlaybookId } from '../../../constructs/contracts/remediation';
import { createEnvelopeHandler } from '../../../lambda/remediation/envelope/envelope-handler';
import { createPlaybookHandler } from '../../../lambda/remediation/playbook-handler';
import { playbookFor } from '../../../lambda/remediation/playbooks/playbooks';
import type { RemediationRequest } from '../../../lambda/remediation/remediation-types';
import { createLedgerTable } from '../../lambda/remediation/support/ledger-table';
import {
  mockDeadLetterQueue,
  mockLambdaAlias,
  mockLambdaFunction,
  remediationRequest,
} from '../../lambda/remediation/support/playbook-fixtures';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../lambda/support/local-dynamodb';
import { runLocally, synthesizedDefinition } from '../../support/state-machine-runner';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../../support/synth-vigil';

// The definition CDK synthesizes for the alias-rollback playbook, with the envelope as configured here.
const config = configWith({
  remediation: { breakerMaxRuns: 1, stablePeriods: 3, verifyDeadlineMinutes: 15 },
});
const { stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const definition = synthesizedDefinition(stacks.remediation.workflows['lambda-alias-rollback'].stateMachine);

const topic = (severity: string) => `arn:aws:sns:eu-west-1:123456789012:vigil-test-alerts-${severity}`;
const cloudWatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
let local: LocalDynamoDb;
let ledgerTableName: string;
let clock: number;
/** Minutes the clock moves at each verification check; the simulated-time scenarios use the Wait state's one. */
let minutesPerCheck = 5;
/** Called as each check's clock is set, before the verifier reads the alarm. @default nothing */
let onCheck: (() => void) | undefined;

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
  minutesPerCheck = 5;
  onCheck = undefined;
  acted = false;
});

/** Whether the run has acted yet: before that, the alarm that started it is still in ALARM. */
let acted = false;

/** The triggering alarm's state at each verification check, the last one repeating. */
function alarmStates(...states: string[]): void {
  let check = 0;
  cloudWatch.on(DescribeAlarmsCommand).callsFake(async () => {
    const state = acted ? states[Math.min(check++, states.length - 1)] : 'ALARM';
    return {
      MetricAlarms: [{ AlarmName: 'vigil-dev-orders-errors', StateValue: state }],
      CompositeAlarms: [],
    };
  });
}

type Human = 'approve' | 'deny' | 'no answer';

/** Every Task state of the synthesized definition bound to the real handler code it invokes. */
function handlers(
  human: Human = 'approve',
  playbookId: PlaybookId = 'lambda-alias-rollback',
  limits: { readonly breakerMaxRuns?: number; readonly blastRadiusPerHour?: number } = {},
) {
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
      blastRadiusPerHour: limits.blastRadiusPerHour ?? 5,
      breakerMaxRuns: limits.breakerMaxRuns ?? config.remediation.breakerMaxRuns,
      breakerWindowMinutes: config.remediation.breakerWindowMinutes,
      lockLeaseSeconds: 8 * 3600,
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
    'Describe target again': (input) => asJson(playbook(input)),
    Act: (input) => {
      acted = true;
      return asJson(playbook(input));
    },
    'Check before acting': (input) => asJson(envelope(input)),
    'Roll back': (input) => asJson(playbook(input)),
    Admit: (input) => asJson(envelope(input)),
    // A minute passes between checks in AWS; by default five here, so verification can run past its deadline.
    Verify: (input) => {
      clock += minutesPerCheck * 60_000;
      onCheck?.();
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
  // Act failed, then its rollback (the same call) failed too: the record keeps both, root cause first.
  expect(await ledgerRecord('run-0001')).toMatchObject({
    outcome: 'failed',
    error: { Error: 'ServiceException' },
    rollbackError: { Error: 'ServiceException' },
  });
  const report = String(published().find((message) => message.topic === topic('high'))?.Message);
  expect(report).toMatch(/Rolling back failed: ServiceException: boom\./);
  expect(report).toMatch(/It rolled back because making the change failed: ServiceException: boom\./);
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

/**
 * The triggering alarm is the one LambdaMonitor synthesizes (error rate over 5% in 2 of 3 five-minute
 * periods), evaluated by the alarm engine on the test's clock: the fix is the Act step, traffic is
 * published as the clock moves, and DescribeAlarms answers with the engine's state and the alarm's
 * own settings, as CloudWatch would.
 */
describe('verification on simulated time, judged by the alarm engine', () => {
  const errorRate: MetricAlarmDefinition = {
    kind: 'metric',
    name: 'vigil-dev-orders-errors',
    metrics: [
      { id: 'expr_1', expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', period: 300 },
      {
        id: 'errors',
        metricStat: { metric: lambdaMetric('Errors'), period: 300, stat: 'Sum' },
        returnData: false,
      },
      {
        id: 'invocations',
        metricStat: { metric: lambdaMetric('Invocations'), period: 300, stat: 'Sum' },
        returnData: false,
      },
    ],
    threshold: 5,
    comparisonOperator: 'GreaterThanThreshold',
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: 'notBreaching',
  };

  function lambdaMetric(metricName: string) {
    return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: 'orders-api' } };
  }

  /**
   * Twenty minutes of a fifth of 10 invocations a second failing, then the run; after the fix
   * (`fixes`), traffic is clean, or stops (`silent`), or keeps failing (`fixes: false`).
   */
  function simulate(options: { fixes: boolean; afterFix: 'clean' | 'silent'; startOffsetSeconds: number }) {
    const start = Date.parse('2026-11-23T03:00:00.000Z');
    const simulation = new AlarmSimulation([errorRate], start);
    let fixedAt = Number.POSITIVE_INFINITY;
    const traffic = (from: number, to: number) => {
      for (let at = from; at < to; at += 1000) {
        const fixed = options.fixes && at >= fixedAt;
        if (fixed && options.afterFix === 'silent') continue;
        simulation.feed.put(lambdaMetric('Invocations'), at, 10);
        simulation.feed.put(lambdaMetric('Errors'), at, fixed ? 0 : 2);
      }
    };
    // The run starts (and acts at once) `startOffsetSeconds` into a five-minute period.
    simulation.run(start + 20 * 60_000 + options.startOffsetSeconds * 1000, traffic);
    clock = simulation.clock.now();
    minutesPerCheck = 1;
    onCheck = () => simulation.run(clock, traffic);
    cloudWatch.on(DescribeAlarmsCommand).callsFake(async () => ({
      MetricAlarms: [
        {
          AlarmName: errorRate.name,
          StateValue: simulation.engine.state(errorRate.name),
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          Metrics: errorRate.metrics?.map((query) => ({
            Id: query.id,
            Expression: query.expression,
            Period: query.period,
            ReturnData: query.returnData ?? true,
            ...(query.metricStat ? { MetricStat: { Period: query.metricStat.period, Stat: 'Sum' } } : {}),
          })),
        },
      ],
      CompositeAlarms: [],
    }));
    return {
      simulation,
      fix: () => {
        fixedAt = clock;
      },
      fixedAt: () => fixedAt,
    };
  }

  function fixingHandlers(fix: () => void) {
    const bound = handlers();
    const act = bound.Act as (input: unknown) => Promise<never>;
    return { ...bound, Act: async (input: unknown) => act(input).finally(fix) };
  }

  it.each([0, 30, 90, 180, 299])(
    'keeps a working rollback that lands %i s into a period, even when no traffic follows it',
    async (offset) => {
      const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
      const { simulation, fix, fixedAt } = simulate({
        fixes: true,
        afterFix: 'silent',
        startOffsetSeconds: offset,
      });
      expect(simulation.engine.state(errorRate.name)).toBe('ALARM');
      const run = await runLocally(definition, request(), fixingHandlers(fix));
      expect(run.states.at(-1)).toBe('Ended remediated');
      expect(updates(alias.lambdaMock)).toEqual(['2']);
      // The old fixed 15 minutes would have undone it: with no new datapoints the alarm took longer.
      const cleared = simulation.transitions.find(
        (transition) => transition.to === 'OK' && transition.at > fixedAt(),
      );
      expect((cleared?.at ?? 0) - fixedAt()).toBeGreaterThan(15 * 60_000);
      const record = await ledgerRecord('run-0001');
      expect(record?.verification?.deadlineSeconds).toBe(5 * 300 + 120);
    },
  );

  it.each([30, 180])(
    'keeps a working rollback landing %i s into a period with traffic after it',
    async (offset) => {
      const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
      const { fix } = simulate({ fixes: true, afterFix: 'clean', startOffsetSeconds: offset });
      const run = await runLocally(definition, request(), fixingHandlers(fix));
      expect(run.states.at(-1)).toBe('Ended remediated');
      expect(updates(alias.lambdaMock)).toEqual(['2']);
    },
  );

  it('rolls back a change that does not fix the alarm, after the alarm’s own deadline', async () => {
    const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
    const { fix } = simulate({ fixes: false, afterFix: 'clean', startOffsetSeconds: 90 });
    const started = clock;
    const run = await runLocally(definition, request(), fixingHandlers(fix));
    expect(run.states.at(-1)).toBe('Ended rolled-back');
    expect(updates(alias.lambdaMock)).toEqual(['2', '3']);
    expect(clock - started).toBeGreaterThanOrEqual((5 * 300 + 120) * 1000);
    const record = await ledgerRecord('run-0001');
    expect(record?.verification?.reason).toMatch(/deadline 1620 s, from its 5 × 300 s evaluation range/);
  });
});

test('INSUFFICIENT_DATA at the deadline keeps the change and says it is not verified', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  alarmStates('INSUFFICIENT_DATA');
  const run = await runLocally(definition, request(), handlers());
  expect(run.states.at(-1)).toBe('Ended unverified');
  expect(updates(alias.lambdaMock)).toEqual(['2']);
  expect(await ledgerRecord('run-0001')).toMatchObject({ outcome: 'unverified' });
  expect(String(published()[0]?.Message)).toMatch(/The change is kept but not verified/);
});

test('a verification check that errors rolls the change back instead of leaving it unproven', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  cloudWatch.on(DescribeAlarmsCommand).callsFake(async () => {
    if (!acted) return { MetricAlarms: [{ AlarmName: 'vigil-dev-orders-errors', StateValue: 'ALARM' }] };
    throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
  });
  const run = await runLocally(definition, request(), handlers());
  expect(run.states).toContain('Roll back');
  expect(run.states.at(-1)).toBe('Ended rolled-back');
  expect(updates(alias.lambdaMock)).toEqual(['2', '3']);
});

test.each([
  'Lambda.TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
  'ThrottlingException',
])('%s on a step is retried, and the run goes on', async (name) => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  const bound = handlers();
  const act = bound.Act as (input: unknown) => Promise<never>;
  let attempts = 0;
  const run = await runLocally(definition, request(), {
    ...bound,
    Act: async (input: unknown) => {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error('slow down'), { name });
      return act(input);
    },
  });
  expect(attempts).toBe(2);
  expect(run.states.at(-1)).toBe('Ended remediated');
  expect(updates(alias.lambdaMock)).toEqual(['2']);
});

describe('the last look before acting', () => {
  it('skips the change when an operator tags the target vigil:do-not-remediate during the approval wait', async () => {
    const tags: Record<string, string> = { 'vigil:remediate': 'true' };
    const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3', tags });
    const bound = handlers('approve');
    const ask = bound['Request approval'] as (input: unknown) => Promise<never>;
    const run = await runLocally(definition, request({ approval: true }), {
      ...bound,
      'Request approval': async (input: unknown) => {
        tags['vigil:do-not-remediate'] = 'incident 4711: hands off';
        return ask(input);
      },
    });
    expect(run.states.at(-1)).toBe('Ended skipped');
    expect(updates(alias.lambdaMock)).toEqual([]);
    const record = await ledgerRecord('run-0001');
    expect(record).toMatchObject({ outcome: 'skipped', preActCheck: { proceed: false } });
    expect(String(record?.preActCheck?.reason)).toMatch(/is tagged vigil:do-not-remediate \(checked again/);
    expect(String(published().at(-1)?.Message)).toMatch(/Nothing was changed: .*vigil:do-not-remediate/);
  });

  it('skips the change when the alarm recovered by itself before the act', async () => {
    const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'vigil-dev-orders-errors', StateValue: 'OK' }],
      CompositeAlarms: [],
    });
    const run = await runLocally(definition, request(), handlers());
    expect(run.states.at(-1)).toBe('Ended skipped');
    expect(updates(alias.lambdaMock)).toEqual([]);
    expect(await ledgerRecord('run-0001')).toMatchObject({
      outcome: 'skipped',
      preActCheck: { proceed: false, reason: expect.stringMatching(/is OK again without any change/) },
    });
  });
});

test('three runs at once with room for two under the breaker: exactly two go ahead, the third is refused', async () => {
  mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  // Dry runs take no lock, so all three reach the breaker together: its conditional write decides.
  const runs = await Promise.all(
    ['run-0001', 'run-0002', 'run-0003'].map((runId) =>
      runLocally(
        definition,
        request({ runId, mode: 'dry-run' }),
        handlers('approve', 'lambda-alias-rollback', { breakerMaxRuns: 2 }),
      ),
    ),
  );
  expect(runs.map((run) => run.states.at(-1)).sort()).toEqual([
    'Ended dry-run',
    'Ended dry-run',
    'Ended refused',
  ]);
  const records = await Promise.all(['run-0001', 'run-0002', 'run-0003'].map(ledgerRecord));
  expect(records.filter((record) => record?.admission?.refusal === 'breaker-open')).toHaveLength(1);
  expect(records.find((record) => record?.outcome === 'refused')?.admission.detail).toMatch(
    /2 runs already admitted on Lambda alias orders-api:live/,
  );
});

test('two alarms on one target: the second run ends refused while the first holds it, and runs after it finished', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  const bound = handlers('approve');
  const ask = bound['Request approval'] as (input: unknown) => Promise<never>;
  let second: Awaited<ReturnType<typeof runLocally>> | undefined;
  const first = await runLocally(definition, request({ approval: true }), {
    ...bound,
    // While the first run waits for its approval, the error-rate alarm's sibling starts another.
    'Request approval': async (input: unknown) => {
      second = await runLocally(definition, request({ runId: 'run-0002' }), handlers());
      return ask(input);
    },
  });
  expect(second?.states.at(-1)).toBe('Ended refused');
  expect(await ledgerRecord('run-0002')).toMatchObject({
    admission: {
      admitted: false,
      refusal: 'busy',
      detail: expect.stringContaining('run run-0001 is already working'),
    },
  });
  expect(first.states.at(-1)).toBe('Ended remediated');
  expect(updates(alias.lambdaMock)).toEqual(['2']);
});

describe('an operator changing the target is never overwritten', () => {
  const concurrencyMachine = () =>
    synthesizedDefinition(stacks.remediation.workflows['lambda-concurrency'].stateMachine);
  const operatorSets = (reserved: number) =>
    new LambdaClient({ region: 'eu-west-1' }).send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'orders-worker',
        ReservedConcurrentExecutions: reserved,
      }),
    );

  it('between snapshot and act: a kill switch (reserved concurrency 0) stays 0, and the run says why it stopped', async () => {
    const fn = mockLambdaFunction({ reservedConcurrency: 10 });
    const bound = handlers('approve', 'lambda-concurrency');
    const act = bound.Act as (input: unknown) => Promise<never>;
    const run = await runLocally(
      concurrencyMachine(),
      { ...remediationRequest('lambda-concurrency', fn.target) },
      {
        ...bound,
        Act: async (input: unknown) => {
          await operatorSets(0);
          return act(input);
        },
      },
    );
    expect(run.states.at(-1)).toBe('Ended target-changed');
    expect(fn.concurrency().reserved).toBe(0);
    expect(run.states).not.toContain('Roll back');
    expect(String(published().at(-1)?.Message)).toMatch(
      /is 0 before the change, not 10 as this run expected/,
    );
  });

  it('between act and rollback: the operator’s 100 stays 100 when verification fails', async () => {
    const fn = mockLambdaFunction({ reservedConcurrency: 10 });
    alarmStates('ALARM');
    const bound = handlers('approve', 'lambda-concurrency');
    const rollback = bound['Roll back'] as (input: unknown) => Promise<never>;
    const run = await runLocally(
      concurrencyMachine(),
      { ...remediationRequest('lambda-concurrency', fn.target) },
      {
        ...bound,
        'Roll back': async (input: unknown) => {
          await operatorSets(100);
          return rollback(input);
        },
      },
    );
    expect(run.states.at(-1)).toBe('Ended target-changed');
    expect(fn.concurrency().reserved).toBe(100);
    expect(await ledgerRecord('run-0001')).toMatchObject({ outcome: 'target-changed' });
  });

  it('a running move task the run cannot prove it started (an operator’s, maybe) is not cancelled', async () => {
    const queue = mockDeadLetterQueue({ messages: 5 });
    alarmStates('ALARM');
    const machine = synthesizedDefinition(stacks.remediation.workflows['dlq-redrive'].stateMachine);
    const bound = handlers('approve', 'dlq-redrive');
    const act = bound.Act as (input: unknown) => Promise<never>;
    const run = await runLocally(
      machine,
      { ...remediationRequest('dlq-redrive', queue.target) },
      {
        ...bound,
        // The run's act fails before SQS answers with a task handle; an operator's task is running.
        Act: async (input: unknown) => {
          await act(input);
          throw Object.assign(new Error('connection reset'), { name: 'NetworkingError' });
        },
      },
    );
    expect(run.states).toContain('Roll back');
    expect(queue.sqsMock.commandCalls(CancelMessageMoveTaskCommand)).toEqual([]);
    expect(queue.tasks().map((task) => task.Status)).toEqual(['RUNNING']);
  });
});

test('a rollback that fails after verification failed says so, and why it rolled back', async () => {
  const alias = mockLambdaAlias({ versions: [1, 2, 3], current: '3' });
  alarmStates('ALARM');
  const bound = handlers();
  const run = await runLocally(definition, request(), {
    ...bound,
    'Roll back': async () => {
      throw Object.assign(new Error('alias is being updated'), { name: 'ResourceConflictException' });
    },
  });
  expect(run.states.slice(-2)).toEqual(['Finish failed', 'Failed']);
  expect(updates(alias.lambdaMock)).toEqual(['2']);
  const record = await ledgerRecord('run-0001');
  expect(record).toMatchObject({ outcome: 'failed', rollbackError: { Error: 'ResourceConflictException' } });
  expect(record?.error).toBeUndefined();
  const report = String(published().find((message) => message.topic === topic('critical'))?.Message);
  expect(report).toMatch(/Rolling back failed: ResourceConflictException: alias is being updated\./);
  expect(report).toMatch(
    /It rolled back because the change did not fix the alarm: alarm vigil-dev-orders-errors was ALARM/,
  );
  expect(report).toMatch(/These calls were made and were NOT undone/);
});
