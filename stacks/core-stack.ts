import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as xray from 'aws-cdk-lib/aws-xray';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { EncryptedBucket } from '../constructs/encrypted-bucket';
import {
  allowLogGroupEncryption,
  allowServicesToUseKey,
  PLATFORM_KEY_SERVICES,
  UPLOAD_EVENT_KEY_SERVICES,
} from '../constructs/key-access';
import { ERROR_PREFIX } from '../constructs/log-archive/log-archive-stream';
import { archiveBucketName, physicalName, physicalNamePattern } from './physical-name';

/**
 * Prefixes of the archive bucket that tier to Standard-IA, then Glacier, then expire: archived logs,
 * redriven error objects, redrive reports and Athena results. A new prefix needs adding here, or its
 * objects never expire. `errors/` has its own rule (see the bucket).
 */
export const TIERED_PREFIXES = [
  'logs/',
  'redriven/',
  'failed/',
  'redrive-reports/',
  'athena-results/',
] as const;

export interface CoreStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
}

/**
 * What every other Vigil stack builds on: the platform's customer-managed key, the log archive
 * bucket, the platform event bus and the X-Ray sampling rule.
 */
export class CoreStack extends Stack {
  /** Customer-managed key for every Vigil resource that supports one (topics, logs, buckets, bus). */
  readonly key: kms.IKey;
  /** Long-term archive of logs and reports, encrypted with {@link key}. */
  readonly archiveBucket: s3.IBucket;
  /** Receives S3 server access logs of Vigil's buckets. */
  readonly accessLogBucket: s3.IBucket;
  /** Custom bus for platform events (remediation runs, deploy markers, alert episodes). */
  readonly platformBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: CoreStackProps) {
    super(scope, id, props);
    const { config } = props;

    const key = new kms.Key(this, 'PlatformKey', {
      alias: `alias/${physicalName(config, 'platform')}`,
      description: `Vigil ${config.name}: encrypts alert topics, log groups, the archive and the platform bus`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Firehose is absent on purpose: it uses the key through its delivery role's IAM grant.
    allowServicesToUseKey(key, PLATFORM_KEY_SERVICES);
    allowServicesToUseKey(key, UPLOAD_EVENT_KEY_SERVICES);
    allowLogGroupEncryption(key);
    this.key = key;

    const accessLogBucket = new AccessLogBucket(this, 'AccessLogBucket', {
      retentionDays: config.archive.accessLogRetentionDays,
      noncurrentVersionExpireDays: config.archive.noncurrentVersionExpireDays,
    });
    this.accessLogBucket = accessLogBucket;

    this.archiveBucket = new EncryptedBucket(this, 'ArchiveBucket', {
      bucketName: archiveBucketName(config, this.account, this.region),
      encryptionKey: key,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'archive/',
      // Per prefix, because a filter cannot exclude one: the error prefix must stay readable until
      // it is redriven, and S3 Glacier Flexible Retrieval objects cannot be read (GetObject fails)
      // until restored, https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects.html,
      // so errors/ only goes to Standard-IA (read in real time) and expires with the rest.
      lifecycleRules: [
        ...TIERED_PREFIXES.map((prefix) => ({
          id: `tier-then-expire-${prefix.replace(/\/$/, '')}`,
          prefix,
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(config.archive.infrequentAccessAfterDays),
            },
            {
              storageClass: s3.StorageClass.GLACIER,
              transitionAfter: Duration.days(config.archive.glacierAfterDays),
            },
          ],
          expiration: Duration.days(config.archive.expireAfterDays),
        })),
        {
          id: 'errors-readable-until-redriven',
          prefix: ERROR_PREFIX,
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(config.archive.infrequentAccessAfterDays),
            },
          ],
          expiration: Duration.days(config.archive.expireAfterDays),
        },
        {
          // The redrive's progress marker of an error object must stay readable as long as the object
          // can be in errors/; markers are small, so they never transition anyway.
          id: 'redrive-progress-with-errors',
          prefix: 'redrive-progress/',
          expiration: Duration.days(config.archive.expireAfterDays),
        },
        {
          id: 'old-versions-and-uploads',
          noncurrentVersionExpiration: Duration.days(config.archive.noncurrentVersionExpireDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    // S3 tells EventBridge about new objects (the log archive watches its error prefix this way),
    // set on the L1 so no notification custom resource is needed.
    (this.archiveBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    this.platformBus = new events.EventBus(this, 'PlatformBus', {
      eventBusName: physicalName(config, 'platform'),
      description: `Vigil ${config.name} platform events: remediation runs, deploy markers, alert episodes`,
      kmsKey: key,
    });

    new xray.CfnSamplingRule(this, 'SamplingRule', {
      samplingRule: {
        ruleName: physicalName(config, 'default'),
        // Below the service default (10000) so it wins for Vigil's functions, above team-specific rules.
        priority: 9000,
        fixedRate: config.tracing.samplingRate,
        reservoirSize: config.tracing.reservoirPerSecond,
        serviceName: physicalNamePattern(config),
        serviceType: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
  }
}
