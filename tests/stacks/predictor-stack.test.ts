import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { lintAlarms } from '../../constructs/alarm-lint/alarm-lint';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const config = configWith({
  logs: { retentionDays: 60 },
  predictor: { maxUploadMiB: 64, maxRejectedShare: 0.02, dataRetentionDays: 14, scorerMemoryMiB: 3008 },
});
// Only this stack's functions are bundled: the model-in-bundle test reads their assets, nothing reads
// the other six stacks' (each bundled function is an esbuild run). Templates are read, not deployed.
const { app, stacks } = vigilStacks(
  config,
  { 'aws:cdk:bundling-stacks': ['Predictor', 'Predictor/**'] },
  WITHOUT_CFN_VALIDATION,
);
const template = Template.fromStack(stacks.predictor);
const assembly = app.synth();
// The platform key lives in the core stack; this stack reads its ARN from the core stack's output.
const tableKey = Object.values(template.findResources('AWS::DynamoDB::Table'))[0]?.Properties.SSESpecification
  .KMSMasterKeyId;
const keyArn = { 'Fn::GetStackOutput': tableKey?.['Fn::GetStackOutput'] };

function logicalIdOf(type: string, idPrefix: string): string {
  const id = Object.keys(template.findResources(type)).find((key) => key.startsWith(idPrefix));
  if (!id) throw new Error(`no ${type} ${idPrefix}`);
  return id;
}
const scorerFunction = logicalIdOf('AWS::Lambda::Function', 'UploadScorerFunction');
const apiFunction = logicalIdOf('AWS::Lambda::Function', 'ApiFunction');
const scorerAlias = logicalIdOf('AWS::Lambda::Alias', 'UploadScorerLive');
const apiAlias = logicalIdOf('AWS::Lambda::Alias', 'ApiLive');

function policyOf(rolePrefix: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const id = Object.keys(policies).find((key) => key.startsWith(rolePrefix));
  return id ? policies[id]?.Properties.PolicyDocument.Statement : [];
}

describe('functions', () => {
  it.each([
    [scorerFunction, 3008, 300],
    [apiFunction, 1024, 29],
  ])('%s runs Node 24 on arm64 with tracing, JSON logs, and the configured size', (id, memory, timeout) => {
    const fn = template.findResources('AWS::Lambda::Function')[id];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON' },
    });
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: 'Vigil/Predictor',
      MAX_UPLOAD_BYTES: String(64 * 1024 * 1024),
      MAX_REJECTED_SHARE: '0.02',
      PREDICTOR_MODEL_PATH: '/var/task/arrest-model.onnx',
      ORT_DISABLE_TELEMETRY: '1',
    });
  });

  it('ships the model inside each function version, and onnxruntime only in the layer', () => {
    const bundles = fs
      .readdirSync(assembly.directory)
      .map((entry) => path.join(assembly.directory, entry))
      .filter(
        (dir) =>
          fs.existsSync(path.join(dir, 'index.js')) && fs.existsSync(path.join(dir, 'arrest-model.onnx')),
      );
    expect(bundles).toHaveLength(2);
    const model = fs.readFileSync(path.join(__dirname, '../../predictor/model/arrest-model.onnx'));
    for (const bundle of bundles) {
      expect(fs.readdirSync(bundle).sort()).toEqual(['arrest-model.onnx', 'index.js', 'model-card.json']);
      expect(fs.readFileSync(path.join(bundle, 'arrest-model.onnx')).equals(model)).toBe(true);
      const code = fs.readFileSync(path.join(bundle, 'index.js'), 'utf8');
      // Loaded from the layer at run time (by require, or by the inference worker via require.resolve).
      expect(/require(\.resolve)?\("onnxruntime-node"\)/.test(code)).toBe(true);
      expect(code.includes('onnxruntime-common')).toBe(false);
    }
    for (const id of [scorerFunction, apiFunction]) {
      expect(template.findResources('AWS::Lambda::Function')[id]?.Properties.Layers).toHaveLength(1);
    }
  });

  it('keeps each function in a KMS-encrypted log group with the configured retention', () => {
    // The scorer's, the API's, the API's access logs, and the site config deployment's handler.
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(4);
    for (const group of groups) {
      expect(group.Properties).toMatchObject({ RetentionInDays: 60, KmsKeyId: keyArn });
    }
  });

  it('gives roles no managed policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets the scorer read only uploads/, write only results/, and only update the results table', () => {
    const statements = policyOf('UploadScorerRole');
    const s3 = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    expect(s3.map((statement) => [statement.Action, JSON.stringify(statement.Resource)])).toEqual([
      ['s3:GetObject', expect.stringContaining('/uploads/*')],
      [['s3:AbortMultipartUpload', 's3:PutObject'], expect.stringContaining('/results/*')],
    ]);
    const dynamo = statements.filter((statement) => JSON.stringify(statement.Action).includes('dynamodb:'));
    expect(dynamo.map((statement) => statement.Action)).toEqual(['dynamodb:UpdateItem']);
  });

  it('lets the API sign uploads to uploads/ and downloads from results/ only', () => {
    const s3 = policyOf('ApiRole').filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    expect(s3.map((statement) => [statement.Action, JSON.stringify(statement.Resource)])).toEqual([
      ['s3:PutObject', expect.stringContaining('/uploads/*')],
      ['s3:GetObject', expect.stringContaining('/results/*')],
    ]);
  });
});

describe('upload pipeline', () => {
  const uploadQueue = logicalIdOf('AWS::SQS::Queue', 'UploadEvents');
  const deadLetters = logicalIdOf('AWS::SQS::Queue', 'UploadEventDeadLetters');
  const queues = template.findResources('AWS::SQS::Queue');
  const bucketArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':s3:::vigil-test-predictor-',
        { Ref: 'AWS::AccountId' },
        '-',
        { Ref: 'AWS::Region' },
      ],
    ],
  };

  it('sends objects created under uploads/ to the upload-events queue, not to a function', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Queue: { 'Fn::GetAtt': [uploadQueue, 'Arn'] },
            Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          },
        ],
      },
    });
    const [bucket] = Object.values(
      template.findResources('AWS::S3::Bucket', {
        Properties: { NotificationConfiguration: Match.anyValue() },
      }),
    );
    expect(bucket?.Properties.NotificationConfiguration.LambdaConfigurations).toBeUndefined();
    // S3 sends a test message when the notification is set: the queue policy must exist by then.
    expect(JSON.stringify(bucket?.DependsOn)).toContain('UploadEventsPolicy');
    // No function is invoked by S3 any more: no invoke permission, no async invoke configuration.
    expect(
      template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 's3.amazonaws.com' } }),
    ).toEqual({});
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
  });

  it('lets only S3, for this bucket and account, send to the queue, over TLS only', () => {
    const [policy] = Object.values(
      template.findResources('AWS::SQS::QueuePolicy', { Properties: { Queues: [{ Ref: uploadQueue }] } }),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [uploadQueue, 'Arn'] },
          Condition: {
            ArnEquals: { 'aws:SourceArn': bucketArn },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        },
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toHaveLength(1);
  });

  it('keeps upload events encrypted with the platform key, and failed ones in a dead-letter queue after 3 receives', () => {
    expect(queues[uploadQueue]?.Properties).toEqual({
      KmsMasterKeyId: keyArn,
      // 6 x the scorer's 300 s timeout, as AWS recommends for a Lambda event source.
      VisibilityTimeout: 1800,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] }, maxReceiveCount: 3 },
      Tags: expect.arrayContaining([{ Key: 'vigil:remediate', Value: 'true' }]),
    });
    expect(queues[deadLetters]?.Properties).toMatchObject({
      KmsMasterKeyId: keyArn,
      // Longer than the upload queue's: a moved message keeps its first enqueue time.
      MessageRetentionPeriod: 14 * 24 * 3600,
      Tags: expect.arrayContaining([{ Key: 'vigil:remediate', Value: 'true' }]),
    });
    expect(queues[deadLetters]?.Properties.RedrivePolicy).toBeUndefined();
    expect(Object.keys(queues).sort()).toEqual([deadLetters, uploadQueue].sort());
  });

  it('has the live alias (not $LATEST) consume one message at a time, reporting failed messages alone', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    const properties = mappings[0]?.Properties;
    expect(properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [uploadQueue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // `<function>:live`, the function's name taken from the alias ARN.
    expect(properties.FunctionName['Fn::Join'][1]).toEqual([
      { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: scorerAlias }] }] },
      ':live',
    ]);
    // An SQS source keeps failed messages in the queue's own dead-letter queue, not a mapping destination.
    expect(properties.DestinationConfig).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: scorerFunction },
    });
  });

  it('is a queue pair the dlq-redrive playbook may move messages between, both encrypted with a key it may use', () => {
    const remediation = Template.fromStack(stacks.remediation);
    const [role] = Object.keys(remediation.findResources('AWS::IAM::Role')).filter((id) =>
      id.startsWith('DlqRedriveRole'),
    );
    const policy = Object.entries(remediation.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('DlqRedriveRole'),
    )?.[1];
    expect(role).toBeDefined();
    const statements = policy?.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
      Condition?: Record<string, Record<string, unknown>>;
    }[];
    const granting = (action: string) =>
      statements.filter((statement) => ([] as string[]).concat(statement.Action).includes(action));
    // The move: receive and delete from the dead-letter queue, send back to the upload queue, both of which
    // carry the opt-in tag (asserted above), in this account and region.
    for (const action of [
      'sqs:StartMessageMoveTask',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:SendMessage',
    ]) {
      expect(granting(action)).toEqual([
        expect.objectContaining({
          Condition: { StringEquals: { 'aws:ResourceTag/vigil:remediate': 'true' } },
        }),
      ]);
    }
    // Both queues use the platform key of this account and region; the redrive may use such keys through SQS.
    expect(queues[uploadQueue]?.Properties.KmsMasterKeyId).toEqual(
      queues[deadLetters]?.Properties.KmsMasterKeyId,
    );
    const keys = granting('kms:Decrypt').filter(
      (statement) => statement.Condition?.StringEquals?.['kms:ViaService'],
    );
    expect(keys).toHaveLength(1);
    expect(granting('kms:GenerateDataKey')).toContain(keys[0]);
    expect(JSON.stringify(keys[0]?.Resource)).toContain(':key/*');
  });

  it('lets the scorer consume the queue and decrypt its messages with the platform key only', () => {
    const statements = policyOf('UploadScorerRole');
    const sqs = statements.filter((statement) => JSON.stringify(statement.Action).includes('sqs:'));
    expect(sqs).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Resource: { 'Fn::GetAtt': [uploadQueue, 'Arn'] },
      },
    ]);
    const kms = statements.filter((statement) => JSON.stringify(statement.Action).includes('kms:'));
    for (const statement of kms) expect(statement.Resource).toEqual(keyArn);
    expect(JSON.stringify(kms)).not.toMatch(/ReEncrypt|GenerateDataKey\*/);
  });

  it('keeps uploads and results encrypted, private, TLS-only, and for the configured days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
          },
        ],
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'results/', ExpirationInDays: 14 })]),
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'predictor/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('stores results in a KMS-encrypted table with point-in-time recovery, kept on stack deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'uploadId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn }),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('HTTP API', () => {
  it.each(['POST /uploads', 'GET /results/{id}', 'POST /predict', 'GET /health'])(
    'routes %s to the live alias behind IAM authorization',
    (routeKey) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'AWS_IAM',
      });
    },
  );

  it('integrates with the live alias', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { Ref: apiAlias },
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage and writes structured access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      }),
    });
  });
});

describe('monitoring', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) =>
      alarm.Properties as { AlarmName: string; Threshold: number; Tags: { Key: string; Value: string }[] },
  );
  const named = (name: string) => alarms.find((alarm) => alarm.AlarmName === name);
  const tagOf = (name: string, key: string) => named(name)?.Tags.find((entry) => entry.Key === key)?.Value;

  it('watches both functions through the predictor service', () => {
    const functionAlarms = alarms
      .map((alarm) => alarm.AlarmName)
      .filter((name) => /^vigil-test-predictor-(upload-scorer|api)-/.test(name) && !name.includes('-burn-'))
      .sort();
    expect(functionAlarms).toEqual(
      [
        // Invoked by its SQS event source mapping only: no asynchronous-invocation alarms.
        'vigil-test-predictor-api-traffic-drop',
        ...['error-logs', 'error-rate', 'errors', 'p99-duration', 'throttles'].flatMap((signal) => [
          `vigil-test-predictor-upload-scorer-${signal}`,
          `vigil-test-predictor-api-${signal}`,
        ]),
      ].sort(),
    );
    const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(stacks.predictor.monitoring.createdAlarms()).toHaveLength(alarms.length + composites.length);
  });

  it('holds the API to its availability and latency objectives with burn-rate alarms', () => {
    const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).map(
      (alarm) => alarm.Properties.AlarmName as string,
    );
    expect(composites.sort()).toEqual(
      [
        ...['1d', '1h', '6h'].map((window) => `vigil-test-predictor-api-availability-burn-${window}`),
        ...['1d', '1h', '6h'].map((window) => `vigil-test-predictor-api-function-latency-burn-${window}`),
        'vigil-test-predictor-service-health',
      ].sort(),
    );
    // 99.9% availability: the 1-hour rule fires at 14.4 x the 0.1% budget.
    expect(named('vigil-test-predictor-api-availability-burn-1h-long')?.Threshold).toBeCloseTo(0.0144, 10);
  });

  it('sums the service up in one health alarm over every paging alarm', () => {
    const health = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).find(
      (alarm) => alarm.Properties.AlarmName === 'vigil-test-predictor-service-health',
    );
    const rule = JSON.stringify(health?.Properties.AlarmRule);
    // A failed upload is kept in the upload queue's dead-letter queue, whose alarm pages: one failure, one page.
    expect(rule).not.toContain('AsyncEventsDropped');
    expect(rule).toContain('MonitoringQueueUploadEventsDeadLetterMessages');
    expect(rule).toContain('ApiAvailabilityAvailabilityBurn1h');
    expect(rule).not.toContain('ErrorLogs');
    expect(rule).not.toContain('Long');
  });

  it('watches the API, the results table and the upload queue too', () => {
    const names = alarms.map((alarm) => alarm.AlarmName);
    for (const prefix of ['vigil-test-predictor-http-api-', 'vigil-test-predictor-results-table-']) {
      expect(names.some((name) => name.startsWith(prefix))).toBe(true);
    }
    expect(names.filter((name) => name.startsWith('vigil-test-predictor-upload-events-')).sort()).toEqual([
      'vigil-test-predictor-upload-events-dead-letter-messages',
      'vigil-test-predictor-upload-events-messages-near-expiry',
      'vigil-test-predictor-upload-events-oldest-message-age',
    ]);
    // Derived from the queue: 4 visibility timeouts of 30 min, and half the 4-day retention.
    expect(named('vigil-test-predictor-upload-events-oldest-message-age')?.Threshold).toBe(4 * 1800);
    expect(named('vigil-test-predictor-upload-events-messages-near-expiry')?.Threshold).toBe(2 * 24 * 3600);
  });

  it('alarms on any message in the dead-letter queue and names the dlq-redrive playbook', () => {
    const deadLetters = logicalIdOf('AWS::SQS::Queue', 'UploadEventDeadLetters');
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (candidate) =>
        candidate.Properties.AlarmName === 'vigil-test-predictor-upload-events-dead-letter-messages',
    )?.Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm?.AlarmDescription).toContain('"playbook":"dlq-redrive"');
    expect(tagOf('vigil-test-predictor-upload-events-dead-letter-messages', 'vigil:severity')).toBe('high');
    expect(tagOf('vigil-test-predictor-upload-events-dead-letter-messages', 'vigil:playbook')).toBe(
      'dlq-redrive',
    );
    // The synth-time lint accepts the playbook: the alarmed queue is the dead-letter queue of an SQS queue.
    expect(lintAlarms(app).filter((message) => message.includes('upload-events'))).toEqual([]);
  });

  it('watches the model for drift with anomaly detection on the shipped version, and API traffic for drops', () => {
    const card = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../predictor/model/model-card.json'), 'utf8'),
    );
    const drift = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (alarm) => alarm.Properties.AlarmName === 'vigil-test-predictor-arrest-model-mean-probability-drift',
    )?.Properties;
    expect(drift).toMatchObject({
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      ThresholdMetricId: expect.any(String),
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    const band = drift?.Metrics.find((query: { Expression?: string }) => query.Expression);
    expect(band.Expression).toMatch(/^ANOMALY_DETECTION_BAND\(\w+, 3\)$/);
    const source = drift?.Metrics.find((query: { MetricStat?: unknown }) => query.MetricStat)?.MetricStat;
    expect(source).toMatchObject({
      Metric: {
        Namespace: 'Vigil/Predictor',
        MetricName: 'MeanProbability',
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'predictor-upload-scorer' },
          { Name: 'ModelVersion', Value: card.modelVersion },
        ]),
      },
      Period: 3600,
    });
    // Its metric has no FunctionName dimension: the dispatcher could not find a function to roll back.
    expect(
      tagOf('vigil-test-predictor-arrest-model-mean-probability-drift', 'vigil:playbook'),
    ).toBeUndefined();
    expect(named('vigil-test-predictor-api-traffic-drop')).toBeDefined();
    expect(named('vigil-test-predictor-upload-scorer-traffic-drop')).toBeUndefined();
  });

  it('derives duration thresholds from each function\u2019s timeout in config', () => {
    expect(named('vigil-test-predictor-upload-scorer-p99-duration')?.Threshold).toBe(240_000);
    expect(named('vigil-test-predictor-api-p99-duration')?.Threshold).toBe(23_200);
  });

  it('names the rollback playbook on error-rate alarms, since both functions are called through live', () => {
    expect(tagOf('vigil-test-predictor-upload-scorer-error-rate', 'vigil:playbook')).toBe(
      'lambda-alias-rollback',
    );
    expect(tagOf('vigil-test-predictor-api-error-rate', 'vigil:playbook')).toBe('lambda-alias-rollback');
  });

  describe('reserved concurrency of the API function', () => {
    it('reserves nothing by default, so no playbook is named on its throttles', () => {
      expect(template.findResources('AWS::Lambda::Function')[apiFunction]?.Properties).not.toHaveProperty(
        'ReservedConcurrentExecutions',
      );
      expect(tagOf('vigil-test-predictor-api-throttles', 'vigil:playbook')).toBeUndefined();
    });

    it('reserves predictor.apiReservedConcurrency, and names lambda-concurrency on the throttles alarm', () => {
      const reserved = vigilStacks(
        configWith({ predictor: { apiReservedConcurrency: 25 } }),
        WITHOUT_BUNDLING,
        WITHOUT_CFN_VALIDATION,
      );
      const withReservation = Template.fromStack(reserved.stacks.predictor);
      const [fn] = Object.entries(withReservation.findResources('AWS::Lambda::Function')).filter(([id]) =>
        id.startsWith('ApiFunction'),
      );
      expect(fn?.[1].Properties.ReservedConcurrentExecutions).toBe(25);
      const throttles = Object.values(withReservation.findResources('AWS::CloudWatch::Alarm')).find(
        (alarm) => alarm.Properties.AlarmName === 'vigil-test-predictor-api-throttles',
      );
      expect(
        throttles?.Properties.Tags.find((tag: { Key: string }) => tag.Key === 'vigil:playbook')?.Value,
      ).toBe('lambda-concurrency');
      // The concurrency alarm exists only with a reservation: 80 % of it.
      const concurrency = Object.values(withReservation.findResources('AWS::CloudWatch::Alarm')).find(
        (alarm) => alarm.Properties.AlarmName === 'vigil-test-predictor-api-concurrency',
      );
      expect(concurrency?.Properties.Threshold).toBe(20);
    });

    it('refuses a reservation below 1', () => {
      expect(() => configWith({ predictor: { apiReservedConcurrency: 0 } })).toThrow(
        /apiReservedConcurrency/,
      );
    });
  });
});
