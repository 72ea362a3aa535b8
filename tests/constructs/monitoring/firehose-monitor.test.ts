import { App, CfnParameter, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import { FirehoseMonitor, type FirehoseMonitorProps } from '../../../constructs/monitoring/firehose-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import {
  type AlarmProperties,
  alarmsByName,
  newFunction,
  tag,
  thresholdReason,
} from '../../support/alarm-template';

/** A test stack; the Firehose L2 adds a CIDR mapping only Redshift destinations use, which CDK's validation warns about. */
function newStack(id: string): Stack {
  const stack = new Stack(new App(), id);
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::W7001',
    reason: 'The Firehose L2 always adds its CIDR mapping; nothing here delivers to Redshift.',
  });
  return stack;
}

/** An L2 stream to a fresh bucket; the L2 makes the delivery role itself. */
function s3Stream(
  stack: Stack,
  id: string,
  destination: firehose.S3BucketProps = {},
  props: Partial<firehose.DeliveryStreamProps> = {},
): firehose.DeliveryStream {
  return new firehose.DeliveryStream(stack, id, {
    destination: new firehose.S3Bucket(new s3.Bucket(stack, `${id}Bucket`), destination),
    ...props,
  });
}

/** The monitor only needs Lambda processing to exist, so the processor passes records through unchanged. */
function transform(stack: Stack): lambda.Function {
  return newFunction(stack, 'Transform', {
    code: lambda.Code.fromInline('exports.handler = async (e) => e;'),
  });
}

describe('FirehoseMonitor on a direct-put stream with a Lambda processor', () => {
  const stack = newStack('Orders');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'orders',
    routing: routeToTopics({ high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const deliveryStream = s3Stream(stack, 'Clicks', {
    bufferingInterval: Duration.seconds(120),
    processors: [
      new firehose.LambdaFunctionProcessor(transform(stack), { bufferInterval: Duration.seconds(90) }),
    ],
  });
  const monitor = new FirehoseMonitor(stack, 'ClicksMonitor', { deliveryStream, monitoring });
  const alarms = alarmsByName(Template.fromStack(stack));
  const name = (signal: string) => `vigil-orders-clicks-${signal}`;

  it('creates one alarm per signal, named by the one rule, and reports them all', () => {
    expect([...alarms.keys()].sort()).toEqual(
      ['processing-success', 's3-data-freshness', 's3-delivery-success', 'throttled-records'].map(name),
    );
    expect(monitor.alarms).toHaveLength(4);
    expect(monitoring.createdAlarms()).toHaveLength(4);
  });

  it.each([
    // signal, metric, statistic, threshold, comparison, evaluation periods, datapoints, severity
    ['s3-delivery-success', 'DeliveryToS3.Success', 'Average', 1, 'LessThanThreshold', 3, 3, 'high'],
    // 2 × 120 s buffer + 60 s margin + 90 s Lambda processor buffer.
    ['s3-data-freshness', 'DeliveryToS3.DataFreshness', 'Maximum', 390, 'GreaterThanThreshold', 2, 2, 'high'],
    ['throttled-records', 'ThrottledRecords', 'Sum', 1, 'GreaterThanOrEqualToThreshold', 3, 2, 'warning'],
    ['processing-success', 'ExecuteProcessing.Success', 'Average', 1, 'LessThanThreshold', 3, 2, 'high'],
  ] as const)(
    '%s: %s %s, threshold %s',
    (signal, metric, statistic, threshold, comparison, evaluations, datapoints, severity) => {
      const alarm = alarms.get(name(signal));
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Firehose',
        MetricName: metric,
        Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: expect.stringMatching(/^Clicks/) } }],
        Statistic: statistic,
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: comparison,
        EvaluationPeriods: evaluations,
        DatapointsToAlarm: datapoints,
        TreatMissingData: 'notBreaching',
      });
      expect(tag(alarm, 'vigil:severity')).toBe(severity);
    },
  );

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    for (const signal of ['s3-delivery-success', 's3-data-freshness', 'processing-success']) {
      expect(alarms.get(name(signal))).toMatchObject({
        AlarmActions: [{ Ref: expect.stringMatching(/^High/) }],
        OKActions: [{ Ref: expect.stringMatching(/^High/) }],
      });
    }
    expect(alarms.get(name('throttled-records'))).toMatchObject({
      AlarmActions: [{ Ref: expect.stringMatching(/^Warning/) }],
      OKActions: [{ Ref: expect.stringMatching(/^Warning/) }],
    });
  });

  it('describes each alarm in JSON the enrichment Lambda parses, saying how the threshold was derived', () => {
    const alarm = alarms.get(name('s3-data-freshness'));
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)).toEqual({
      vigil: 1,
      service: 'orders',
      resource: 'clicks',
      signal: 's3-data-freshness',
      severity: 'high',
      summary:
        'Records wait in Firehose longer than buffering explains; delivery to S3 is stuck or falling behind.',
      threshold:
        'over twice the 120 s buffering interval + 60 s + the 90 s Lambda processor buffer, in 2 consecutive five-minute periods',
      runbook: 'https://runbooks.example.org/vigil/firehose-s3-data-freshness',
    });
    const thresholds = Object.fromEntries(
      ['s3-delivery-success', 'throttled-records', 'processing-success'].map((signal) => [
        signal,
        parseAlarmDescription(alarms.get(name(signal))?.AlarmDescription as string)?.threshold,
      ]),
    );
    expect(thresholds).toEqual({
      's3-delivery-success': 'fewer than 100% of S3 writes succeed, in 3 consecutive five-minute periods',
      'throttled-records': 'at least 1 throttled record(s), in 2 of 3 five-minute periods',
      'processing-success': 'fewer than 100% of processor invocations succeed, in 2 of 3 five-minute periods',
    });
    expect(tag(alarm, 'vigil:resource')).toBe('clicks');
  });
});

describe('FirehoseMonitor thresholds derived from the stream', () => {
  function freshness(stack: Stack, resource: string) {
    return alarmsByName(Template.fromStack(stack)).get(`vigil-s-${resource}-s3-data-freshness`);
  }

  it('is complete with one line, and gives two streams with different buffer intervals different thresholds', () => {
    const stack = newStack('S');
    new FirehoseMonitor(stack, 'FastMonitor', {
      deliveryStream: s3Stream(stack, 'Fast', { bufferingInterval: Duration.seconds(60) }),
    });
    new FirehoseMonitor(stack, 'DefaultMonitor', { deliveryStream: s3Stream(stack, 'Default') });
    expect(freshness(stack, 'fast')?.Threshold).toBe(180);
    expect(thresholdReason(freshness(stack, 'fast'))).toBe(
      'over twice the 60 s buffering interval + 60 s, in 2 consecutive five-minute periods',
    );
    expect(freshness(stack, 'default')?.Threshold).toBe(660);
    expect(thresholdReason(freshness(stack, 'default'))).toBe(
      'over twice the default 300 s buffering interval + 60 s, in 2 consecutive five-minute periods',
    );
    const alarms = alarmsByName(Template.fromStack(stack));
    expect(alarms.has('vigil-s-fast-processing-success')).toBe(false);
  });

  it('adds the default 60 s buffer of a Lambda processor that sets none', () => {
    const stack = newStack('S');
    new FirehoseMonitor(stack, 'Monitor', {
      deliveryStream: s3Stream(stack, 'Events', {
        processors: [new firehose.LambdaFunctionProcessor(transform(stack))],
      }),
    });
    expect(freshness(stack, 'events')?.Threshold).toBe(720);
  });

  it('has no processing alarm for the native processors, which publish no success metric', () => {
    const stack = newStack('S');
    new FirehoseMonitor(stack, 'Monitor', {
      deliveryStream: s3Stream(stack, 'Logs', {
        processors: [
          new firehose.DecompressionProcessor(),
          new firehose.CloudWatchLogProcessor({ dataMessageExtraction: true }),
        ],
      }),
    });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-s-logs-s3-data-freshness',
      'vigil-s-logs-s3-delivery-success',
      'vigil-s-logs-throttled-records',
    ]);
    expect(alarms.get('vigil-s-logs-s3-data-freshness')?.Threshold).toBe(660);
  });

  it('watches throttled reads instead of throttled puts when the source is a Kinesis stream', () => {
    const stack = newStack('S');
    new FirehoseMonitor(stack, 'Monitor', {
      deliveryStream: s3Stream(
        stack,
        'Mirror',
        {},
        {
          source: new firehose.KinesisStreamSource(new kinesis.Stream(stack, 'Events')),
        },
      ),
    });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect(alarms.has('vigil-s-mirror-throttled-records')).toBe(false);
    const alarm = alarms.get('vigil-s-mirror-throttled-source-reads');
    expect(alarm).toMatchObject({
      MetricName: 'ThrottledGetRecords',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it('reads the buffer interval of a CfnDeliveryStream, and uses its Ref as the stream name', () => {
    const stack = newStack('S');
    const role = new iam.Role(stack, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
    });
    const deliveryStream = new firehose.CfnDeliveryStream(stack, 'Archive', {
      extendedS3DestinationConfiguration: {
        bucketArn: new s3.Bucket(stack, 'Bucket').bucketArn,
        roleArn: role.roleArn,
        bufferingHints: { intervalInSeconds: 900, sizeInMBs: 128 },
      },
    });
    new FirehoseMonitor(stack, 'Monitor', { deliveryStream });
    expect(freshness(stack, 'archive')).toMatchObject({
      Threshold: 1860,
      Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: 'Archive' } }],
    });
  });

  it('falls back to the default interval, and says so, when the interval is a token', () => {
    const stack = newStack('S');
    const interval = new CfnParameter(stack, 'BufferSeconds', { type: 'Number' });
    new FirehoseMonitor(stack, 'Monitor', {
      deliveryStream: new firehose.CfnDeliveryStream(stack, 'Archive', {
        extendedS3DestinationConfiguration: {
          bucketArn: 'arn:aws:s3:::archive',
          roleArn: 'arn:aws:iam::123456789012:role/delivery',
          bufferingHints: { intervalInSeconds: Token.asNumber(interval.value) },
        },
      }),
    });
    const alarm = freshness(stack, 'archive');
    expect(alarm?.Threshold).toBe(660);
    expect(thresholdReason(alarm)).toBe(
      "over twice the default 300 s buffering interval (the stream's own is not readable) + 60 s, in 2 consecutive five-minute periods",
    );
  });

  it('watches an imported stream with the defaults', () => {
    const stack = newStack('S');
    new FirehoseMonitor(stack, 'Monitor', {
      deliveryStream: firehose.DeliveryStream.fromDeliveryStreamName(stack, 'Legacy', 'legacy-stream'),
    });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-s-legacy-s3-data-freshness',
      'vigil-s-legacy-s3-delivery-success',
      'vigil-s-legacy-throttled-records',
    ]);
    expect(alarms.get('vigil-s-legacy-s3-data-freshness')).toMatchObject({
      Threshold: 660,
      Dimensions: [{ Name: 'DeliveryStreamName', Value: 'legacy-stream' }],
    });
  });

  it('refuses a stream that does not deliver to S3, instead of watching nothing', () => {
    const stack = newStack('S');
    const deliveryStream = new firehose.CfnDeliveryStream(stack, 'ToVendor', {
      httpEndpointDestinationConfiguration: {
        endpointConfiguration: { url: 'https://intake.example.org' },
        s3Configuration: {
          bucketArn: 'arn:aws:s3:::backup',
          roleArn: 'arn:aws:iam::123456789012:role/delivery',
        },
      },
    });
    expect(() => new FirehoseMonitor(stack, 'Monitor', { deliveryStream })).toThrow(
      'FirehoseMonitor: S/ToVendor does not deliver to S3; only S3 destinations are monitored so far',
    );
  });
});

describe('FirehoseMonitor tuning', () => {
  function build(props: Partial<FirehoseMonitorProps>, overrides = {}): Map<string, AlarmProperties> {
    const stack = newStack('S');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'orders', overrides });
    new FirehoseMonitor(stack, 'Monitor', {
      deliveryStream: s3Stream(stack, 'Clicks', {
        processors: [new firehose.LambdaFunctionProcessor(transform(stack))],
      }),
      monitoring,
      ...props,
    });
    return alarmsByName(Template.fromStack(stack));
  }
  const baseline = build({});

  it.each([
    ['s3DeliverySuccessRatio', { s3DeliverySuccessRatio: 0.99 }, 's3-delivery-success', 0.99],
    ['dataFreshness', { dataFreshness: Duration.minutes(30) }, 's3-data-freshness', 1800],
    ['throttledRecords', { throttledRecords: 100 }, 'throttled-records', 100],
    ['processingSuccessRatio', { processingSuccessRatio: 0.95 }, 'processing-success', 0.95],
  ] as const)('%s changes only its own alarm', (_prop, props, signal, threshold) => {
    const tuned = build(props);
    const changed = `vigil-orders-clicks-${signal}`;
    expect(baseline.get(changed)?.Threshold).not.toBe(threshold);
    expect(tuned.get(changed)?.Threshold).toBe(threshold);
    for (const [alarmName, alarm] of baseline) {
      if (alarmName !== changed) expect(tuned.get(alarmName)).toEqual(alarm);
    }
  });

  it('drops a signal a team switched off, and takes a severity override', () => {
    const alarms = build(
      {},
      {
        'firehose/throttled-records': { enabled: false },
        'firehose/s3-data-freshness': { severity: 'critical' },
      },
    );
    expect(alarms.has('vigil-orders-clicks-throttled-records')).toBe(false);
    expect(alarms.size).toBe(3);
    expect(tag(alarms.get('vigil-orders-clicks-s3-data-freshness'), 'vigil:severity')).toBe('critical');
  });

  it('switches the processing alarm off when told there is no Lambda processing', () => {
    expect(build({ lambdaProcessing: false }).has('vigil-orders-clicks-processing-success')).toBe(false);
  });
});

describe('FirehoseMonitor watching for records that stop arriving', () => {
  function monitored(props: Partial<FirehoseMonitorProps>) {
    const stack = newStack('Logs');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'logs' });
    const deliveryStream = s3Stream(stack, 'Archive');
    new FirehoseMonitor(stack, 'ArchiveMonitor', { deliveryStream, monitoring, ...props });
    return alarmsByName(Template.fromStack(stack));
  }

  it('adds no such alarm unless asked: a stream may be quiet by design', () => {
    expect([...monitored({}).keys()].some((alarm) => alarm.endsWith('incoming-records-stopped'))).toBe(false);
  });

  it('alarms (high) when fewer than one record arrives in each hour of the window, missing data breaching', () => {
    const alarm = monitored({ incomingRecordsStoppedAfter: Duration.hours(6) }).get(
      'vigil-logs-archive-incoming-records-stopped',
    );
    expect(alarm).toMatchObject({
      MetricName: 'IncomingRecords',
      Namespace: 'AWS/Firehose',
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 6,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      // A quiet hour may publish nothing at all: that must count as "stopped".
      TreatMissingData: 'breaching',
    });
    expect(thresholdReason(alarm as AlarmProperties)).toBe(
      'no incoming record, in 6 consecutive one-hour periods',
    );
  });

  it.each([Duration.minutes(90), Duration.hours(25)])('rejects a window of %s', (window) => {
    expect(() => monitored({ incomingRecordsStoppedAfter: window })).toThrow(/whole hours from 1 to 24/);
  });
});
