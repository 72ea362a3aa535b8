import { Duration, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LogArchiveStreamProps {
  /** Service whose logs this stream archives; it is the `service=` partition of every object. */
  readonly service: string;
  /** Archive bucket (imported, so grants stay in this stack's role policies). */
  readonly bucket: s3.IBucket;
  /** Key of the archive bucket and of the stream's own encryption. */
  readonly key: kms.IKey;
  /** Physical name of the delivery stream. */
  readonly deliveryStreamName: string;
  /** Buffer interval: the longest a log line waits before it is written. @default 5 minutes */
  readonly bufferInterval?: Duration;
  /** Buffer size before an object is written. @default 64 MiB */
  readonly bufferSize?: Size;
}

/** Where archived logs of a service land: `logs/service=<service>/year=…/month=…/day=…/`. */
export function archivePrefix(service: string): string {
  return `logs/service=${service}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`;
}

/** Where records Firehose could not process land, by error type and day. */
export const ERROR_PREFIX = 'errors/';

/**
 * One Firehose delivery stream per service, from CloudWatch Logs subscriptions to the archive
 * bucket. Firehose's own processors unzip the subscription records and keep only the log messages
 * (no Lambda to run or pay for); objects are GZIP, SSE-KMS, partitioned by service and day. A
 * stream per service, rather than one with dynamic partitioning, because with message extraction
 * the log group is no longer in the record to partition on, and streams have no fixed price.
 */
export class LogArchiveStream extends Construct {
  readonly deliveryStream: firehose.DeliveryStream;
  /** Lets CloudWatch Logs put subscription records into this stream. */
  readonly subscriptionRole: iam.Role;

  constructor(scope: Construct, id: string, props: LogArchiveStreamProps) {
    super(scope, id);
    this.deliveryStream = new firehose.DeliveryStream(this, 'Stream', {
      deliveryStreamName: props.deliveryStreamName,
      encryption: firehose.StreamEncryption.customerManagedKey(props.key),
      destination: new firehose.S3Bucket(props.bucket, {
        dataOutputPrefix: archivePrefix(props.service),
        errorOutputPrefix: `${ERROR_PREFIX}!{firehose:error-output-type}/service=${props.service}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`,
        compression: firehose.Compression.GZIP,
        encryptionKey: props.key,
        bufferingInterval: props.bufferInterval ?? Duration.minutes(5),
        bufferingSize: props.bufferSize ?? Size.mebibytes(64),
        processors: [
          new firehose.DecompressionProcessor(),
          new firehose.CloudWatchLogProcessor({ dataMessageExtraction: true }),
        ],
      }),
    });

    const stack = this.deliveryStream.stack;
    this.subscriptionRole = new iam.Role(this, 'SubscriptionRole', {
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*` },
        },
      }),
      description: `CloudWatch Logs of this account putting ${props.service} log events into ${props.deliveryStreamName}`,
    });
    this.subscriptionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [this.deliveryStream.deliveryStreamArn],
      }),
    );
  }
}
