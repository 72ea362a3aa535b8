import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { wildcardResourceFinding } from '../nag-finding';

/** A service's log archive stream: where it writes, with which key, and how long records may wait. */
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
  /** Days the stream's own error log (delivery and processing failures) is kept. @default 30 */
  readonly logRetentionDays?: number;
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
  /** The Firehose stream the service's log groups subscribe to (`ServiceMonitoring` `logArchive`). */
  readonly deliveryStream: firehose.DeliveryStream;
  /** Lets CloudWatch Logs put subscription records into this stream. */
  readonly subscriptionRole: iam.Role;
  /** The stream's name as given (not a token), for the recursion guard. */
  readonly deliveryStreamName: string;
  /** Where Firehose logs its own delivery and processing errors: encrypted with the archive key. */
  readonly errorLogGroup: logs.LogGroup;
  /** The role Firehose writes to S3 with: the documented S3 destination actions on this service's prefixes only. */
  readonly destinationRole: iam.Role;

  constructor(scope: Construct, id: string, props: LogArchiveStreamProps) {
    super(scope, id);
    this.deliveryStreamName = props.deliveryStreamName;
    // Firehose's own error log, encrypted and kept as long as the platform's logs (CDK's default
    // log group has neither). The name keeps the stream name, which the recursion guard looks for.
    this.errorLogGroup = new logs.LogGroup(this, 'ErrorLog', {
      logGroupName: `/aws/kinesisfirehose/${props.deliveryStreamName}`,
      encryptionKey: props.key,
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.destinationRole = this.newDestinationRole(props);
    this.deliveryStream = new firehose.DeliveryStream(this, 'Stream', {
      deliveryStreamName: props.deliveryStreamName,
      encryption: firehose.StreamEncryption.customerManagedKey(props.key),
      destination: new firehose.S3Bucket(props.bucket, {
        dataOutputPrefix: archivePrefix(props.service),
        errorOutputPrefix: `${errorPrefix(props.service)}!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`,
        compression: firehose.Compression.GZIP,
        encryptionKey: props.key,
        loggingConfig: new firehose.EnableLogging(this.errorLogGroup),
        // CDK would grant its role read-write (DeleteObject included) on the whole bucket; given a
        // role that takes no grants, the stream keeps the scoped policy of newDestinationRole.
        role: this.destinationRole.withoutPolicyUpdates(),
        bufferingInterval: props.bufferInterval ?? Duration.minutes(5),
        bufferingSize: props.bufferSize ?? Size.mebibytes(64),
        // Message extraction leaves each record as the bare message with nothing between records,
        // so consecutive log lines would run together in an object; AppendDelimiterToRecord puts a
        // newline after each one (one line per row for Athena's line-based SerDes).
        // https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html ("If you want to
        // add a new line delimiter between records in objects that are delivered to Amazon S3, choose
        // AppendDelimiterToRecord as a processor type").
        processors: [
          new firehose.DecompressionProcessor(),
          new firehose.CloudWatchLogProcessor({ dataMessageExtraction: true }),
          new firehose.AppendDelimiterToRecordProcessor(),
        ],
      }),
    });

    // The policy is not one CDK made, so the stream does not wait for it unless told to.
    this.deliveryStream.node.addDependency(this.destinationRole);
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
  }

  /**
   * What Firehose needs to deliver to S3, from "Grant Firehose access to an Amazon S3 destination"
   * (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3):
   * s3:AbortMultipartUpload, GetBucketLocation, GetObject, ListBucket, ListBucketMultipartUploads and
   * PutObject (no DeleteObject), objects limited to this service's data and error prefixes; the
   * archive key through S3 only; and writing to the stream's own error log.
   */
  private newDestinationRole(props: LogArchiveStreamProps): iam.Role {
    const role = new iam.Role(this, 'DestinationRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: `Firehose delivering ${props.service} logs to the archive bucket`,
    });
    const objects = [
      props.bucket.arnForObjects(`${archivePrefix(props.service).split('year=')[0]}*`),
      props.bucket.arnForObjects(`${errorPrefix(props.service)}*`),
    ];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [props.bucket.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: objects,
      }),
    );
    const stack = this.errorLogGroup.stack;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    this.errorLogGroup.grantWrite(role);
    Validations.of(role).acknowledge(
      {
        id: wildcardResourceFinding(this, objects[0] as string),
        reason: `${props.deliveryStreamName} writes log objects under names Firehose makes up per batch, under ${props.service}'s own data prefix only.`,
      },
      {
        id: wildcardResourceFinding(this, objects[1] as string),
        reason: `${props.deliveryStreamName} writes records it could not process under names Firehose makes up, under ${props.service}'s own error prefix only.`,
      },
    );
    return role;
  }
}
