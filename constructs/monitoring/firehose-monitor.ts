import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';

/**
 * The Firehose delivery stream a {@link FirehoseMonitor} watches, and the thresholds of its alarms. Only the Firehose delivery stream is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface FirehoseMonitorProps {
  /** The delivery stream to watch: the L2, an imported one, or a `CfnDeliveryStream`. */
  readonly deliveryStream: firehose.IDeliveryStream | firehose.CfnDeliveryStream;
  /** The stream's name within its service. @default kebab-case of the stream's construct id */
  readonly name?: string;
  /** The service the stream belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /** Share of S3 writes that must succeed in each of 3 five-minute periods (high). @default 1 */
  readonly s3DeliverySuccessRatio?: number;
  /**
   * Age of the oldest record not yet in S3 at which delivery is stuck (high).
   * @default twice the S3 buffering interval (300 s when unset) plus 60 s, plus the Lambda
   * processor's buffering interval (60 s when unset) when there is one
   */
  readonly dataFreshness?: Duration;
  /** Throttled records (reads, for a Kinesis source) in five minutes, in 2 of 3 periods (warning). @default 1 */
  readonly throttledRecords?: number;
  /** Share of Lambda processor invocations that must succeed, in 2 of 3 five-minute periods (high). @default 1 */
  readonly processingSuccessRatio?: number;
  /** Whether a Lambda function transforms the records. @default true when the S3 destination has a Lambda processor */
  readonly lambdaProcessing?: boolean;
  /** Whether the stream reads a Kinesis data stream instead of taking direct puts. @default true when its source is a Kinesis data stream */
  readonly kinesisStreamSource?: boolean;
  /**
   * Alarm (high) when no record at all reaches the stream for this long: its producers stopped (a
   * removed subscription, a role that no longer works). Whole hours, 1 to 24; for streams that
   * always carry traffic, such as a service's log archive. @default no such alarm
   */
  readonly incomingRecordsStoppedAfter?: Duration;
  /**
   * Overrides for this stream's signals, keyed by signal; they win over the service's `firehose/<signal>`
   * overrides. The success signals' thresholds are shares (0.99), not percentages. @default none
   */
  readonly overrides?: SignalOverrides<'firehose'>;
}

const FIVE_MINUTES = Duration.minutes(5);
// Firehose's own defaults, used when the stream does not set them.
const DEFAULT_BUFFER_INTERVAL_SECONDS = 300;
const DEFAULT_PROCESSOR_BUFFER_INTERVAL_SECONDS = 60;
// Time for the PUT to S3 and for the metric to be published after a flush.
const FRESHNESS_MARGIN_SECONDS = 60;

/**
 * Alarms for one Firehose delivery stream to S3, thresholds taken from the stream's own buffering:
 * failing S3 writes and records older than two buffer intervals (high), throttled direct puts or
 * throttled reads of the Kinesis source (warning), and failing Lambda processor invocations (high).
 *
 * The native processors (Decompression, CloudWatchLogProcessing, AppendDelimiterToRecord,
 * MetadataExtraction, RecordDeAggregation) publish no success metric of their own: records they
 * cannot handle go to the error prefix of the bucket (`decompression-failed/` …) and, when logging
 * is on, to the stream's error log. The freshness alarm still fires if they stall delivery.
 */
export class FirehoseMonitor extends ResourceMonitor<'firehose'> {
  constructor(scope: Construct, id: string, props: FirehoseMonitorProps) {
    super(scope, id, props, () => ({
      kind: 'firehose',
      name: props.name ?? kebab(props.deliveryStream.node.id),
    }));
    const { deliveryStream } = props;
    const config = streamConfig(deliveryStream);
    const metric = (metricName: string, statistic: string) =>
      deliveryStream instanceof firehose.CfnDeliveryStream
        ? new cloudwatch.Metric({
            namespace: 'AWS/Firehose',
            metricName,
            dimensionsMap: { DeliveryStreamName: deliveryStream.ref },
            period: FIVE_MINUTES,
            statistic,
          })
        : deliveryStream.metric(metricName, { period: FIVE_MINUTES, statistic });

    const successRatio = props.s3DeliverySuccessRatio ?? 1;
    this.addAlarm({
      signal: 's3-delivery-success',
      metric: metric('DeliveryToS3.Success', 'Average'),
      threshold: successRatio,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary:
        'Records are not reaching S3 (bucket policy, KMS key or role); Firehose retries for 24 hours, then drops them.',
      thresholdReason: `fewer than ${percent(successRatio)} of S3 writes succeed`,
    });

    const freshness = freshnessThreshold(config, props.dataFreshness);
    this.addAlarm({
      signal: 's3-data-freshness',
      metric: metric('DeliveryToS3.DataFreshness', 'Maximum'),
      threshold: freshness.seconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary:
        'Records wait in Firehose longer than buffering explains; delivery to S3 is stuck or falling behind.',
      thresholdReason: freshness.reason,
      thresholdUnit: 's',
    });

    const throttled = props.throttledRecords ?? 1;
    const kinesisSource = props.kinesisStreamSource ?? config.source === 'kinesis';
    if (kinesisSource || config.source === 'direct-put') {
      this.addAlarm({
        signal: kinesisSource ? 'throttled-source-reads' : 'throttled-records',
        metric: metric(kinesisSource ? 'ThrottledGetRecords' : 'ThrottledRecords', 'Sum'),
        threshold: throttled,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary: kinesisSource
          ? 'Firehose is throttled reading its Kinesis stream (shared shards); delivery lags behind the stream.'
          : 'Producers are throttled by the stream limits; records they do not retry are lost.',
        thresholdReason: kinesisSource
          ? `at least ${throttled} throttled GetRecords call(s)`
          : `at least ${throttled} throttled record(s)`,
      });
    }

    if (props.incomingRecordsStoppedAfter !== undefined) {
      const hours = props.incomingRecordsStoppedAfter.toHours({ integral: false });
      if (!Number.isInteger(hours) || hours < 1 || hours > 24) {
        throw new Error(
          `FirehoseMonitor: incomingRecordsStoppedAfter must be whole hours from 1 to 24 (CloudWatch evaluates at most a day), got ${props.incomingRecordsStoppedAfter.toHumanString()}`,
        );
      }
      this.addAlarm({
        signal: 'incoming-records-stopped',
        metric: metric(kinesisSource ? 'DataReadFromKinesisStream.Records' : 'IncomingRecords', 'Sum').with({
          period: Duration.hours(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        // An hour with no records may come as a zero or as no datapoint at all; either must count,
        // so missing data is breaching ("Missing data points are treated as breaching the threshold"),
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        severity: 'high',
        summary:
          'No record has reached the stream: its producers stopped sending (a subscription removed, a role that no longer works), so nothing is archived.',
        thresholdReason: 'no incoming record',
      });
    }

    if (props.lambdaProcessing ?? config.lambdaProcessorBufferSeconds !== undefined) {
      const ratio = props.processingSuccessRatio ?? 1;
      this.addAlarm({
        signal: 'processing-success',
        metric: metric('ExecuteProcessing.Success', 'Average'),
        threshold: ratio,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'high',
        summary:
          'The transform Lambda fails; after its retries Firehose writes the records to the processing-failed/ error prefix.',
        thresholdReason: `fewer than ${percent(ratio)} of processor invocations succeed`,
      });
    }
  }
}

interface StreamConfig {
  /** Seconds, or why the default applies. */
  readonly bufferIntervalSeconds: number | 'unset' | 'unknown';
  /** The Lambda processor's buffering interval; undefined when no Lambda processor is configured. */
  readonly lambdaProcessorBufferSeconds?: number;
  readonly source: 'direct-put' | 'kinesis' | 'other';
}

function freshnessThreshold(
  config: StreamConfig,
  override: Duration | undefined,
): { seconds: number; reason: string } {
  if (override)
    return { seconds: override.toSeconds(), reason: `over ${override.toSeconds()} s, set explicitly` };
  const interval =
    typeof config.bufferIntervalSeconds === 'number'
      ? config.bufferIntervalSeconds
      : DEFAULT_BUFFER_INTERVAL_SECONDS;
  const intervalText =
    typeof config.bufferIntervalSeconds === 'number'
      ? `the ${interval} s buffering interval`
      : config.bufferIntervalSeconds === 'unset'
        ? `the default ${interval} s buffering interval`
        : `the default ${interval} s buffering interval (the stream's own is not readable)`;
  const processor = config.lambdaProcessorBufferSeconds ?? 0;
  return {
    seconds: 2 * interval + FRESHNESS_MARGIN_SECONDS + processor,
    reason:
      `over twice ${intervalText} + ${FRESHNESS_MARGIN_SECONDS} s` +
      (processor > 0 ? ` + the ${processor} s Lambda processor buffer` : ''),
  };
}

/**
 * What the stream's L1 says about buffering, processing and source; defaults for imported streams.
 * Read field by field rather than resolved whole: resolving early would freeze cached lazy values
 * the L2 may still add to.
 */
function streamConfig(deliveryStream: firehose.IDeliveryStream | firehose.CfnDeliveryStream): StreamConfig {
  const cfn =
    deliveryStream instanceof firehose.CfnDeliveryStream ? deliveryStream : deliveryStream.node.defaultChild;
  if (!(cfn instanceof firehose.CfnDeliveryStream))
    return { bufferIntervalSeconds: 'unknown', source: 'direct-put' };

  const s3 = cfn.extendedS3DestinationConfiguration ?? cfn.s3DestinationConfiguration;
  if (s3 === undefined) {
    throw new Error(
      `FirehoseMonitor: ${cfn.node.path} does not deliver to S3; only S3 destinations are monitored so far`,
    );
  }
  const interval = field(field(s3, 'bufferingHints'), 'intervalInSeconds');
  const type = cfn.deliveryStreamType;
  return {
    bufferIntervalSeconds:
      interval === undefined
        ? 'unset'
        : typeof interval === 'number' && !Token.isUnresolved(interval)
          ? interval
          : 'unknown',
    lambdaProcessorBufferSeconds: lambdaProcessorBuffer(field(s3, 'processingConfiguration')),
    source:
      type === undefined || type === 'DirectPut'
        ? 'direct-put'
        : type === 'KinesisStreamAsSource'
          ? 'kinesis'
          : 'other',
  };
}

/** The Lambda processor's buffering interval; undefined when no Lambda processor is (readably) configured. */
function lambdaProcessorBuffer(processing: unknown): number | undefined {
  if (field(processing, 'enabled') === false) return undefined;
  const processors = field(processing, 'processors');
  const lambda = Array.isArray(processors)
    ? processors.find((processor) => field(processor, 'type') === 'Lambda')
    : undefined;
  if (lambda === undefined) return undefined;
  const parameters = field(lambda, 'parameters');
  const buffer = Array.isArray(parameters)
    ? parameters.find((parameter) => field(parameter, 'parameterName') === 'BufferIntervalInSeconds')
    : undefined;
  const seconds = Number(field(buffer, 'parameterValue'));
  return Number.isInteger(seconds) && seconds >= 0 ? seconds : DEFAULT_PROCESSOR_BUFFER_INTERVAL_SECONDS;
}

function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`;
}

const UNREADABLE = Symbol('unreadable');

/** A property of an L1 value; UNREADABLE when the value, or one it sits in, is a token. */
function field(value: unknown, key: string): unknown {
  if (value === UNREADABLE || Token.isUnresolved(value)) return UNREADABLE;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
