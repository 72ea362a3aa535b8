import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { configWith, vigilStacks } from '../support/synth-vigil';

const config = configWith({
  logs: { retentionDays: 60 },
  predictor: { maxUploadMiB: 64, maxRejectedShare: 0.02, dataRetentionDays: 14, scorerMemoryMiB: 3008 },
});
const { app, stacks } = vigilStacks(config);
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
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(3);
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
  it('notifies the live alias (not $LATEST) of objects created under uploads/', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: {
        LambdaConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Function: { Ref: scorerAlias },
            Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { Ref: scorerAlias },
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('retries failed upload events twice, then keeps them in an encrypted dead-letter queue', () => {
    const queue = logicalIdOf('AWS::SQS::Queue', 'ScorerDeadLetters');
    const [config] = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(config?.Properties).toMatchObject({
      FunctionName: { Ref: scorerFunction },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    // The qualifier is taken from the alias ARN: the configuration applies to `live`, which S3 invokes.
    expect(JSON.stringify(config?.Properties.Qualifier)).toContain(scorerAlias);
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: scorerFunction },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
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
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 14 })] },
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
        // An on-failure destination, no dead-letter queue: Lambda never publishes DeadLetterErrors for it.
        ...['async-event-age', 'async-events-dropped', 'destination-delivery-failures'].map(
          (signal) => `vigil-test-predictor-upload-scorer-${signal}`,
        ),
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
    // A failed upload is kept in the scorer's dead-letter queue, whose alarm pages: one failure, one page.
    // Losing one is a failed delivery to that queue.
    expect(rule).not.toContain('AsyncEventsDropped');
    expect(rule).toContain('MonitoringLambdaUploadScorerDestinationDeliveryFailures');
    expect(rule).toContain('ApiAvailabilityAvailabilityBurn1h');
    expect(rule).not.toContain('ErrorLogs');
    expect(rule).not.toContain('Long');
  });

  it('watches the API, the results table and the scorer dead-letter queue too', () => {
    const names = alarms.map((alarm) => alarm.AlarmName);
    for (const prefix of ['vigil-test-predictor-http-api-', 'vigil-test-predictor-results-table-']) {
      expect(names.some((name) => name.startsWith(prefix))).toBe(true);
    }
    expect(names).toContain('vigil-test-predictor-scorer-dead-letters-dead-letter-messages');
    expect(tagOf('vigil-test-predictor-scorer-dead-letters-dead-letter-messages', 'vigil:severity')).toBe(
      'high',
    );
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

  it('derives thresholds from each function: timeouts from config, event age from the async config', () => {
    expect(named('vigil-test-predictor-upload-scorer-p99-duration')?.Threshold).toBe(240_000);
    expect(named('vigil-test-predictor-api-p99-duration')?.Threshold).toBe(23_200);
    expect(named('vigil-test-predictor-upload-scorer-async-event-age')?.Threshold).toBe(3 * 3600 * 1000);
  });

  it('names the rollback playbook on error-rate alarms, since both functions are called through live', () => {
    expect(tagOf('vigil-test-predictor-upload-scorer-error-rate', 'vigil:playbook')).toBe(
      'lambda-alias-rollback',
    );
    expect(tagOf('vigil-test-predictor-api-error-rate', 'vigil:playbook')).toBe('lambda-alias-rollback');
  });
});
