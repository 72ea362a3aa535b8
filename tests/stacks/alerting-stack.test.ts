import { Match, Template } from 'aws-cdk-lib/assertions';
import { readEnricherConfig } from '../../lambda/alert-enricher/enricher-config';
import { deployedEnvironment } from '../../scripts/local-loop/deployed-values';
import { alarmsByName, tag } from '../support/alarm-template';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const SECRET = 'vigil/pagerduty/critical';
const CHAT = 'arn:aws:sns:eu-west-1:123456789012:chatbot-oncall';
const config = configWith({
  alerts: {
    critical: { emails: ['oncall@example.org'], pagerDutyRoutingKeySecretName: SECRET, chatTopicArn: CHAT },
    warning: { httpsEndpoints: ['https://hooks.example.org/vigil'] },
  },
  alerting: {
    flapTransitions: 5,
    flapWindowMinutes: 20,
    contextDeadlineMs: 2000,
    outsideAlarmSeverity: 'warning',
    // The owner routes GuardDuty elsewhere: no GuardDuty rule, and Security Hub takes GuardDuty's copies.
    securityEvents: { guardDuty: false },
  },
  remediation: { mode: 'dry-run', playbooks: { 'lambda-concurrency': { mode: 'enforce', approval: true } } },
});
const { stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.alerting);
const alarms = alarmsByName(template);

function onlyResource(type: string, idPrefix: string) {
  const entries = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(idPrefix));
  if (entries.length !== 1) throw new Error(`expected one ${type} ${idPrefix}, found ${entries.length}`);
  return entries[0] as [string, { Properties: Record<string, unknown> }];
}
const [enricherId, enricher] = onlyResource('AWS::Lambda::Function', 'EnricherFunction');
const [aliasId] = onlyResource('AWS::Lambda::Alias', 'EnricherLive');
const [deadLettersId] = onlyResource('AWS::SQS::Queue', 'DeadLetters');
const statements = () => {
  const [, policy] = onlyResource('AWS::IAM::Policy', 'EnricherRoleDefaultPolicy');
  return (
    policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
  ).Statement;
};
const resourcesFor = (action: string) =>
  statements()
    .filter((statement) => [statement.Action].flat().includes(action))
    .flatMap((statement) => [statement.Resource].flat());

describe('severity topics', () => {
  it.each(['critical', 'high', 'warning', 'info'])('%s has a KMS-encrypted, TLS-only topic', (severity) => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `vigil-test-alerts-${severity}`,
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('denies publishing without TLS on every topic', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies.length).toBe(5);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('lets this account’s alarms publish to every topic (the TLS policy replaces SNS’s default one)', () => {
    for (const policy of Object.values(template.findResources('AWS::SNS::TopicPolicy'))) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': expect.anything() },
          },
        }),
      );
    }
  });

  it('subscribes the configured email and webhook, each with a redrive policy so nothing is dropped', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.org/vigil',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });
});

describe('trigger', () => {
  it('sends the state changes of the environment’s alarms to the enricher’s live alias, except composite parts and watchdogs', () => {
    // How these patterns match the documented alarm events: tests/stacks/event-rules.test.ts. The
    // pattern holds a null, which the assertions library's matchers do not take, so it is compared whole.
    const [, rule] = onlyResource('AWS::Events::Rule', 'AlarmStateChanges');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: [{ 'anything-but': { wildcard: '*:alarm:vigil-test-alerting-*' } }],
      detail: {
        alarmName: [{ prefix: 'vigil-test-' }],
        $or: [
          { configuration: { description: [{ 'anything-but': { wildcard: '*"partOf":*' } }] } },
          { configuration: { description: [{ exists: false }] } },
          { configuration: { description: [null] } },
        ],
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['CloudWatch Alarm State Change'] }),
      Targets: [
        Match.objectLike({
          Arn: { Ref: aliasId },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  it('accepts classic notifications of outside alarms on an encrypted intake topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'vigil-test-alarm-intake',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { Ref: aliasId },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } },
    });
  });

  it('retries failed invocations twice, then keeps the event in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } } },
    });
  });
});

describe('business alerts and security events (how the patterns match AWS’s samples: event-rules.test.ts)', () => {
  const rules = () => Object.entries(template.findResources('AWS::Events::Rule'));
  const target = {
    Arn: { Ref: aliasId },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } },
    RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
  };

  it('takes every workload’s Business Alert from the platform bus, as the alarm rule reaches the enricher', () => {
    const [, rule] = onlyResource('AWS::Events::Rule', 'BusinessAlerts');
    expect(rule.Properties.EventBusName).toBe('vigil-test-platform');
    expect(rule.Properties.Name).toBe('vigil-test-business-alerts');
    expect(rule.Properties.EventPattern).toEqual({
      source: [{ 'anything-but': { prefix: 'aws.' } }],
      'detail-type': ['Business Alert'],
    });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining(target)]);
  });

  it('routes new, active, not informational Security Hub findings and this account’s Health events from the default bus', () => {
    const [, securityHub] = onlyResource('AWS::Events::Rule', 'SecurityHubFindings');
    expect(securityHub.Properties.EventBusName).toBeUndefined();
    expect(securityHub.Properties.EventPattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: {
        findings: {
          Workflow: { Status: ['NEW'] },
          RecordState: ['ACTIVE'],
          // GuardDuty is not routed here (securityEvents.guardDuty false): its copies are not left out.
          Severity: { Label: [{ 'anything-but': 'INFORMATIONAL' }] },
        },
      },
    });
    const [, health] = onlyResource('AWS::Events::Rule', 'HealthEvents');
    expect(health.Properties.EventBusName).toBeUndefined();
    expect(health.Properties.EventPattern).toEqual({
      source: ['aws.health'],
      'detail-type': ['AWS Health Event'],
      detail: { eventScopeCode: ['ACCOUNT_SPECIFIC'] },
    });
    for (const rule of [securityHub, health]) {
      expect(rule.Properties.Targets).toEqual([expect.objectContaining(target)]);
    }
  });

  it('makes no GuardDuty rule when the configuration leaves GuardDuty out, and never enables a service', () => {
    expect(rules().filter(([id]) => id.startsWith('GuardDutyFindings'))).toEqual([]);
    expect(
      JSON.stringify(rules().map(([, rule]) => rule.Properties.EventPattern)).includes('aws.guardduty'),
    ).toBe(false);
    for (const type of ['AWS::GuardDuty::Detector', 'AWS::SecurityHub::Hub', 'AWS::SecurityHub::Standard']) {
      expect(template.findResources(type)).toEqual({});
    }
  });

  it('watches the business alert rule by its bus and name, as EventBridge publishes a custom bus’s metrics', () => {
    expect(alarms.get('vigil-test-alerting-business-alerts-failed-invocations')?.Dimensions).toEqual([
      { Name: 'EventBusName', Value: 'vigil-test-platform' },
      { Name: 'RuleName', Value: 'vigil-test-business-alerts' },
    ]);
  });

  it.each([
    'vigil-test-alerting-business-alerts-failed-invocations',
    'vigil-test-alerting-security-hub-findings-failed-invocations',
    'vigil-test-alerting-health-events-failed-invocations',
  ])('%s pages when the rule cannot invoke the enricher', (name) => {
    const alarm = alarms.get(name);
    expect(tag(alarm, 'vigil:severity')).toBe('critical');
    expect(alarm?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^TopicsCritical/) }]);
  });
});

describe('flapping episodes', () => {
  it('are checked every 5 minutes by a scheduled rule invoking the enricher', () => {
    const [, rule] = onlyResource('AWS::Events::Rule', 'FlappingCheck');
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    expect(JSON.stringify(rule.Properties.Targets)).toContain(aliasId);
  });

  it('are found through a sparse index the enricher may only query', () => {
    const [tableId, table] = onlyResource('AWS::DynamoDB::Table', 'EpisodeTable');
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'flapping',
        KeySchema: [
          { AttributeName: 'flappingIndex', KeyType: 'HASH' },
          { AttributeName: 'settleAfter', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['alarmName'] },
      },
    ]);
    expect(resourcesFor('dynamodb:Query')).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/flapping']] },
    ]);
  });
});

describe('enricher', () => {
  it('runs Node 24 on arm64 and is told its settings by the environment', () => {
    expect(enricher.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 30,
    });
    const variables = (enricher.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      CHAT_TOPIC_ARNS: JSON.stringify({ critical: CHAT }),
      PAGERDUTY_SECRET_NAMES: JSON.stringify({ critical: SECRET }),
      CONTEXT_DEADLINE_MS: '2000',
      FLAP_TRANSITIONS: '5',
      FLAP_WINDOW_MINUTES: '20',
      OUTSIDE_ALARM_SEVERITY: 'warning',
      GRAPH_URL_TTL_SECONDS: '43200',
    });
    // Each playbook's own mode and approval, not the environment's mode: an alert never says
    // "dry-run" about a playbook that acts.
    expect(JSON.parse(variables.REMEDIATION_PLAYBOOKS as string)).toEqual({
      'lambda-alias-rollback': { mode: 'dry-run', approval: false },
      'lambda-concurrency': { mode: 'enforce', approval: true },
      'dlq-redrive': { mode: 'dry-run', approval: false },
    });
    for (const name of ['CRITICAL_TOPIC_ARN', 'HIGH_TOPIC_ARN', 'WARNING_TOPIC_ARN', 'INFO_TOPIC_ARN']) {
      expect(variables[name]).toEqual({ Ref: expect.stringMatching(/^Topics/) });
    }
  });

  it('tells the same playbook policies the remediation dispatcher starts runs with', () => {
    const dispatcher = Object.entries(
      Template.fromStack(stacks.remediation).findResources('AWS::Lambda::Function'),
    ).find(([id]) => id.startsWith('DispatcherFunction'))?.[1];
    if (dispatcher === undefined) throw new Error('no dispatcher function in the remediation stack');
    const playbooks = JSON.stringify(
      (dispatcher.Properties.Environment as { Variables: Record<string, unknown> }).Variables.PLAYBOOKS,
    );
    // The dispatcher's setting is a JSON string joined around state machine ARNs: read its pieces.
    expect(playbooks).toMatch(/lambda-concurrency.{0,400}mode\\":\\"enforce\\",\\"approval\\":true/);
    expect(playbooks).toMatch(/dlq-redrive.{0,400}mode\\":\\"dry-run\\",\\"approval\\":false/);
  });

  it('sets every variable the handler reads, in the form it accepts', () => {
    const variables = (enricher.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    // References resolve at deploy time; stand in plausible values of the kind each one returns.
    const parsed = readEnricherConfig(deployedEnvironment(variables, stacks.alerting));
    expect(parsed.destinations.critical).toMatchObject({ chatTopicArn: CHAT, pagerDutySecretName: SECRET });
    expect(parsed).toMatchObject({
      contextDeadlineMs: 2000,
      flapTransitions: 5,
      outsideAlarmSeverity: 'warning',
    });
  });

  it('may publish only to the four topics and the configured chat topic', () => {
    const targets = resourcesFor('sns:Publish');
    expect(targets).toHaveLength(5);
    expect(targets).toContain(CHAT);
  });

  it('reads only the configured PagerDuty secret', () => {
    expect(JSON.stringify(resourcesFor('secretsmanager:GetSecretValue'))).toContain(
      `:secret:${SECRET}-??????`,
    );
  });

  // DescribeAlarms takes the alarm resource type, but returns composite alarms only when granted on *
  // (DescribeAlarms, CloudWatch API Reference): the enricher describes composite alarms' children.
  it('uses wildcard resources only for APIs without resource-level permissions, and DescribeAlarms', () => {
    const wildcard = statements()
      .filter((statement) => [statement.Resource].flat().includes('*'))
      .flatMap((statement) => [statement.Action].flat())
      .sort();
    expect(wildcard).toEqual(
      [
        'cloudtrail:LookupEvents',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetMetricData',
        'cloudwatch:GetMetricWidgetImage',
        'logs:GetQueryResults',
        'logs:StopQuery',
        'xray:GetTraceSummaries',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('writes only graphs and copies of unreadable events, under their prefixes, which expire', () => {
    const written = JSON.stringify(resourcesFor('s3:PutObject'));
    expect(written).toContain('/graphs/*');
    expect(written).toContain('/unreadable/*');
    expect(resourcesFor('s3:PutObject')).toHaveLength(2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ Prefix: 'graphs/', ExpirationInDays: 30, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'unreadable/', ExpirationInDays: 30, Status: 'Enabled' }),
        ],
      },
    });
  });
});

describe('episodes', () => {
  it('keeps episodes in a KMS-encrypted table keyed by alarm and record, with TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'alarm', KeyType: 'HASH' },
        { AttributeName: 'record', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('watchdogs: the alerting path is watched without going through it', () => {
  it.each([
    ['vigil-test-alerting-enricher-errors', 'critical'],
    ['vigil-test-alerting-dead-letters-dead-letter-messages', 'critical'],
    ['vigil-test-alerting-subscription-dead-letters-dead-letter-messages', 'critical'],
    ['vigil-test-alerting-alarm-state-changes-failed-invocations', 'critical'],
  ])('%s notifies the %s topic directly', (name, severity) => {
    const alarm = alarms.get(name);
    expect(tag(alarm, 'vigil:severity')).toBe(severity);
    expect(alarm?.AlarmActions).toEqual([
      { Ref: expect.stringMatching(new RegExp(`^Topics${severity.charAt(0).toUpperCase()}`)) },
    ]);
  });

  it('watches every severity topic for failed deliveries', () => {
    for (const severity of ['critical', 'high', 'warning', 'info']) {
      expect(alarms.has(`vigil-test-alerting-${severity}-topic-notifications-failed`)).toBe(true);
    }
  });

  it('the enricher function is the one monitored, by name', () => {
    const errors = alarms.get('vigil-test-alerting-enricher-errors');
    expect(JSON.stringify(errors)).toContain(enricherId);
  });
});
