import '../../support/test-environment';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { OPT_IN_TAG } from '../../../../constructs/contracts/remediation';
import { ApprovalLinks } from '../../../../lambda/remediation/envelope/approval-links';
import {
  type EnvelopeConfig,
  readEnvelopeConfig,
} from '../../../../lambda/remediation/envelope/envelope-config';
import {
  createEnvelopeHandler,
  EnvelopeInputError,
} from '../../../../lambda/remediation/envelope/envelope-handler';
import type { RemediationPlan } from '../../../../lambda/remediation/remediation-types';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../support/local-dynamodb';
import { createLedgerTable, testRequest } from '../support/ledger-table';

const NOW = new Date('2026-11-23T03:14:00.000Z');
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vigil-approval-AbCdEf';
const TOPICS = {
  critical: 'arn:aws:sns:eu-west-1:123456789012:vigil-critical',
  high: 'arn:aws:sns:eu-west-1:123456789012:vigil-high',
  warning: 'arn:aws:sns:eu-west-1:123456789012:vigil-warning',
  info: 'arn:aws:sns:eu-west-1:123456789012:vigil-info',
};

const sns = mockClient(SNSClient);
const cloudWatch = mockClient(CloudWatchClient);
const secrets = mockClient(SecretsManagerClient);
const region = { region: 'eu-west-1' };

let dynamo: LocalDynamoDb;
let config: EnvelopeConfig;
let envelope: ReturnType<typeof createEnvelopeHandler>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  config = {
    ledgerTableName: await createLedgerTable(dynamo.endpoint),
    topics: TOPICS,
    approvalUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/',
    approvalSecretArn: SECRET_ARN,
    approvalTtlSeconds: 3600,
    blastRadiusPerHour: 5,
    breakerMaxRuns: 2,
    breakerWindowMinutes: 60,
    lockLeaseSeconds: 8 * 3600,
  };
  envelope = createEnvelopeHandler({
    config,
    clients: {
      dynamoDb: dynamo.clients.dynamoDb,
      sns: new SNSClient(region),
      cloudWatch: new CloudWatchClient(region),
      secretsManager: new SecretsManagerClient(region),
    },
    now: () => NOW,
  });
});
afterAll(() => dynamo.close());

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  cloudWatch.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 's'.repeat(40) });
});

async function runRecord(runId: string) {
  const { Item } = await dynamo.clients.dynamoDb.send(
    new GetCommand({ TableName: config.ledgerTableName, Key: { pk: `run#${runId}`, sk: 'run' } }),
  );
  return Item;
}

const plan: RemediationPlan = {
  calls: [
    {
      service: 'lambda',
      action: 'UpdateAlias',
      parameters: { FunctionName: 'vigil-dev-predictor-api', Name: 'live', FunctionVersion: '6' },
      reason: 'point live back from version 7 to version 6',
    },
  ],
};
const optedIn = {
  exists: true,
  arn: 'arn:aws:lambda:eu-west-1:123456789012:function:api:live',
  tags: { [OPT_IN_TAG]: 'true' },
};

test('admit: decides and records the decision', async () => {
  const request = testRequest();
  expect(await envelope({ op: 'admit', request, targetState: optedIn })).toEqual({ admitted: true });
  expect(await runRecord(request.runId)).toMatchObject({ admission: { admitted: true } });
});

test('admit: tags default to none', async () => {
  const request = testRequest();
  expect(await envelope({ op: 'admit', request, targetState: { exists: true } })).toMatchObject({
    refusal: 'not-opted-in',
  });
});

test('requestApproval: one message on the alert thread with the plan and signed links', async () => {
  // A dry run of its own: it takes no lock, so the admit test's run keeps its target.
  const request = testRequest({ approval: true, severity: 'warning', mode: 'dry-run' });
  await envelope({ op: 'admit', request, targetState: optedIn });
  expect(await envelope({ op: 'requestApproval', request, plan, taskToken: 'task-token-1' })).toEqual({
    requestedAt: NOW.toISOString(),
    expiresAt: '2026-11-23T04:14:00.000Z',
  });

  const published = sns.commandCalls(PublishCommand);
  expect(published).toHaveLength(1);
  const input = published[0]?.args[0].input;
  expect(input).toMatchObject({
    TopicArn: TOPICS.warning,
    Subject: 'Approve self-healing? lambda-alias-rollback on Lambda alias vigil-dev-predictor-api:live',
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: 'warning' },
      episode: { DataType: 'String', StringValue: request.episodeId },
      kind: { DataType: 'String', StringValue: 'remediation-approval' },
    },
  });
  const text = input?.Message ?? '';
  expect(text).toContain('It would:\n  1. point live back from version 7 to version 6 (lambda UpdateAlias)');
  expect(text).toContain(
    'The links expire at 2026-11-23T04:14:00.000Z (in 60 min). No answer counts as deny.',
  );

  const links = new ApprovalLinks({
    secretsManager: new SecretsManagerClient(region),
    secretArn: SECRET_ARN,
  });
  const linkAfter = (label: string) => {
    const url = new URL(text.match(new RegExp(`${label}: (\\S+)`))?.[1] ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(config.approvalUrl);
    return Object.fromEntries(url.searchParams);
  };
  expect(await links.verifyLink(linkAfter('Approve'), NOW)).toMatchObject({
    valid: true,
    runId: request.runId,
    decision: 'approve',
    taskToken: 'task-token-1',
  });
  expect(await links.verifyLink(linkAfter('Deny'), NOW)).toMatchObject({ valid: true, decision: 'deny' });
  // The page the links open reads the plan from the ledger, stored before the message went out.
  const { Item } = await dynamo.clients.dynamoDb.send(
    new GetCommand({ TableName: config.ledgerTableName, Key: { pk: `run#${request.runId}`, sk: 'run' } }),
  );
  expect(Item).toMatchObject({
    plan,
    approvalRequest: { requestedAt: NOW.toISOString(), expiresAt: '2026-11-23T04:14:00.000Z' },
  });
});

test('requestApproval for a run the ledger never admitted asks nobody', async () => {
  const request = testRequest({ approval: true });
  await expect(envelope({ op: 'requestApproval', request, plan, taskToken: 'task-token-2' })).rejects.toThrow(
    'The conditional request failed',
  );
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});

test('verify: one check, continuing from the previous one', async () => {
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ StateValue: 'OK' }] });
  const previous = { checks: 1, consecutiveOk: 1, lastState: 'OK', stable: false, expired: false };
  const action = { calls: [], completedAt: '2026-11-23T03:13:00.000Z' };
  const request = testRequest();
  const input = { op: 'verify', request, action, stablePeriods: 2, deadlineSeconds: 600 };
  expect(await envelope({ ...input, verification: previous })).toEqual({
    checks: 2,
    consecutiveOk: 2,
    lastState: 'OK',
    stable: true,
    deadlineSeconds: 600,
    expired: false,
  });
  // The first check: the state machine's seed (no state yet), or no previous result at all.
  const seed = { checks: 0, consecutiveOk: 0, stable: false, expired: false };
  expect(await envelope({ ...input, verification: seed })).toMatchObject({ checks: 1, consecutiveOk: 1 });
  expect(await envelope({ ...input, verification: null })).toMatchObject({ checks: 1, consecutiveOk: 1 });
  expect(await envelope(input)).toMatchObject({ checks: 1 });
});

describe('finish', () => {
  test('records the outcome with every step and tells the alert thread', async () => {
    // An account of its own: the admit test above holds the lock on the default target.
    const request = testRequest({ account: '210987654321' });
    await envelope({ op: 'admit', request, targetState: optedIn });
    const run = {
      request,
      targetState: optedIn,
      admission: { admitted: true },
      plan,
      snapshot: { version: '7' },
    };

    expect(await envelope({ op: 'finish', outcome: 'dry-run', run })).toEqual({ outcome: 'dry-run' });
    expect(await runRecord(request.runId)).toMatchObject({
      outcome: 'dry-run',
      finishedAt: NOW.toISOString(),
      admission: { admitted: true },
      plan,
      snapshot: { version: '7' },
      notifiedOutcome: 'dry-run',
    });
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).toEqual([
      expect.objectContaining({
        TopicArn: TOPICS.high,
        MessageAttributes: expect.objectContaining({
          episode: { DataType: 'String', StringValue: request.episodeId },
        }),
      }),
    ]);
  });

  test('a retried finish does not tell anyone twice', async () => {
    const run = { request: testRequest(), admission: { admitted: true }, plan };
    await envelope({ op: 'finish', outcome: 'dry-run', run });
    await envelope({ op: 'finish', outcome: 'dry-run', run });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  test('a finish whose message failed sends it on the retry', async () => {
    const run = { request: testRequest(), admission: { admitted: true }, plan };
    sns.on(PublishCommand).rejectsOnce(new Error('SNS throttled')).resolves({ MessageId: 'm-2' });
    await expect(envelope({ op: 'finish', outcome: 'dry-run', run })).rejects.toThrow('SNS throttled');
    await envelope({ op: 'finish', outcome: 'dry-run', run });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(await runRecord(run.request.runId)).toMatchObject({
      outcome: 'dry-run',
      notifiedOutcome: 'dry-run',
    });
  });

  test.each(['rolled-back', 'failed'] as const)(
    '%s is recorded and escalated to critical',
    async (outcome) => {
      const request = testRequest();
      const action = {
        calls: [{ ...plan.calls[0], response: {} }],
        completedAt: '2026-11-23T03:13:00.000Z',
      };
      const run = {
        request,
        plan,
        action,
        rollback: outcome === 'rolled-back' ? action : null,
        verification: null,
        error: outcome === 'failed' ? { Error: 'States.TaskFailed', Cause: 'boom' } : null,
      };
      await envelope({ op: 'finish', outcome, run });
      expect(await runRecord(request.runId)).toMatchObject({ outcome });
      const topics = sns.commandCalls(PublishCommand).map((call) => call.args[0].input.TopicArn);
      expect(topics.sort()).toEqual([TOPICS.critical, TOPICS.high]);
    },
  );
});

describe('a redrive, whose change reaches the source queues and takes time', () => {
  const dlqRequest = () =>
    testRequest({ playbook: 'dlq-redrive', target: { kind: 'sqs-queue', queueName: 'orders-dlq' } });
  const dlq = (sourceTags: Record<string, string>) => ({
    exists: true,
    arn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq',
    tags: { [OPT_IN_TAG]: 'true' },
    related: [
      { role: 'source queue', name: 'orders', tags: { [OPT_IN_TAG]: 'true' } },
      { role: 'source queue', name: 'payments', tags: sourceTags },
    ],
  });

  test('admit: a source queue without the opt-in tag is refused by name, and the refusal recorded', async () => {
    const request = dlqRequest();
    const refused = {
      admitted: false,
      refusal: 'not-opted-in',
      detail:
        'source queue payments of SQS queue orders-dlq has no vigil:remediate tag; tag it "true" to let self-healing change SQS queue orders-dlq',
    };
    expect(await envelope({ op: 'admit', request, targetState: dlq({ team: 'payments' }) })).toEqual(refused);
    expect(await runRecord(request.runId)).toMatchObject({ admission: refused });
  });

  test('checkBeforeAct: a source queue tagged do-not-remediate since admission stops the run', async () => {
    expect(
      await envelope({
        op: 'checkBeforeAct',
        request: dlqRequest(),
        targetState: dlq({ [OPT_IN_TAG]: 'true', 'vigil:do-not-remediate': 'incident-4711' }),
      }),
    ).toEqual({
      proceed: false,
      reason:
        'source queue payments of SQS queue orders-dlq is tagged vigil:do-not-remediate (checked again right before acting)',
    });
    // Nothing else about the run was asked: the tags alone decide.
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  test('verify: the action’s settle time reaches the verifier through the state machine’s JSON', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ StateValue: 'ALARM', Period: 300, EvaluationPeriods: 3 }],
    });
    // NOW is 60 s after the action, well within 456 s to move + 1,620 s for the alarm.
    const action = {
      calls: [],
      completedAt: '2026-11-23T03:13:00.000Z',
      settle: {
        seconds: 456,
        basis: '3,600 messages at 10/s = 360 s to move (456 s allowed, as the count is approximate)',
      },
    };
    const input = { op: 'verify', request: dlqRequest(), action, stablePeriods: 3, deadlineSeconds: 900 };
    expect(await envelope(input)).toMatchObject({ expired: false, deadlineSeconds: 2076 });
    const { settle: _, ...withoutSettle } = action;
    expect(await envelope({ ...input, action: withoutSettle })).toMatchObject({ deadlineSeconds: 1620 });
  });
});

test('anything else is an EnvelopeInputError naming every problem', async () => {
  await expect(envelope({ op: 'act' })).rejects.toThrow(EnvelopeInputError);
  await expect(envelope({ op: 'admit', request: { ...testRequest(), playbook: 'reboot' } })).rejects.toThrow(
    /request\.playbook: .*; targetState: /,
  );
});

describe('environment', () => {
  const env = {
    LEDGER_TABLE_NAME: 'vigil-dev-remediation-ledger',
    CRITICAL_TOPIC_ARN: TOPICS.critical,
    HIGH_TOPIC_ARN: TOPICS.high,
    WARNING_TOPIC_ARN: TOPICS.warning,
    INFO_TOPIC_ARN: TOPICS.info,
    APPROVAL_URL: 'https://abc123.lambda-url.eu-west-1.on.aws/',
    APPROVAL_SECRET_ARN: SECRET_ARN,
  };

  test('limits default to the admission defaults', () => {
    expect(readEnvelopeConfig(env)).toEqual({
      ledgerTableName: 'vigil-dev-remediation-ledger',
      topics: TOPICS,
      approvalUrl: env.APPROVAL_URL,
      approvalSecretArn: SECRET_ARN,
      approvalTtlSeconds: 3600,
      blastRadiusPerHour: 5,
      breakerMaxRuns: 2,
      breakerWindowMinutes: 60,
      lockLeaseSeconds: 8 * 3600,
    });
  });

  test('set limits are read', () => {
    const set = {
      APPROVAL_TTL_SECONDS: '900',
      BLAST_RADIUS_PER_HOUR: '3',
      BREAKER_MAX_RUNS: '1',
      BREAKER_WINDOW_MINUTES: '120',
    };
    expect(readEnvelopeConfig({ ...env, ...set })).toMatchObject({
      approvalTtlSeconds: 900,
      blastRadiusPerHour: 3,
      breakerMaxRuns: 1,
      breakerWindowMinutes: 120,
    });
  });

  test('every bad variable is named', () => {
    expect(() =>
      readEnvelopeConfig({
        ...env,
        APPROVAL_URL: 'http://example.org',
        BREAKER_MAX_RUNS: '0',
        LEDGER_TABLE_NAME: undefined,
      }),
    ).toThrow(/LEDGER_TABLE_NAME is required; APPROVAL_URL .*; BREAKER_MAX_RUNS must be at least 1 runs/);
  });
});

/**
 * The "Step Functions Execution Status Change" event as the Step Functions developer guide documents
 * it (cw-events, "Execution Aborted"/"Execution Timed Out"), reduced to its `detail` by the rule's
 * input transformer; `input` is the execution's input, the dispatcher's request.
 */
function statusChange(status: string, request: ReturnType<typeof testRequest>) {
  return {
    op: 'abandoned',
    detail: {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:vigil-dev-remediate-lambda-alias-rollback:${request.runId}`,
      stateMachineArn:
        'arn:aws:states:eu-west-1:123456789012:stateMachine:vigil-dev-remediate-lambda-alias-rollback',
      name: request.runId,
      status,
      startDate: 1551225271984,
      stopDate: 1551225273779,
      input: JSON.stringify(request),
      output: null,
    },
  };
}

describe('runs that never reach their finish', () => {
  // A target per account, so the breaker counts of the tests above do not apply.
  const ownTarget = (request: ReturnType<typeof testRequest>) => ({
    ...optedIn,
    arn: `${optedIn.arn}-${request.account}`,
  });

  test('a stopped run gets one outcome and one report, escalated, and gives its target back', async () => {
    const request = testRequest({ account: '310987654321', runId: 'run-stopped' });
    expect(await envelope({ op: 'admit', request, targetState: ownTarget(request) })).toEqual({
      admitted: true,
    });
    const next = testRequest({ account: '310987654321', runId: 'run-next' });
    expect(await envelope({ op: 'admit', request: next, targetState: ownTarget(next) })).toMatchObject({
      refusal: 'busy',
    });

    expect(await envelope(statusChange('ABORTED', request))).toEqual({ outcome: 'stopped' });
    expect(await runRecord(request.runId)).toMatchObject({ outcome: 'stopped', notifiedOutcome: 'stopped' });
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published.map((message) => message.TopicArn)).toEqual([TOPICS.high, TOPICS.critical]);
    expect(published[0]?.Message).toMatch(/The run was stopped \(StopExecution\) before it could finish/);
    // EventBridge may deliver twice: no second report.
    expect(await envelope(statusChange('ABORTED', request))).toEqual({ outcome: 'stopped' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    // The target is free again.
    const after = testRequest({ account: '310987654321', runId: 'run-after' });
    expect(await envelope({ op: 'admit', request: after, targetState: ownTarget(after) })).toEqual({
      admitted: true,
    });
  });

  test('a timed-out run is reported as timed out', async () => {
    const request = testRequest({ account: '410987654321', runId: 'run-timed-out' });
    await envelope({ op: 'admit', request, targetState: ownTarget(request) });
    expect(await envelope(statusChange('TIMED_OUT', request))).toEqual({ outcome: 'timed-out' });
    expect(await runRecord(request.runId)).toMatchObject({ outcome: 'timed-out' });
  });

  test('a run whose finish already recorded an outcome is left as it is', async () => {
    const request = testRequest({ account: '510987654321', runId: 'run-finished' });
    await envelope({ op: 'admit', request, targetState: ownTarget(request) });
    await envelope({ op: 'finish', outcome: 'failed', run: { request } });
    sns.resetHistory();
    expect(await envelope(statusChange('ABORTED', request))).toEqual({ outcome: 'failed' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('a status the rule does not send, or an execution without a request, is refused with a reason', async () => {
    const request = testRequest({ runId: 'run-odd' });
    await expect(envelope(statusChange('SUCCEEDED', request))).rejects.toThrow(EnvelopeInputError);
    const odd = statusChange('ABORTED', request);
    await expect(envelope({ ...odd, detail: { ...odd.detail, input: '{}' } })).rejects.toThrow(
      /has no remediation request as input/,
    );
  });
});

describe('the report comes first, the record second', () => {
  test('with the ledger down, the thread is still told, with a note, and the finish fails to be retried', async () => {
    const withoutLedger = createEnvelopeHandler({
      config: { ...config, ledgerTableName: 'no-such-table' },
      clients: {
        dynamoDb: dynamo.clients.dynamoDb,
        sns: new SNSClient(region),
        cloudWatch: new CloudWatchClient(region),
        secretsManager: new SecretsManagerClient(region),
      },
      now: () => NOW,
    });
    const request = testRequest({ account: '610987654321', runId: 'run-ledger-down', mode: 'dry-run' });
    await expect(withoutLedger({ op: 'finish', outcome: 'dry-run', run: { request, plan } })).rejects.toThrow(
      'Requested resource not found',
    );
    const [report] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(report?.Message).toMatch(
      /The remediation ledger could not be read \(.*\): this report may repeat/,
    );
  });

  test('a report SNS refused is kept in the record, and the finish fails to be retried', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    const request = testRequest({ account: '710987654321', runId: 'run-sns-down', mode: 'dry-run' });
    await expect(envelope({ op: 'finish', outcome: 'dry-run', run: { request, plan } })).rejects.toThrow(
      'KMS key disabled',
    );
    expect(await runRecord(request.runId)).toMatchObject({
      outcome: 'dry-run',
      notificationError: 'KMSDisabledException: KMS key disabled',
    });
    expect((await runRecord(request.runId))?.notifiedOutcome).toBeUndefined();
    // The retry, with SNS back, sends it once.
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    expect(await envelope({ op: 'finish', outcome: 'dry-run', run: { request, plan } })).toEqual({
      outcome: 'dry-run',
    });
    expect(await envelope({ op: 'finish', outcome: 'dry-run', run: { request, plan } })).toEqual({
      outcome: 'dry-run',
    });
    expect(
      sns.commandCalls(PublishCommand).filter((call) => call.args[0].input.Message?.includes('run-sns-down')),
    ).toHaveLength(2);
  });
});
