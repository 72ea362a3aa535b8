import { Match, Template } from 'aws-cdk-lib/assertions';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const config = configWith({
  archive: {
    infrequentAccessAfterDays: 45,
    glacierAfterDays: 120,
    expireAfterDays: 400,
    noncurrentVersionExpireDays: 14,
    accessLogRetentionDays: 60,
  },
  tracing: { samplingRate: 0.25, reservoirPerSecond: 3 },
  tags: { owner: 'payments-team', costCenter: 'cc-4242' },
});
const { stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.core);

function bucketLogicalId(id: string): string {
  const [logicalId] = Object.keys(template.findResources('AWS::S3::Bucket')).filter((key) =>
    key.startsWith(id),
  );
  if (!logicalId) throw new Error(`no bucket ${id}`);
  return logicalId;
}
const archiveId = bucketLogicalId('ArchiveBucket');
const accessLogId = bucketLogicalId('AccessLogBucket');
const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0] ?? '';

describe('platform key', () => {
  it('is a single customer-managed key with yearly rotation, kept when the stack is deleted', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/vigil-test-platform' });
  });

  it.each(['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'sns.amazonaws.com', 's3.amazonaws.com'])(
    'lets %s encrypt with it only on behalf of this account',
    (service) => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: service },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ]),
        },
      });
    },
  );

  it('is not for cost alerts: those live in us-east-1 with a key of their own', () => {
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).not.toMatch(/budgets|costalerts/);
  });

  it('lets CloudWatch Logs use it only for log groups of this account and region', () => {
    const key = template.findResources('AWS::KMS::Key')[keyId];
    const logs = key?.Properties.KeyPolicy.Statement.find(
      (statement: { Sid?: string }) =>
        statement.Sid === 'CloudWatch Logs encrypting log groups of this account',
    );
    expect(logs.Principal.Service).toEqual({
      'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
    });
    expect(JSON.stringify(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain(
      ':log-group:*',
    );
  });

  it('grants no service principal kms:* or an unconditional statement', () => {
    const statements = template.findResources('AWS::KMS::Key')[keyId]?.Properties.KeyPolicy.Statement;
    for (const statement of statements.filter((s: { Principal: object }) => 'Service' in s.Principal)) {
      expect(statement.Action).not.toContain('kms:*');
      expect(statement.Condition).toBeDefined();
    }
  });
});

describe('archive bucket', () => {
  it('is encrypted with the platform key, with an S3 bucket key to cut KMS requests', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it.each([
    ['archive', () => archiveId],
    ['access log', () => accessLogId],
  ])('%s bucket blocks public access, is versioned and retained', (_name, logicalId) => {
    const bucket = template.findResources('AWS::S3::Bucket')[logicalId()];
    expect(bucket?.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket?.DeletionPolicy).toBe('Retain');
  });

  it.each([
    ['archive', () => archiveId],
    ['access log', () => accessLogId],
  ])('%s bucket policy denies plain HTTP and TLS below 1.2', (_name, logicalId) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });

  it('writes server access logs to the access log bucket', () => {
    expect(template.findResources('AWS::S3::Bucket')[archiveId]?.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: accessLogId },
      LogFilePrefix: 'archive/',
    });
    // Log delivery is granted by bucket policy, scoped to the archive bucket: no ACLs.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: accessLogId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [archiveId, 'Arn'] } },
            }),
          }),
        ]),
      },
    });
  });

  it('admits server access logs from any bucket of this account, and only this account', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: accessLogId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'S3ServerAccessLogsFromThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('moves objects to Infrequent Access, then Glacier, then expires them, on the configured days', () => {
    const tiered = (prefix: string) => ({
      Id: `tier-then-expire-${prefix.slice(0, -1)}`,
      Prefix: prefix,
      Status: 'Enabled',
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
        { StorageClass: 'GLACIER', TransitionInDays: 120 },
      ],
      ExpirationInDays: 400,
    });
    expect(template.findResources('AWS::S3::Bucket')[archiveId]?.Properties.LifecycleConfiguration).toEqual({
      Rules: [
        tiered('logs/'),
        tiered('redriven/'),
        // Lines the redrive can never re-put, with their reason.
        tiered('failed/'),
        tiered('redrive-reports/'),
        tiered('athena-results/'),
        // Glacier Flexible Retrieval objects cannot be read until restored: error objects waiting
        // for redrive stay readable (Standard-IA at most) until they expire.
        {
          Id: 'errors-readable-until-redriven',
          Prefix: 'errors/',
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 45 }],
          ExpirationInDays: 400,
        },
        {
          Id: 'redrive-progress-with-errors',
          Prefix: 'redrive-progress/',
          Status: 'Enabled',
          ExpirationInDays: 400,
        },
        {
          Id: 'old-versions-and-uploads',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 14 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
  });

  it('keeps access logs for the configured days, encrypted with SSE-S3 (the only kind log delivery supports)', () => {
    const accessLogs = template.findResources('AWS::S3::Bucket')[accessLogId];
    expect(accessLogs?.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(accessLogs?.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      ExpirationInDays: 60,
      NoncurrentVersionExpiration: { NoncurrentDays: 14 },
    });
  });
});

describe('platform bus and tracing', () => {
  it('creates the platform event bus encrypted with the platform key', () => {
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'vigil-test-platform',
      KmsKeyIdentifier: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('samples Vigil functions at the configured rate', () => {
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({
        RuleName: 'vigil-test-default',
        FixedRate: 0.25,
        ReservoirSize: 3,
        ServiceName: 'vigil-test-*',
      }),
    });
  });
});

describe('tags', () => {
  it.each(['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Events::EventBus'])(
    'tags every %s with project, environment, owner and cost center',
    (type) => {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource.Properties.Tags).toEqual(
          expect.arrayContaining([
            { Key: 'Project', Value: 'Vigil' },
            { Key: 'Environment', Value: 'test' },
            { Key: 'Owner', Value: 'payments-team' },
            { Key: 'CostCenter', Value: 'cc-4242' },
          ]),
        );
      }
    },
  );

  it('tags the X-Ray sampling rule too', () => {
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      Tags: Match.arrayWith([{ Key: 'CostCenter', Value: 'cc-4242' }]),
    });
  });
});
