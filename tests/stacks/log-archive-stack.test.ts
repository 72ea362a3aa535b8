import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LogArchiveStream } from '../../constructs/log-archive/log-archive-stream';
import { LogSubscription } from '../../constructs/log-archive/log-subscription';
import { ServiceMonitoring } from '../../constructs/monitoring/service-monitoring';
import { newFunction } from '../support/alarm-template';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const { stacks } = vigilStacks(
  configWith({ archive: { logsStoppedAfterHours: { predictor: 6 } } }),
  WITHOUT_BUNDLING,
  WITHOUT_CFN_VALIDATION,
);
const template = Template.fromStack(stacks.logArchive);
const streams = () => Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'));

describe('delivery streams', () => {
  it('has one stream per archived service, encrypted with the platform key', () => {
    expect(
      streams()
        .map((stream) => stream.Properties.DeliveryStreamName)
        .sort(),
    ).toEqual(['vigil-test-logs-alerting', 'vigil-test-logs-predictor', 'vigil-test-logs-remediation']);
    for (const stream of streams()) {
      expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput).toMatchObject({
        KeyType: 'CUSTOMER_MANAGED_CMK',
      });
    }
  });

  it('unzips subscription records and keeps only the messages, with no Lambda, into GZIP objects by service and day', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'vigil-test-logs-predictor',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: Match.anyValue(),
        CompressionFormat: 'GZIP',
        Prefix: 'logs/service=predictor/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
        ErrorOutputPrefix:
          'errors/service=predictor/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            Match.objectLike({ Type: 'Decompression' }),
            Match.objectLike({
              Type: 'CloudWatchLogProcessing',
              Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
            }),
            // Without it the extracted messages of a batch run together on one line.
            Match.objectLike({ Type: 'AppendDelimiterToRecord' }),
          ],
        },
      }),
    });
  });
});

describe('stream permissions and logs', () => {
  const destinationPolicy = () =>
    Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('PredictorStreamDestinationRoleDefaultPolicy'),
    )?.[1];

  // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3 lists
  // AbortMultipartUpload, GetBucketLocation, GetObject, ListBucket, ListBucketMultipartUploads, PutObject.
  it('lets Firehose do only the documented S3 destination actions, on its own service’s prefixes', () => {
    const statements = destinationPolicy()?.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action.startsWith('s3:')).sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:GetBucketLocation',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
      's3:PutObject',
    ]);
    const objects = JSON.stringify(
      statements.find((statement) => [statement.Action].flat().includes('s3:PutObject')),
    );
    expect(objects).toContain('/logs/service=predictor/*');
    expect(objects).toContain('/errors/service=predictor/*');
    expect(objects).not.toMatch(/archive-[^"]*\/\*"/);
    // No CDK-made role with its bucket-wide read-write grant is left.
    expect(
      Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes('S3DestinationRole')),
    ).toEqual([]);
    const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream')).find(
      (resource) => resource.Properties.DeliveryStreamName === 'vigil-test-logs-predictor',
    );
    expect(JSON.stringify(stream?.DependsOn)).toContain('PredictorStreamDestinationRoleDefaultPolicy');
  });

  it('logs Firehose errors to a log group encrypted with the platform key, kept the configured days', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/kinesisfirehose/vigil-test-logs-predictor',
      KmsKeyId: Match.anyValue(),
      RetentionInDays: configWith({}).logs.retentionDays,
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'vigil-test-logs-predictor',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true, LogGroupName: Match.anyValue() }),
      }),
    });
  });
});

describe('subscriptions', () => {
  it('the services’ monitoring subscribes each monitored function, through a role only CloudWatch Logs may assume', () => {
    const filters = (stack: Parameters<typeof Template.fromStack>[0]) =>
      Object.values(Template.fromStack(stack).findResources('AWS::Logs::SubscriptionFilter'));
    expect(filters(stacks.predictor)).toHaveLength(2);
    expect(filters(stacks.alerting)).toHaveLength(1);
    expect(filters(stacks.remediation)).toHaveLength(6);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'logs.amazonaws.com' },
            Condition: { StringLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ],
      },
    });
  });

  it('lets a monitor opt out, and never subscribes a log group of an archive stream', () => {
    // The functions need a log group to subscribe: CDK makes one with this flag, as in Vigil's cdk.json.
    const app = new App({
      ...WITHOUT_CFN_VALIDATION,
      context: { '@aws-cdk/aws-lambda:useCdkManagedLogGroup': true },
    });
    const stack = new Stack(app, 'Team');
    const archive = new LogArchiveStream(stack, 'Archive', {
      service: 'orders',
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'archive'),
      key: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/1'),
      deliveryStreamName: 'orders-logs',
    });
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'orders', logArchive: archive });
    monitoring.monitorLambda(newFunction(stack, 'Archived'));
    monitoring.monitorLambda(newFunction(stack, 'Quiet'), { archiveLogs: false });
    expect(
      Object.keys(Template.fromStack(stack).findResources('AWS::Logs::SubscriptionFilter')),
    ).toHaveLength(1);
    expect(
      () =>
        new LogSubscription(stack, 'Loop', {
          logGroup: logs.LogGroup.fromLogGroupName(stack, 'Own', '/aws/kinesisfirehose/orders-logs'),
          archive,
        }),
    ).toThrow(/subscribing it would loop/);
  });
});

describe('watching the archive', () => {
  it('alarms on delivery success and freshness of each stream, and on any error object', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties.AlarmName as string,
    );
    expect(alarms).toEqual(
      expect.arrayContaining([
        'vigil-test-log-archive-predictor-stream-s3-delivery-success',
        'vigil-test-log-archive-predictor-stream-s3-data-freshness',
        'vigil-test-log-archive-error-objects-failed-records',
        'vigil-test-log-archive-predictor-stream-incoming-records-stopped',
      ]),
    );
    // No log line reached the predictor's stream for its archive.logsStoppedAfterHours; services
    // not listed (alerting, remediation: quiet between incidents) get no such alarm.
    expect(alarms).not.toContain('vigil-test-log-archive-alerting-stream-incoming-records-stopped');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'vigil-test-log-archive-predictor-stream-incoming-records-stopped',
      MetricName: 'IncomingRecords',
      Period: 3600,
      EvaluationPeriods: 6,
      TreatMissingData: 'breaching',
    });
  });

  it('sends a notice of each error object to an encrypted queue, and alarms on the notices the queue receives', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { object: { key: [{ prefix: 'errors/' }] } },
        },
      },
    });
    const [ruleId, rule] = Object.entries(rules)[0] ?? [];
    expect(Object.keys(rules)).toHaveLength(1);
    // A real target, the notices queue: no longer a rule kept only for its MatchedEvents.
    const queues = template.findResources('AWS::SQS::Queue', {
      Properties: { QueueName: 'vigil-test-log-error-objects' },
    });
    const [queueId, queue] = Object.entries(queues)[0] ?? [];
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } }),
    ]);
    expect(queue?.Properties).toMatchObject({
      KmsMasterKeyId: expect.anything(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            // CDK's condition for a KMS-encrypted queue: this account's EventBridge only.
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });

    const errorObjects = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: 'vigil-test-log-archive-error-objects-failed-records' },
    });
    expect(Object.values(errorObjects).map((alarm) => alarm.Properties)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'NumberOfMessagesSent',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      }),
    ]);
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).not.toContain('MatchedEvents');
    // A notice EventBridge could not deliver is an error object nobody hears of: that alarms too.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'vigil-test-log-archive-error-objects-failed-invocations',
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
    });
  });

  it('refuses a logs-stopped setting for a service that has no archive stream (a typo would mean no alarm)', () => {
    expect(() =>
      vigilStacks(configWith({ archive: { logsStoppedAfterHours: { predicter: 6 } } }), WITHOUT_BUNDLING),
    ).toThrow(
      'archive.logsStoppedAfterHours names predicter, which has no archive stream; archived services are alerting, remediation, predictor',
    );
  });

  it('has S3 tell EventBridge about new archive objects', () => {
    Template.fromStack(stacks.core).hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
  });
});

describe('queries', () => {
  it('projects partitions (no crawler) by service and day', () => {
    const table = Object.values(template.findResources('AWS::Glue::Table'))[0]?.Properties.TableInput;
    expect(table).toMatchObject({
      Name: 'function_logs',
      Parameters: expect.objectContaining({
        'projection.enabled': 'true',
        'projection.archive_service.values': 'alerting,remediation,predictor',
      }),
    });
    expect(JSON.stringify(table.Parameters['storage.location.template'])).toMatch(
      /logs\/service=\$\{archive_service\}\/year=\$\{year\}\/month=\$\{month\}\/day=\$\{day\}\//,
    );
  });

  it('runs queries in a workgroup that encrypts results and stops at 10 GB scanned', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'vigil-test-logs',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: Match.objectLike({ EncryptionOption: 'SSE_KMS' }),
        }),
      }),
    });
    const names = Object.values(template.findResources('AWS::Athena::NamedQuery')).map(
      (query) => query.Properties.Name,
    );
    expect(names.sort()).toEqual(['Errors by service per day', 'One request across services']);
  });
});

describe('redrive', () => {
  it('gives each service a redrive function limited to its own error prefix and stream', () => {
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('PredictorRedriveFunction'),
    )?.[1];
    expect(fn?.Properties.Environment.Variables).toMatchObject({ ERROR_PREFIX: 'errors/service=predictor/' });
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('PredictorRedriveRole'),
    )?.[1];
    expect(JSON.stringify(policy)).toContain('/errors/service=predictor/*');
    expect(JSON.stringify(policy)).not.toMatch(/"s3:DeleteObject"[^\]]*"Resource":"[^"]*\/logs\//);
  });
});

describe('the README’s archive cost table', () => {
  // The prices and rules the README states above the table; each cell is recomputed from them.
  const COMPRESSED = 0.1; // GB of GZIP per GB of log text
  const CLOUDWATCH_GB_MONTH = 0.03;
  const FIREHOSE_GB = 0.029;
  const STANDARD = 0.023;
  const STANDARD_IA = 0.0125;
  const GLACIER = 0.0036;
  const cloudWatch = (months: number) => COMPRESSED * CLOUDWATCH_GB_MONTH * months;
  // Month 1 in Standard, months 2 and 3 in Standard-IA (archive defaults 30 and 90 days), then Glacier.
  const tiered = (months: number) =>
    COMPRESSED *
    Array.from({ length: months }, (_, index) =>
      index === 0 ? STANDARD : index < 3 ? STANDARD_IA : GLACIER,
    ).reduce((sum, price) => sum + price, 0);
  // Objects under 128 KB never leave S3 Standard.
  const standardOnly = (months: number) => COMPRESSED * STANDARD * months;

  it('matches the stated prices, 5 KB Firehose rounding and the 128 KB transition minimum', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => /^\| (1 year|2 years|5 years)/.test(line))
      .map((line) => [...line.matchAll(/\$(\d+\.\d{3})/g)].map((match) => Number(match[1])));
    const usd = (value: number) => Math.round(value * 1000) / 1000;
    expect(rows).toEqual(
      [12, 24, 60].map((months) => [
        usd(cloudWatch(months)),
        usd(0.11 * FIREHOSE_GB + tiered(months)),
        usd(1 * FIREHOSE_GB + standardOnly(months)),
        usd(2.5 * FIREHOSE_GB + standardOnly(months)),
      ]),
    );
    // The figure: two years of a quiet service at one billed GB per GB, above CloudWatch's.
    expect(usd(FIREHOSE_GB + standardOnly(24))).toBe(0.084);
    expect(usd(cloudWatch(24))).toBe(0.072);
  });
});
