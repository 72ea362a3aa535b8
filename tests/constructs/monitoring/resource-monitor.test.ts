import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { OverrideKey } from '../../../constructs/monitoring/monitor-signals';
import { ResourceMonitor, type ResourceMonitorProps } from '../../../constructs/monitoring/resource-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { alarmsByName, tag, thresholdReason } from '../../support/alarm-template';

interface BucketMonitorProps extends ResourceMonitorProps<'s3-bucket'> {
  /** The bucket; its request metrics come from a metrics configuration named `EntireBucket`. */
  readonly bucket: s3.IBucket;
}

/** A team's own monitor, for a kind Vigil has no monitor for. */
class BucketMonitor extends ResourceMonitor<'s3-bucket'> {
  constructor(scope: Construct, id: string, props: BucketMonitorProps) {
    super(scope, id, props, () => ({ kind: 's3-bucket', name: 'assets' }));
    this.addAlarm({
      signal: 'server-errors',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName: '5xxErrors',
        dimensionsMap: { BucketName: props.bucket.bucketName, FilterId: 'EntireBucket' },
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: 'S3 answers requests for the bucket with server errors; readers and writers see failures.',
      thresholdReason: '5 server errors',
    });
  }
}

function monitorBucket(overrides?: BucketMonitorProps['overrides']) {
  const stack = new Stack(new App(), 'Assets');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'orders' });
  const bucket = new s3.Bucket(stack, 'Bucket');
  const monitor = new BucketMonitor(stack, 'BucketMonitor', { bucket, monitoring, overrides });
  return { stack, monitor };
}

describe("ResourceMonitor: a team's own monitor", () => {
  it('makes its alarm through the facade: the one naming rule, tags and generated threshold text', () => {
    const { stack, monitor } = monitorBucket();
    const alarm = alarmsByName(stack).get('vigil-orders-assets-server-errors');
    expect(alarm).toBeDefined();
    expect(tag(alarm, 'vigil:service')).toBe('orders');
    expect(tag(alarm, 'vigil:resource')).toBe('assets');
    expect(tag(alarm, 'vigil:signal')).toBe('server-errors');
    expect(tag(alarm, 'vigil:severity')).toBe('high');
    expect(thresholdReason(alarm)).toBe('5 server errors, in 2 of 3 five-minute periods');
    expect(monitor.metrics['server-errors']).toBeInstanceOf(cloudwatch.Metric);
    expect(monitor.alarms.map((made) => made.node.id)).toEqual(['ServerErrors']);
  });

  it("applies the monitor's own threshold override", () => {
    const { stack } = monitorBucket({ 'server-errors': { threshold: 10 } });
    const alarm = alarmsByName(stack).get('vigil-orders-assets-server-errors');
    expect(alarm?.Threshold).toBe(10);
    expect(thresholdReason(alarm)).toBe(
      "≥ 10, set by the team (the monitor's default: 5 server errors), in 2 of 3 five-minute periods",
    );
  });

  it('fails synth on an override of a signal the monitor never alarms on', () => {
    const { stack } = monitorBucket({ 'sever-errors': { threshold: 10 } });
    expect(() => alarmsByName(stack)).toThrow(
      /unknown signal "sever-errors" in the s3-bucket monitor's overrides.*server-errors/,
    );
  });

  it('has no service-level override key: those are keyed by the kinds of MONITOR_SIGNALS', () => {
    const stack = new Stack(new App(), 'Assets');
    expect(
      () =>
        new ServiceMonitoring(stack, 'Monitoring', {
          service: 'orders',
          overrides: { ['s3-bucket/server-errors' as OverrideKey]: { threshold: 10 } },
        }),
    ).toThrow(/unknown override key "s3-bucket\/server-errors"/);
  });
});
