import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { loadConfig } from '../../../config/load-config';
import type {
  AlarmDefinition,
  MetricAlarmDefinition,
} from '../../../constructs/alarm-engine/alarm-definition';
import { parseCompositeRule, referencedAlarmName } from '../../../constructs/alarm-engine/composite-rule';
import { alarmsFromAssembly, alarmsFromTemplate } from '../../../constructs/alarm-engine/template-alarms';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { newFunction } from '../../support/alarm-template';
import { newApp, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../../support/synth-vigil';

const ALARM_TYPES = new Set(['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']);

/** Alarm resources in every template file of an assembly directory, nested templates included. */
function alarmResourcesIn(directory: string): number {
  return fs
    .readdirSync(directory)
    .filter((file) => file.endsWith('.template.json'))
    .flatMap((file) => {
      const template = JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8'));
      return Object.values(template.Resources ?? {}) as { Type: string }[];
    })
    .filter((resource) => ALARM_TYPES.has(resource.Type)).length;
}

/** Every composite's children are alarms of the result, by name or by ARN. */
function unknownChildren(alarms: readonly AlarmDefinition[]): string[] {
  const names = new Set(alarms.map((alarm) => alarm.name));
  const arns = new Set(alarms.map((alarm) => alarm.arn));
  return alarms.flatMap((alarm) =>
    alarm.kind === 'composite'
      ? parseCompositeRule(alarm.rule)
          .children()
          .filter((child) => !arns.has(child) && !names.has(referencedAlarmName(child)))
      : [],
  );
}

describe('alarmsFromAssembly', () => {
  const assembly = vigilStacks(loadConfig('dev'), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).app.synth();
  const { alarms, problems } = alarmsFromAssembly(assembly.directory, {
    region: 'eu-west-1',
    account: '111122223333',
  });

  it('reads every alarm and composite alarm of the synthesized dev app', () => {
    expect(alarms).toHaveLength(alarmResourcesIn(assembly.directory));
    expect(alarms.filter((alarm) => alarm.kind === 'composite').length).toBeGreaterThan(0);
    expect(new Set(alarms.map((alarm) => alarm.name)).size).toBe(alarms.length);
    expect(problems.filter((problem) => problem.includes('left out'))).toEqual([]);
  });

  it('resolves every composite rule to ARNs of alarms it read, in the region and account asked for', () => {
    const health = alarms.find((alarm) => alarm.name === 'vigil-dev-alerting-service-health');
    expect(health?.kind).toBe('composite');
    const children = parseCompositeRule(health?.kind === 'composite' ? health.rule : '').children();
    expect(children).toContain(
      'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:vigil-dev-alerting-episodes-system-errors',
    );
    expect(unknownChildren(alarms)).toEqual([]);
  });

  it('resolves a Metrics Insights query built with Fn::Join, naming the table it could not name', () => {
    const systemErrors = alarms.find((alarm) => alarm.name === 'vigil-dev-alerting-episodes-system-errors');
    const query = (systemErrors as MetricAlarmDefinition).metrics?.[0];
    expect(query?.expression).toMatch(
      /^SELECT SUM\(SystemErrors\) FROM SCHEMA\("AWS\/DynamoDB", Operation, TableName\) WHERE TableName = 'EpisodeTable[0-9A-F]{8}'$/,
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^vigil-dev-alerting\/EpisodeTable[0-9A-F]{8}: AWS::DynamoDB::Table has no TableName/,
      ),
    );
  });

  it('uses the deployed names physicalId supplies, and then has nothing to guess about them', () => {
    const named = alarmsFromAssembly(assembly.directory, {
      physicalId: (logicalId) => `deployed-${logicalId}`,
    });
    const systemErrors = named.alarms.find(
      (alarm) => alarm.name === 'vigil-dev-alerting-episodes-system-errors',
    );
    expect((systemErrors as MetricAlarmDefinition).metrics?.[0]?.expression).toMatch(
      /WHERE TableName = 'deployed-EpisodeTable[0-9A-F]{8}'$/,
    );
    expect(named.problems.filter((problem) => problem.includes('logical id stands in'))).toEqual([]);
  });

  it('reads the alarms of nested stacks, found through the asset manifests when asset metadata is off', () => {
    const app = newApp();
    const workload = new Stack(app, 'Workload');
    const functions = Array.from({ length: 4 }, (_, index) => newFunction(workload, `Fn${index}`));
    const monitoring = new ServiceMonitoring(new Stack(app, 'Monitoring'), 'Fleet', {
      service: 'fleet',
      maxResourcesPerNestedStack: 20,
    });
    for (const fn of functions) monitoring.monitorLambda(fn);
    const directory = app.synth().directory;
    const nestedFiles = fs.readdirSync(directory).filter((file) => file.endsWith('.nested.template.json'));
    expect(nestedFiles.length).toBeGreaterThan(1);

    const read = alarmsFromAssembly(directory);
    expect(read.alarms).toHaveLength(alarmResourcesIn(directory));
    expect(read.alarms).toHaveLength(monitoring.createdAlarms().length);
    expect(unknownChildren(read.alarms)).toEqual([]);
    expect(read.problems.filter((problem) => problem.includes('left out'))).toEqual([]);
  });
});

describe('alarmsFromTemplate', () => {
  const teamTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      OrdersErrors: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: 'orders-errors',
          AlarmDescription: 'Orders API returns errors',
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: 'orders-api' }],
          Statistic: 'Sum',
          Period: '60',
          Threshold: '5',
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 5,
          DatapointsToAlarm: 3,
          TreatMissingData: 'notBreaching',
        },
      },
      OrdersLatency: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: 'orders-p99',
          Namespace: 'AWS/Lambda',
          MetricName: 'Duration',
          Dimensions: [{ Name: 'FunctionName', Value: 'orders-api' }],
          ExtendedStatistic: 'p99',
          Period: 300,
          Unit: 'Milliseconds',
          Threshold: 2000,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 3,
          EvaluateLowSampleCountPercentile: 'ignore',
        },
      },
      OrdersErrorRate: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: 'orders-error-rate',
          Metrics: [
            { Id: 'rate', Expression: '100 * errors / invocations', Label: 'Error rate', ReturnData: true },
            {
              Id: 'errors',
              ReturnData: false,
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/Lambda',
                  MetricName: 'Errors',
                  Dimensions: [{ Name: 'FunctionName', Value: 'orders-api' }],
                },
                Period: 60,
                Stat: 'Sum',
              },
            },
            {
              Id: 'invocations',
              ReturnData: false,
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/Lambda',
                  MetricName: 'Invocations',
                  Dimensions: [{ Name: 'FunctionName', Value: 'orders-api' }],
                },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 5,
        },
      },
      OrdersDown: {
        Type: 'AWS::CloudWatch::CompositeAlarm',
        Properties: {
          AlarmName: 'orders-down',
          AlarmRule: 'ALARM(orders-errors) AND (ALARM("orders-p99") OR ALARM(orders-error-rate))',
          ActionsSuppressor: 'orders-maintenance',
        },
      },
    },
  };

  it('reads a hand-written team template of plain strings, numbers written as text included', () => {
    const { alarms, problems } = alarmsFromTemplate(teamTemplate);
    expect(problems).toEqual([]);
    expect(alarms).toEqual([
      {
        kind: 'metric',
        name: 'orders-errors',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-errors',
        description: 'Orders API returns errors',
        metricStat: {
          metric: {
            namespace: 'AWS/Lambda',
            metricName: 'Errors',
            dimensions: { FunctionName: 'orders-api' },
          },
          period: 60,
          stat: 'Sum',
        },
        threshold: 5,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: 'notBreaching',
      },
      {
        kind: 'metric',
        name: 'orders-p99',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-p99',
        metricStat: {
          metric: {
            namespace: 'AWS/Lambda',
            metricName: 'Duration',
            dimensions: { FunctionName: 'orders-api' },
          },
          period: 300,
          stat: 'p99',
          unit: 'Milliseconds',
        },
        threshold: 2000,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 3,
        evaluateLowSampleCountPercentile: 'ignore',
      },
      {
        kind: 'metric',
        name: 'orders-error-rate',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-error-rate',
        metrics: [
          { id: 'rate', expression: '100 * errors / invocations', label: 'Error rate', returnData: true },
          {
            id: 'errors',
            returnData: false,
            metricStat: {
              metric: {
                namespace: 'AWS/Lambda',
                metricName: 'Errors',
                dimensions: { FunctionName: 'orders-api' },
              },
              period: 60,
              stat: 'Sum',
            },
          },
          {
            id: 'invocations',
            returnData: false,
            metricStat: {
              metric: {
                namespace: 'AWS/Lambda',
                metricName: 'Invocations',
                dimensions: { FunctionName: 'orders-api' },
              },
              period: 60,
              stat: 'Sum',
            },
          },
        ],
        threshold: 1,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 5,
      },
      {
        kind: 'composite',
        name: 'orders-down',
        arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-down',
        rule: 'ALARM(orders-errors) AND (ALARM("orders-p99") OR ALARM(orders-error-rate))',
        actionsSuppressor: 'orders-maintenance',
      },
    ]);
  });

  it('yields no alarms from a template without any', () => {
    const template = { Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } } } };
    expect(alarmsFromTemplate(template)).toEqual({ alarms: [], problems: [] });
    expect(alarmsFromTemplate({})).toEqual({ alarms: [], problems: [] });
  });

  it('resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Select/Fn::Split and pseudo parameters the way CloudFormation returns them', () => {
    const template = {
      Resources: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, not a JS template
        Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-jobs' } } },
        Worker: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'worker' } },
        Backlog: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: {
              'Fn::Join': [
                '-',
                [{ Ref: 'AWS::StackName' }, { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/backlog/b'] }] }],
              ],
            },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, not a JS template
            AlarmDescription: { 'Fn::Sub': 'queue ${Jobs.Arn} in ${AWS::Partition} ${AWS::URLSuffix}' },
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['Jobs', 'QueueName'] } }],
            Statistic: 'Maximum',
            Period: 60,
            Threshold: 100,
            ComparisonOperator: 'GreaterThanThreshold',
            EvaluationPeriods: 1,
            Unit: { Ref: 'AWS::NoValue' },
          },
        },
        Failures: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Namespace: 'AWS/States',
            MetricName: 'ExecutionsFailed',
            Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'Worker' } }],
            Statistic: 'Sum',
            Period: 300,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            EvaluationPeriods: 1,
          },
        },
        Either: {
          Type: 'AWS::CloudWatch::CompositeAlarm',
          Properties: {
            AlarmName: 'either',
            AlarmRule: {
              'Fn::Join': [
                '',
                ['ALARM("', { 'Fn::GetAtt': ['Backlog', 'Arn'] }, '") OR ALARM(', { Ref: 'Failures' }, ')'],
              ],
            },
          },
        },
      },
    };
    const { alarms, problems } = alarmsFromTemplate(template, {
      stackName: 'shop',
      region: 'eu-west-1',
      account: '111122223333',
    });
    const [backlog, failures, either] = alarms as [
      MetricAlarmDefinition,
      MetricAlarmDefinition,
      AlarmDefinition,
    ];
    expect(backlog.name).toBe('shop-backlog');
    expect(backlog.description).toBe(
      'queue arn:aws:sqs:eu-west-1:111122223333:shop-jobs in aws amazonaws.com',
    );
    expect(backlog.metricStat?.metric.dimensions).toEqual({ QueueName: 'shop-jobs' });
    expect(backlog.metricStat).not.toHaveProperty('unit');
    expect(failures.metricStat?.metric.dimensions).toEqual({
      StateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:worker',
    });
    // No AlarmName: CloudFormation generates one; the reader says so and uses <stack>-<logicalId>-<suffix>.
    expect(failures.name).toMatch(/^shop-Failures-[0-9A-F]{12}$/);
    expect(problems).toEqual([
      expect.stringMatching(/^shop\/Failures: no AlarmName; CloudFormation generates one/),
    ]);
    expect(either).toMatchObject({
      kind: 'composite',
      rule: `ALARM("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:shop-backlog") OR ALARM(${failures.name})`,
    });
    expect(unknownChildren(alarms)).toEqual([]);
  });

  it('leaves out, and names, an alarm it cannot resolve or whose rule CloudWatch would reject', () => {
    const template = {
      Resources: {
        Conditional: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: { 'Fn::If': ['IsProd', 'prod-errors', 'dev-errors'] },
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Statistic: 'Sum',
            Period: 60,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanThreshold',
            EvaluationPeriods: 1,
          },
        },
        Broken: {
          Type: 'AWS::CloudWatch::CompositeAlarm',
          Properties: { AlarmName: 'broken', AlarmRule: 'ALARM(a) OR ALARM(b' },
        },
      },
    };
    expect(alarmsFromTemplate(template, { stackName: 'app' })).toEqual({
      alarms: [],
      problems: [
        'app/Conditional: left out: Fn::If is not evaluated here',
        'app/Broken: left out: expected ")" to close ALARM( but found the end of the rule at character 20',
      ],
    });
  });
});
