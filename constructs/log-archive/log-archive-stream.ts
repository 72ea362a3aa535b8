import { Duration, Size, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { wildcardResourceFinding } from '../nag-finding';

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

/** Where records Firehose could not process land. */
export const ERROR_PREFIX = 'errors/';

/** A service's failed records, by error type and day: one redrive per prefix goes back to one stream. */
export function errorPrefix(service: string): string {
  return `${ERROR_PREFIX}service=${service}/`;
}

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
  /** The stream's name as given (not a token), for the recursion guard. */
  readonly deliveryStreamName: string;

  constructor(scope: Construct, id: string, props: LogArchiveStreamProps) {
    super(scope, id);
    this.deliveryStreamName = props.deliveryStreamName;
    this.deliveryStream = new firehose.DeliveryStream(this, 'Stream', {
      deliveryStreamName: props.deliveryStreamName,
      encryption: firehose.StreamEncryption.customerManagedKey(props.key),
      destination: new firehose.S3Bucket(props.bucket, {
        dataOutputPrefix: archivePrefix(props.service),
        errorOutputPrefix: `${errorPrefix(props.service)}!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`,
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

    this.acknowledgeGrants(props);

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

  /** CDK's Firehose roles get its standard S3 and KMS grants, limited to the archive bucket and key. */
  private acknowledgeGrants(props: LogArchiveStreamProps): void {
    const kmsGrants = [
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: `CDK\u2019s grant for ${props.deliveryStreamName} to encrypt with the platform key only.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: `Part of CDK\u2019s key grant for ${props.deliveryStreamName}, on the platform key only.`,
      },
    ];
    Validations.of(this.deliveryStream.node.findChild('Service Role')).acknowledge(...kmsGrants);
    Validations.of(this.deliveryStream.node.findChild('S3 Destination Role')).acknowledge(
      ...kmsGrants.map((grant) => ({ ...grant, reason: `${grant.reason} (writing objects)` })),
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `CDK\u2019s Firehose S3 destination grant (${action}) for ${props.deliveryStreamName}, on the archive bucket only.`,
      })),
      {
        id: wildcardResourceFinding(this, props.bucket.arnForObjects('*')),
        reason: `${props.deliveryStreamName} writes objects under names Firehose makes up per batch; the grant is the archive bucket.`,
      },
    );
  }
}
