import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface EncryptedBucketProps {
  /** Customer-managed key for SSE-KMS. */
  readonly encryptionKey: kms.IKey;
  /** Bucket receiving this bucket's S3 server access logs. */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** Key prefix of this bucket's access logs, ending in `/`. */
  readonly serverAccessLogsPrefix: string;
  /** How objects age out. @default none */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Physical name, when other resources must refer to it before it exists. @default generated */
  readonly bucketName?: string;
}

/**
 * Vigil's data bucket: SSE-KMS with the given key and an S3 bucket key (one data key per bucket
 * instead of a KMS request per object), public access blocked, ACLs disabled, TLS 1.2 required,
 * versioned, access-logged, and kept when its stack is deleted.
 */
export class EncryptedBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: EncryptedBucketProps) {
    super(scope, id, {
      ...props,
      encryption: s3.BucketEncryption.KMS,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
