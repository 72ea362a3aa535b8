import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { pascal } from '../constructs/construct-names';
import { ERROR_PREFIX, LogArchiveStream } from '../constructs/log-archive/log-archive-stream';
import { LogSubscription } from '../constructs/log-archive/log-subscription';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { alarmNamePrefix, physicalName } from './physical-name';

/** A service whose function logs are archived. */
export interface ArchivedService {
  /** Service name: the `service=` partition. */
  readonly name: string;
  readonly logGroups: readonly logs.ILogGroup[];
}

export interface LogArchiveStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /** The platform key (core stack), imported here so grants stay in this stack's roles. */
  readonly key: kms.IKey;
  /** The archive bucket (core stack). */
  readonly archiveBucket: s3.IBucket;
  /** The services whose logs are archived. */
  readonly services: readonly ArchivedService[];
}

/**
 * CloudWatch Logs → Firehose → the archive bucket: one stream per service, every given log group
 * subscribed, the streams and the error prefix watched. Logs stay short in CloudWatch (its storage
 * is the expensive part) and long in S3, where the bucket's lifecycle tiers and expires them.
 */
export class LogArchiveStack extends Stack {
  readonly streams: Readonly<Record<string, LogArchiveStream>>;
  readonly errorObjects: events.Rule;
  readonly monitoring: ServiceMonitoring;

  constructor(scope: Construct, id: string, props: LogArchiveStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Imported by ARN: grants to them land in this stack's role policies, not in the core stack's
    // key and bucket policies, which would make the core stack depend on this one.
    const key = kms.Key.fromKeyArn(this, 'PlatformKey', props.key.keyArn);
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', {
      bucketArn: props.archiveBucket.bucketArn,
      encryptionKey: key,
    });

    const streams: Record<string, LogArchiveStream> = {};
    for (const service of props.services) {
      const stream = new LogArchiveStream(this, `${pascal(service.name)}Stream`, {
        service: service.name,
        bucket,
        key,
        deliveryStreamName: physicalName(config, `logs-${service.name}`),
      });
      service.logGroups.forEach((logGroup, index) => {
        new LogSubscription(this, `${pascal(service.name)}Subscription${index}`, {
          logGroup,
          archive: stream,
        });
      });
      streams[service.name] = stream;
    }
    this.streams = streams;

    // Any object under the error prefix is a record Firehose gave up on: S3 tells EventBridge.
    this.errorObjects = new events.Rule(this, 'ErrorObjects', {
      description: `Vigil ${config.name}: objects written under ${ERROR_PREFIX} of the log archive`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.archiveBucket.bucketName] },
          object: { key: [{ prefix: ERROR_PREFIX }] },
        },
      },
    });

    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      service: 'log-archive',
      alarmNamePrefix: alarmNamePrefix(config),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    for (const [name, stream] of Object.entries(streams)) {
      this.monitoring.monitorDeliveryStream(stream.deliveryStream, { name: `${name}-stream` });
    }
    this.monitoring.addAlarm(
      this,
      { kind: 'log-archive', name: 'error-objects' },
      {
        signal: 'failed-records',
        // The rule has no target: it exists so that its MatchedEvents count the error objects.
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'MatchedEvents',
          dimensionsMap: { RuleName: this.errorObjects.ruleName },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'high',
        summary:
          'Firehose wrote records it could not process to the error prefix: those logs are not archived until redriven.',
        thresholdReason: 'any object under errors/ in five minutes',
      },
    );
  }
}
