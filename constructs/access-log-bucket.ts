import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface AccessLogBucketProps {
  /** Days server access logs are kept. */
  readonly retentionDays: number;
  /** Days a replaced or deleted log object version is kept. */
  readonly noncurrentVersionExpireDays: number;
}

/**
 * Receives the S3 server access logs of every Vigil bucket of its account and region (access logs
 * cannot cross regions). SSE-S3, because server access logging cannot deliver to SSE-KMS buckets;
 * delivery is admitted by bucket policy for any bucket of this account, so the buckets it serves, in
 * other stacks, need no reference back to it.
 */
export class AccessLogBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpireDays),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the server access log target; logging its own access would loop.',
    });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsFromThisAccount',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
