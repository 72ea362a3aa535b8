import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { anomalyThresholdExpression, CostAnomalyAlerts } from '../../constructs/cost/cost-anomaly-alerts';
import { CostBudget } from '../../constructs/cost/cost-budget';
import { ANOMALY_ALERTS_OFF } from '../../stacks/cost-stack';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

/** The account's service-wide monitor, made by AWS or by another environment. */
const SERVICES_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const config = configWith({
  account: '123456789012',
  region: 'eu-west-1',
  budget: {
    monthlyLimitUsd: 250,
    tagBudgets: [{ tagKey: 'Owner', tagValue: 'team-orders', monthlyLimitUsd: 40 }],
  },
  cost: {
    emails: ['finance@example.org'],
    anomalyAbsoluteUsd: 75,
    anomalyPercent: 15,
    existingMonitorArns: [SERVICES_MONITOR],
    tagMonitors: [{ tagKey: 'Owner', tagValues: ['team-orders'] }],
  },
});
const { stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.cost);

describe('placement', () => {
  it('lives in us-east-1, where Budgets and Cost Explorer are, whatever the environment’s region', () => {
    expect(stacks.cost.region).toBe('us-east-1');
    expect(stacks.core.region).toBe('eu-west-1');
  });
});

describe('budgets', () => {
  it('alerts the cost topic at 80% and 100% actual and 100% forecasted of the monthly limit', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 250, Unit: 'USD' },
        BudgetName: Match.stringLikeRegexp('^vigil-test-monthly-[0-9a-f]{8}$'),
      }),
      NotificationsWithSubscribers: [
        ['ACTUAL', 80],
        ['ACTUAL', 100],
        ['FORECASTED', 100],
      ].map(([type, threshold]) => ({
        Notification: {
          NotificationType: type,
          ComparisonOperator: 'GREATER_THAN',
          Threshold: threshold,
          ThresholdType: 'PERCENTAGE',
        },
        Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('^CostTopic') } }],
      })),
    });
  });

  it('adds a budget per configured tag value', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({
        BudgetLimit: { Amount: 40, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:Owner$team-orders'] },
      }),
    });
  });

  it('renames a budget only when its notifications change (a replacement); a new limit updates it in place', () => {
    const named = (limitUsd: number, thresholdPercent: number) => {
      const stack = new Stack(new App(), 'S');
      return new CostBudget(stack, 'B', {
        namePrefix: 'b',
        limitUsd,
        topic: new sns.Topic(stack, 'T'),
        notifications: [{ type: 'ACTUAL', thresholdPercent }],
      }).budgetName;
    };
    expect(named(100, 80)).toBe(named(100, 80));
    expect(named(100, 80)).not.toBe(named(100, 90));
    // Raising the limit keeps the budget, and with it its history.
    expect(named(100, 80)).toBe(named(120, 80));
  });

  it('fails synthesis for a DAILY budget with a FORECASTED notification, which AWS Budgets rejects', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new CostBudget(stack, 'B', {
      namePrefix: 'b',
      limitUsd: 5,
      timeUnit: 'DAILY',
      topic: new sns.Topic(stack, 'T'),
    });
    expect(() => app.synth()).toThrow(/a DAILY budget accepts only ACTUAL notifications/);
  });
});

describe('cost anomaly detection', () => {
  const subscriptionOf = (t: Template) => {
    const subscriptions = Object.values(t.findResources('AWS::CE::AnomalySubscription'));
    expect(subscriptions).toHaveLength(1);
    return subscriptions[0]?.Properties;
  };

  it('creates no service-wide monitor unless told to: AWS allows one per account', () => {
    template.resourcePropertiesCountIs('AWS::CE::AnomalyMonitor', { MonitorDimension: 'SERVICE' }, 0);
    template.resourceCountIs('AWS::CE::AnomalyMonitor', 1);
    template.hasResourceProperties('AWS::CE::AnomalyMonitor', {
      MonitorType: 'CUSTOM',
      MonitorSpecification: JSON.stringify({ Tags: { Key: 'Owner', Values: ['team-orders'] } }),
    });
  });

  it('subscribes the existing monitor by its ARN and the tag monitor, at once, to the cost topic', () => {
    const subscription = subscriptionOf(template);
    expect(subscription).toMatchObject({
      Frequency: 'IMMEDIATE',
      Subscribers: [{ Type: 'SNS', Address: { Ref: expect.stringMatching(/^CostTopic/) } }],
    });
    expect(subscription.MonitorArnList).toEqual([
      SERVICES_MONITOR,
      { 'Fn::GetAtt': [expect.stringMatching(/^AnomaliesTagMonitor0/), 'MonitorArn'] },
    ]);
  });

  it('alerts only when an anomaly reaches $75 AND 15% of the expected spend', () => {
    expect(JSON.parse(subscriptionOf(template).ThresholdExpression)).toEqual({
      And: [
        {
          Dimensions: {
            Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE',
            MatchOptions: ['GREATER_THAN_OR_EQUAL'],
            Values: ['75'],
          },
        },
        {
          Dimensions: {
            Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE',
            MatchOptions: ['GREATER_THAN_OR_EQUAL'],
            Values: ['15'],
          },
        },
      ],
    });
  });

  it('defaults to $50 AND 20%, and lets the dollars alone decide with anomalyPercent: null', () => {
    const defaults = configWith({}).cost;
    expect([defaults.anomalyAbsoluteUsd, defaults.anomalyPercent, defaults.serviceMonitor]).toEqual([
      50,
      20,
      false,
    ]);
    const absoluteOnly = Template.fromStack(
      vigilStacks(
        configWith({
          cost: { existingMonitorArns: [SERVICES_MONITOR], anomalyAbsoluteUsd: 200, anomalyPercent: null },
        }),
        WITHOUT_BUNDLING,
        WITHOUT_CFN_VALIDATION,
      ).stacks.cost,
    );
    expect(JSON.parse(subscriptionOf(absoluteOnly).ThresholdExpression)).toEqual({
      Dimensions: {
        Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE',
        MatchOptions: ['GREATER_THAN_OR_EQUAL'],
        Values: ['200'],
      },
    });
    expect(anomalyThresholdExpression(200)).toBe(subscriptionOf(absoluteOnly).ThresholdExpression);
  });

  it('creates the service-wide monitor in the environment that owns it (cost.serviceMonitor: true)', () => {
    const owner = Template.fromStack(
      vigilStacks(configWith({ cost: { serviceMonitor: true } }), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION)
        .stacks.cost,
    );
    owner.resourcePropertiesCountIs(
      'AWS::CE::AnomalyMonitor',
      { MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE', MonitorName: 'vigil-test-cost-services' },
      1,
    );
    expect(subscriptionOf(owner).MonitorArnList).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^AnomaliesServiceMonitor/), 'MonitorArn'] },
    ]);
  });

  it('turns anomaly alerts off, saying so at synthesis, when no monitor is configured (the default)', () => {
    const { stacks: unconfigured } = vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
    const cost = Template.fromStack(unconfigured.cost);
    cost.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
    cost.resourceCountIs('AWS::CE::AnomalySubscription', 0);
    expect(unconfigured.cost.anomalyAlerts).toBeUndefined();
    Annotations.fromStack(unconfigured.cost).hasInfo('*', ANOMALY_ALERTS_OFF);
    Annotations.fromStack(unconfigured.cost).hasNoWarning('*', Match.anyValue());
  });

  it.each([
    [
      'DAILY summaries without an email',
      { frequency: 'DAILY' as const, serviceMonitor: true },
      /DAILY anomaly summaries go by email/,
    ],
    ['no monitor at all', {}, /at least one monitor: give the account’s service-wide monitor/],
  ])('fails synthesis for %s', (_case, extra, message) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new CostAnomalyAlerts(stack, 'A', {
      namePrefix: 'a',
      topic: new sns.Topic(stack, 'T'),
      absoluteUsd: 1,
      percent: 1,
      ...extra,
    });
    expect(() => app.synth()).toThrow(message);
  });
});

describe('the cost topic', () => {
  it('is encrypted with a key that Budgets, Cost Anomaly Detection and SNS (its dead letters) may use for this account', () => {
    for (const service of ['budgets.amazonaws.com', 'costalerts.amazonaws.com', 'sns.amazonaws.com']) {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: service },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
    }
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'vigil-test-cost',
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('admits Budgets (with its source ARN) and Cost Anomaly Detection, for this account only', () => {
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0];
    const statements = policy?.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:budgets::123456789012:*' },
        },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'costalerts.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      }),
    );
  });

  it('sends to the finance address, with a redrive policy', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'finance@example.org',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });
});

describe('the monthly report', () => {
  it('runs on the configured day of the month', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6 3 * ? *)' });
  });

  it('is stored in a versioned, KMS-encrypted bucket, so a rerun adds a version', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
  });

  it('may read costs, budgets and write reports, nothing more', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const reporter = Object.entries(policies).find(([id]) => id.startsWith('ReporterRole'))?.[1];
    if (!reporter) throw new Error('no policy for the reporter role');
    const statements = reporter.Properties.PolicyDocument.Statement as { Action: string | string[] }[];
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        'ce:GetCostAndUsage',
        'ce:GetCostForecast',
        'ce:GetAnomalies',
        'budgets:ViewBudget',
      ]),
    );
    expect(actions.filter((action) => action.startsWith('ce:') && action.includes('Create'))).toEqual([]);
  });
});
