import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadConfig } from '../../config/load-config';
import { formatSummaryTable, type StackSummary, summarizeAssembly } from '../../scripts/synth-summary';
import { addComplianceGate } from '../../stacks/compliance-gate';
import { newApp, vigilStacks, WITHOUT_BUNDLING } from '../support/synth-vigil';

describe('summarizeAssembly', () => {
  it('lists each Vigil stack with its resources and functions, and no findings', () => {
    const { app } = vigilStacks(loadConfig('dev'), WITHOUT_BUNDLING);
    expect(summarizeAssembly(app.synth())).toEqual([
      { stack: 'vigil-dev-core', resources: 8, alarms: 0, functions: 0, monitoringUsd: 0, findings: [] },
      {
        stack: 'vigil-dev-cost',
        // No anomaly monitor or subscription: dev names no monitor, and Vigil no longer creates the
        // account's one service-wide monitor by default. The reporter's four saved log queries.
        resources: 36,
        alarms: 9,
        functions: 1,
        monitoringUsd: 1.3,
        findings: [],
      },
      {
        stack: 'vigil-dev-log-archive',
        // The error-object rule sends notices to a queue (and its policy); the rule's own monitor adds
        // its failed-invocations and throttled-rules alarms.
        resources: 66,
        alarms: 12,
        functions: 3,
        monitoringUsd: 1.2,
        findings: [],
      },
      {
        stack: 'vigil-dev-upload-site',
        // The site bucket and its log bucket, the distribution (OAC, headers and two cache policies,
        // additional metrics), two file deployments with CDK's handler, and the 5xx and latency alarms.
        resources: 20,
        alarms: 2,
        functions: 1,
        monitoringUsd: 0.2,
        findings: [],
      },
      {
        stack: 'vigil-dev-alerting',
        // The business, GuardDuty, Security Hub and Health rules with their permissions and three
        // watchdogs each; the enricher's four saved log queries.
        resources: 83,
        alarms: 38,
        functions: 1,
        monitoringUsd: 8,
        findings: [],
      },
      {
        stack: 'vigil-dev-predictor',
        // The site's config.json deployment (CDK's handler, its role, policy and log group) and four
        // saved log queries.
        resources: 100,
        alarms: 43,
        functions: 3,
        monitoringUsd: 12.6,
        findings: [],
      },
      {
        stack: 'vigil-dev-remediation',
        resources: 136,
        alarms: 59,
        functions: 6,
        monitoringUsd: 12.1,
        findings: [],
      },
      {
        stack: 'vigil-dev-dashboards',
        // The live-dashboard updater: function, schedule, tag-change rule, dead-letter queue, alarms.
        resources: 35,
        alarms: 16,
        functions: 1,
        monitoringUsd: 5,
        findings: [],
      },
    ]);
  });

  it('counts alarms and functions, and attributes each finding to the stack that owns it', () => {
    const app = newApp({ '@aws-cdk/core:failSynthOnValidationErrors': false });
    addComplianceGate(app);

    const watched = new Stack(app, 'Watched');
    const fn = new lambda.Function(watched, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
      timeout: Duration.seconds(5),
    });
    fn.metricErrors().createAlarm(watched, 'Errors', { threshold: 1, evaluationPeriods: 1 });
    const throttles = new cloudwatch.Alarm(watched, 'Throttles', {
      metric: fn.metricThrottles(),
      threshold: 1,
      evaluationPeriods: 1,
    });
    new cloudwatch.CompositeAlarm(watched, 'Any', { alarmRule: cloudwatch.AlarmRule.anyOf(throttles) });

    const leaky = new Stack(app, 'Leaky');
    const bucket = new s3.Bucket(leaky, 'Plain', { enforceSSL: true });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'acknowledged in a unit test' });
    new s3.Bucket(leaky, 'NoSsl');

    const summaries = summarizeAssembly(app.synth());
    const watchedSummary = summaries.find((summary) => summary.stack === 'Watched');
    const leakySummary = summaries.find((summary) => summary.stack === 'Leaky');
    expect(watchedSummary).toMatchObject({ stack: 'Watched', alarms: 3, functions: 1 });
    expect(watchedSummary?.findings.every((finding) => finding.constructPath.startsWith('Watched/'))).toBe(
      true,
    );
    expect(watchedSummary?.findings.map((finding) => finding.rule)).toContain('Serverless-LambdaTracing');

    expect(leakySummary).toMatchObject({ stack: 'Leaky', alarms: 0, functions: 0 });
    const leakyRules = leakySummary?.findings.map((finding) => `${finding.rule} ${finding.constructPath}`);
    expect(leakyRules).toContain('AwsSolutions-S10 Leaky/NoSsl/Resource');
    expect(leakyRules).toContain('AwsSolutions-S1 Leaky/NoSsl/Resource');
    expect(leakyRules).not.toContain('AwsSolutions-S1 Leaky/Plain/Resource');
  });
});

describe('formatSummaryTable', () => {
  it('aligns names left, numbers right, and totals every column', () => {
    const finding = {
      plugin: 'AwsSolutions',
      rule: 'AwsSolutions-S1',
      description: 'd',
      constructPath: 'a/b',
    };
    const summaries: StackSummary[] = [
      { stack: 'vigil-dev-core', resources: 8, alarms: 0, functions: 0, monitoringUsd: 0, findings: [] },
      {
        stack: 'vigil-dev-predictor',
        resources: 41,
        alarms: 12,
        functions: 3,
        monitoringUsd: 4.5,
        findings: [finding],
      },
    ];
    expect(formatSummaryTable(summaries).split('\n')).toEqual([
      'Stack                Resources  Alarms  Lambda functions  Monitoring $/month  Unacknowledged findings',
      '-------------------  ---------  ------  ----------------  ------------------  -----------------------',
      'vigil-dev-core               8       0                 0                0.00                        0',
      'vigil-dev-predictor         41      12                 3                4.50                        1',
      '-------------------  ---------  ------  ----------------  ------------------  -----------------------',
      'Total                       49      12                 3                4.50                        1',
    ]);
  });
});
