import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { type EventPattern, matchesEventPattern } from '../../scripts/local-loop/event-pattern';
import { DashboardsStack } from '../../stacks/dashboards-stack';
import { tagChange } from '../lambda/dashboard-updater/updater-fixtures';
import {
  configWith,
  newApp,
  vigilStacks,
  WITHOUT_BUNDLING,
  WITHOUT_CFN_VALIDATION,
} from '../support/synth-vigil';

const config = configWith({
  account: '123456789012',
  region: 'eu-west-1',
  dashboards: { liveRefreshMinutes: 5 },
});
const { stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.dashboards);

const updaterId = () => {
  const [id] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) =>
    JSON.stringify(fn.Properties.Description ?? '').includes('Live dashboards'),
  ) ?? [''];
  return id;
};

/** Every statement of the updater's role policies. */
function updaterStatements(): { Action: string | string[]; Resource: unknown }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes('LiveDashboardUpdaterRole'),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('live dashboard updater', () => {
  it('is a platform function told its environment, one run at a time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Live dashboards'),
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          ENVIRONMENT_NAME: 'test',
          POWERTOOLS_SERVICE_NAME: 'dashboard-updater',
          POWERTOOLS_METRICS_NAMESPACE: 'Vigil/Dashboards',
        }),
      },
    });
    expect(updaterId()).not.toBe('');
  });

  it('runs on the configured schedule and on changes of the service or environment tag, both through the live alias', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    const schedule = rules.find((rule) => rule.Properties.ScheduleExpression);
    expect(schedule?.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const tagRule = rules.find((rule) => rule.Properties.EventPattern?.source?.[0] === 'aws.tag');
    expect(tagRule?.Properties.EventPattern).toEqual({
      source: ['aws.tag'],
      'detail-type': ['Tag Change on Resource'],
      detail: { 'changed-tag-keys': ['vigil:service', 'Environment'] },
    });
    for (const rule of [schedule, tagRule]) {
      expect(rule?.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { Ref: expect.stringMatching(/^LiveDashboardUpdaterLive/) },
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^UpdaterDeadLetters/), 'Arn'] } },
        }),
      ]);
    }
  });

  it('matches the documented tag-change event only when one of its tags changed', () => {
    const tagRule = Object.values(template.findResources('AWS::Events::Rule')).find(
      (rule) => rule.Properties.EventPattern?.source?.[0] === 'aws.tag',
    );
    const pattern = tagRule?.Properties.EventPattern as EventPattern;
    const sample = tagChange();
    expect(matchesEventPattern(pattern, sample)).toBe(false);
    const ours = {
      ...sample,
      detail: { ...(sample.detail as object), 'changed-tag-keys': ['Owner', 'vigil:service'] },
    };
    expect(matchesEventPattern(pattern, ours)).toBe(true);
  });

  it('may read tags and list dashboards anywhere (no resource-level permissions), and touch only this environment’s live dashboards', () => {
    const statements = updaterStatements();
    const actions = (statement: { Action: string | string[] }) => [statement.Action].flat();
    const open = statements.filter((statement) => statement.Resource === '*');
    expect(open.flatMap(actions).sort()).toEqual([
      'cloudwatch:ListDashboards',
      'tag:GetResources',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const dashboards = statements.find((statement) => actions(statement).includes('cloudwatch:PutDashboard'));
    expect(actions(dashboards ?? { Action: [] }).sort()).toEqual([
      'cloudwatch:DeleteDashboards',
      'cloudwatch:GetDashboard',
      'cloudwatch:PutDashboard',
    ]);
    // Global (no region), this account, names of the live form only: `vigil-test-predictor` is out of reach.
    expect(dashboards?.Resource).toBe('arn:aws:cloudwatch::123456789012:dashboard/vigil-test-*-live*');
    // Nothing else of CloudWatch, and no other service's write actions.
    const all = statements.flatMap(actions);
    expect(all.filter((action) => action.startsWith('cloudwatch:')).sort()).toEqual([
      'cloudwatch:DeleteDashboards',
      'cloudwatch:GetDashboard',
      'cloudwatch:ListDashboards',
      'cloudwatch:PutDashboard',
    ]);
  });

  it('keeps failed runs in an encrypted dead-letter queue and is watched by alarms of its own', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^LiveDashboardUpdaterFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UpdaterDeadLetters'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
    const alarmNames = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties.AlarmName as string,
    );
    expect(alarmNames).toEqual(
      expect.arrayContaining([
        'vigil-test-dashboards-live-dashboard-updater-errors',
        'vigil-test-dashboards-updater-dead-letters-dead-letter-messages',
      ]),
    );
  });
});

describe('the updater’s key', () => {
  it('is the key passed in (the platform key), so the stack makes none of its own', () => {
    const app = newApp(WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
    const env = { account: '123456789012', region: 'eu-west-1' };
    const core = new Stack(app, 'Core', { env });
    const key = new kms.Key(core, 'PlatformKey');
    const dashboards = new DashboardsStack(app, 'Dashboards', { env, config, services: [], key });
    const own = Template.fromStack(dashboards);
    own.resourceCountIs('AWS::KMS::Key', 0);
    // A reference to the other stack's key (this app's feature flags make it Fn::GetStackOutput).
    const [logGroup] = Object.values(own.findResources('AWS::Logs::LogGroup'));
    expect(JSON.stringify(logGroup?.Properties.KmsKeyId)).toContain('PlatformKey');
  });
});
