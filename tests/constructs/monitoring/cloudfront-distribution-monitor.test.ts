import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import {
  CloudFrontDistributionMonitor,
  type CloudFrontDistributionMonitorProps,
} from '../../../constructs/monitoring/cloudfront-distribution-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { type AlarmProperties, alarmsByName, description, tag } from '../../support/alarm-template';

const US_EAST_1 = { account: '123456789012', region: 'us-east-1' };

function newDistribution(
  stack: Stack,
  id = 'SiteDistribution',
  additionalMetrics = true,
): cloudfront.Distribution {
  const distribution = new cloudfront.Distribution(stack, id, {
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(new s3.Bucket(stack, `${id}Bucket`)),
    },
  });
  if (additionalMetrics) {
    new cloudfront.CfnMonitoringSubscription(stack, `${id}Metrics`, {
      distributionId: distribution.distributionId,
      monitoringSubscription: {
        realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' },
      },
    });
  }
  return distribution;
}

function monitorDistribution(
  props: Omit<CloudFrontDistributionMonitorProps, 'distribution'> = {},
  additionalMetrics = true,
): { app: App; stack: Stack; monitor: CloudFrontDistributionMonitor; alarms: Map<string, AlarmProperties> } {
  const app = new App();
  const stack = new Stack(app, 'S', { env: US_EAST_1 });
  const distribution = newDistribution(stack, 'SiteDistribution', additionalMetrics);
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
  const monitor = new CloudFrontDistributionMonitor(stack, 'Monitor', { distribution, monitoring, ...props });
  return { app, stack, monitor, alarms: alarmsByName(stack) };
}

describe('CloudFrontDistributionMonitor on a distribution with additional metrics', () => {
  const app = new App();
  const stack = new Stack(app, 'S', { env: US_EAST_1 });
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'shop',
    routing: routeToTopics({ high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const distribution = newDistribution(stack);
  const monitor = monitoring.monitorDistribution(distribution);
  const alarms = alarmsByName(stack);
  const errors = alarms.get('vigil-shop-site-distribution-5xx-error-rate');
  const latency = alarms.get('vigil-shop-site-distribution-origin-latency');
  const dimensions = [
    {
      Name: 'DistributionId',
      Value: { Ref: stack.getLogicalId(distribution.node.defaultChild as CfnElement) },
    },
    { Name: 'Region', Value: 'Global' },
  ];
  const ref = (topic: sns.Topic) => ({ Ref: stack.getLogicalId(topic.node.defaultChild as CfnElement) });

  it('makes the 5xx-rate and origin-latency alarms, named by the one rule, and reports them', () => {
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-site-distribution-5xx-error-rate',
      'vigil-shop-site-distribution-origin-latency',
    ]);
    expect(monitor.alarms).toHaveLength(2);
    expect(Object.keys(monitor.metrics).sort()).toEqual(['5xx-error-rate', 'origin-latency']);
  });

  it('raises high on more than 1% 5xx (Average of 5xxErrorRate) in 2 of 3 five-minute periods', () => {
    expect(errors).toMatchObject({
      Namespace: 'AWS/CloudFront',
      MetricName: '5xxErrorRate',
      Dimensions: dimensions,
      Statistic: 'Average',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(errors, 'vigil:severity')).toBe('high');
    expect(errors).toMatchObject({ AlarmActions: [ref(high)], OKActions: [ref(high)] });
  });

  it('warns on a p90 OriginLatency above 1 s in 3 consecutive five-minute periods', () => {
    expect(latency).toMatchObject({
      Namespace: 'AWS/CloudFront',
      MetricName: 'OriginLatency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p90',
      Period: 300,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(latency, 'vigil:severity')).toBe('warning');
    expect(latency).toMatchObject({ AlarmActions: [ref(warning)], OKActions: [ref(warning)] });
  });

  it('describes both alarms as JSON the enrichment Lambda parses, with runbooks', () => {
    expect(description(errors)).toMatchObject({
      vigil: 1,
      service: 'shop',
      resource: 'site-distribution',
      signal: '5xx-error-rate',
      severity: 'high',
      threshold: 'more than 1% of viewer requests, in 2 of 3 five-minute periods',
      runbook: 'https://runbooks.example.org/vigil/cloudfront-5xx-error-rate',
    });
    expect(description(latency)).toMatchObject({
      signal: 'origin-latency',
      severity: 'warning',
      threshold:
        'more than 1000 ms at p90, half the 2 s after which S3 advises retrying a small GET, in 3 consecutive five-minute periods',
      runbook: 'https://runbooks.example.org/vigil/cloudfront-origin-latency',
    });
  });

  it('keeps the metrics in us-east-1, where CloudFront publishes them', () => {
    expect(monitor.metrics['5xx-error-rate']?.toMetricConfig().metricStat?.region).toBe('us-east-1');
    expect(monitor.metrics['origin-latency']?.toMetricConfig().metricStat?.region).toBe('us-east-1');
  });
});

describe('CloudFrontDistributionMonitor and additional metrics', () => {
  it('makes no origin-latency alarm for a distribution without additional metrics', () => {
    const { alarms } = monitorDistribution({}, false);
    expect([...alarms.keys()]).toEqual(['vigil-shop-site-distribution-5xx-error-rate']);
  });

  it('fails synth when the origin-latency alarm is asked for and CloudFront would never publish its metric', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: US_EAST_1 });
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
    monitoring.monitorDistribution(newDistribution(stack, 'Unmeasured', false), { originLatencyAlarm: true });
    expect(() => app.synth()).toThrow(
      /S\/Unmeasured has no additional metrics[\s\S]*add a monitoring subscription or set originLatencyAlarm: false/,
    );
  });

  it('drops the origin-latency alarm when switched off', () => {
    const { alarms } = monitorDistribution({ originLatencyAlarm: false });
    expect([...alarms.keys()]).toEqual(['vigil-shop-site-distribution-5xx-error-rate']);
  });

  it('alarms on an imported distribution only when told it has additional metrics', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: US_EAST_1 });
    const imported = cloudfront.Distribution.fromDistributionAttributes(stack, 'Imported', {
      distributionId: 'E2EXAMPLE',
      domainName: 'd111111abcdef8.cloudfront.net',
    });
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
    monitoring.monitorDistribution(imported, { name: 'legacy' });
    monitoring.monitorDistribution(imported, { name: 'legacy-measured', originLatencyAlarm: true });
    expect([...alarmsByName(stack).keys()].sort()).toEqual([
      'vigil-shop-legacy-5xx-error-rate',
      'vigil-shop-legacy-measured-5xx-error-rate',
      'vigil-shop-legacy-measured-origin-latency',
    ]);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('CloudFrontDistributionMonitor placement', () => {
  it('cannot be made in a stack of another region: CloudFront metrics are only in us-east-1', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(
      () =>
        new CloudFrontDistributionMonitor(stack, 'Monitor', {
          distribution: newDistribution(stack),
          monitoring: new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' }),
        }),
    ).toThrow(/Cannot create an Alarm in region 'eu-west-1'/);
  });

  it('warns in a stack whose region is unknown at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new CloudFrontDistributionMonitor(stack, 'Monitor', {
      distribution: newDistribution(stack),
      monitoring: new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' }),
    });
    Annotations.fromStack(stack).hasWarning(
      '/S/Monitor',
      Match.stringLikeRegexp('us-east-1 only, and this stack’s region is not known at synth'),
    );
  });

  it('has no warning in a us-east-1 stack', () => {
    const { stack } = monitorDistribution();
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('region is not known'));
  });
});

describe('CloudFrontDistributionMonitor props and overrides', () => {
  it('takes the team’s thresholds and says so', () => {
    const { alarms } = monitorDistribution({ serverErrorRatePercent: 5, originLatencyMs: 2500 });
    expect(alarms.get('vigil-shop-site-distribution-5xx-error-rate')?.Threshold).toBe(5);
    const latency = alarms.get('vigil-shop-site-distribution-origin-latency');
    expect(latency?.Threshold).toBe(2500);
    expect(description(latency)?.threshold).toBe(
      'more than 2500 ms at p90, set by the team, in 3 consecutive five-minute periods',
    );
  });

  it('follows the service’s cloudfront/<signal> overrides and refuses unknown signals', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: US_EAST_1 });
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      overrides: {
        'cloudfront/origin-latency': { enabled: false },
        'cloudfront/5xx-error-rate': { severity: 'critical' },
      },
    });
    monitoring.monitorDistribution(newDistribution(stack));
    const alarms = alarmsByName(stack);
    expect([...alarms.keys()]).toEqual(['vigil-shop-site-distribution-5xx-error-rate']);
    expect(tag(alarms.get('vigil-shop-site-distribution-5xx-error-rate'), 'vigil:severity')).toBe('critical');
    expect(() =>
      monitoring.monitorDistribution(newDistribution(stack, 'Other'), {
        overrides: { 'origin-latancy': { enabled: false } } as never,
      }),
    ).toThrow(/unknown signal "origin-latancy" in the cloudfront monitor's overrides/);
  });

  it('is found by monitorScope like the other supported resources', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: US_EAST_1 });
    newDistribution(stack, 'Found');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
    monitoring.monitorScope(stack);
    expect(alarmsByName(stack).has('vigil-shop-found-5xx-error-rate')).toBe(true);
  });
});
