import './support/test-environment';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { queueEventOf, S3_TEST_EVENT } from '../fixtures/aws/sqs-s3-events';
import { coldStartModule } from './support/cold-start';
import { httpEvent } from './support/http-events';
import { lambdaContext } from './support/lambda-context';
import { MODEL_VERSION } from './support/model-version';

const ENVIRONMENT = {
  DATA_BUCKET_NAME: 'vigil-data-test',
  RESULTS_TABLE_NAME: 'vigil-results-test',
  MAX_UPLOAD_BYTES: '104857600',
  MAX_REJECTED_SHARE: '0.05',
  PRESIGN_TTL_SECONDS: '600',
  RESULTS_RETENTION_DAYS: '30',
};

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/** Loads a handler module fresh, as a cold start does, with `env` added to the environment. */
function coldStart<T>(modulePath: string, env: Record<string, string | undefined>): T {
  return coldStartModule<T>(require.resolve(modulePath), { ...saved, ...env });
}

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

describe.each([
  ['upload scorer', '../../lambda/upload-scorer/handler'],
  ['predictor API', '../../lambda/predictor-api/handler'],
])('%s cold start', (_name, modulePath) => {
  test('fails naming every missing or malformed variable', () => {
    expect(() =>
      coldStart(modulePath, { ...ENVIRONMENT, DATA_BUCKET_NAME: undefined, MAX_UPLOAD_BYTES: '10MB' }),
    ).toThrow(
      'Invalid Lambda environment: DATA_BUCKET_NAME is required; MAX_UPLOAD_BYTES must be a whole number of bytes (got "10MB")',
    );
  });

  test('fails when PREDICTOR_MODEL_PATH points nowhere', () => {
    expect(() =>
      coldStart(modulePath, { ...ENVIRONMENT, PREDICTOR_MODEL_PATH: '/opt/no-model.onnx' }),
    ).toThrow('PREDICTOR_MODEL_PATH points to "/opt/no-model.onnx", which does not exist');
  });

  test('exports a handler when the environment is complete', () => {
    const { handler } = coldStart<{ handler: Handler }>(modulePath, ENVIRONMENT);
    expect(handler).toEqual(expect.any(Function));
  });
});

test('the scorer needs MAX_REJECTED_SHARE as a share', () => {
  expect(() =>
    coldStart('../../lambda/upload-scorer/handler', { ...ENVIRONMENT, MAX_REJECTED_SHARE: '5%' }),
  ).toThrow('MAX_REJECTED_SHARE must be a number from 0 to 1, such as 0.05 (got "5%")');
});

test('the API refuses a presign TTL beyond the credentials it signs with', () => {
  expect(() =>
    coldStart('../../lambda/predictor-api/handler', { ...ENVIRONMENT, PRESIGN_TTL_SECONDS: '86400' }),
  ).toThrow('PRESIGN_TTL_SECONDS must be at most 43200 seconds (got 86400)');
});

test('the deployed API handler answers /health with the model version', async () => {
  const { handler } = coldStart<{ handler: Handler }>('../../lambda/predictor-api/handler', ENVIRONMENT);
  const response = (await handler(
    httpEvent('GET', '/health'),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  expect(response.statusCode).toBe(200);
  expect(JSON.parse(response.body ?? '')).toEqual({ status: 'ok', modelVersion: MODEL_VERSION });
});

test('the deployed scorer handler refuses a payload that is not an SQS event', async () => {
  const { handler } = coldStart<{ handler: Handler }>('../../lambda/upload-scorer/handler', ENVIRONMENT);
  await expect(handler({ hello: 'world' }, lambdaContext())).rejects.toThrow('Not an SQS event');
});

test('the deployed scorer handler ignores the test message S3 sends to its queue, and fails a malformed one', async () => {
  const { handler } = coldStart<{ handler: Handler }>('../../lambda/upload-scorer/handler', ENVIRONMENT);
  const event = queueEventOf([
    { messageId: 'test-event', body: JSON.stringify(S3_TEST_EVENT) },
    { messageId: 'malformed', body: '{"Records":' },
  ]);
  expect(await handler(event, lambdaContext())).toEqual({
    batchItemFailures: [{ itemIdentifier: 'malformed' }],
  });
});

describe('alert enricher cold start', () => {
  const topic = (severity: string) => `arn:aws:sns:eu-west-1:123456789012:vigil-dev-alerts-${severity}`;
  const ENRICHER = {
    CRITICAL_TOPIC_ARN: topic('critical'),
    HIGH_TOPIC_ARN: topic('high'),
    WARNING_TOPIC_ARN: topic('warning'),
    INFO_TOPIC_ARN: topic('info'),
    CHAT_TOPIC_ARNS: '{"critical":"arn:aws:sns:eu-west-1:123456789012:chatbot"}',
    PAGERDUTY_SECRET_NAMES: '{}',
    EPISODE_TABLE_NAME: 'episodes',
    ARTIFACTS_BUCKET_NAME: 'artifacts',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dead-letters',
    GRAPH_URL_TTL_SECONDS: '43200',
    CONTEXT_DEADLINE_MS: '3000',
    FLAP_TRANSITIONS: '4',
    FLAP_WINDOW_MINUTES: '30',
    EPISODE_RETENTION_DAYS: '30',
    OUTSIDE_ALARM_SEVERITY: 'high',
    REMEDIATION_PLAYBOOKS: '{"lambda-alias-rollback":{"mode":"dry-run","approval":false}}',
  };
  const modulePath = '../../lambda/alert-enricher/handler';

  test('exports a handler when the environment is complete', () => {
    expect(coldStart<{ handler: Handler }>(modulePath, ENRICHER).handler).toEqual(expect.any(Function));
  });

  test('fails naming every missing or malformed variable', () => {
    expect(() =>
      coldStart(modulePath, {
        ...ENRICHER,
        HIGH_TOPIC_ARN: undefined,
        CHAT_TOPIC_ARNS: '{"urgent":"arn"}',
        CONTEXT_DEADLINE_MS: '9000',
      }),
    ).toThrow(
      /HIGH_TOPIC_ARN is required; CHAT_TOPIC_ARNS must be keyed by severity \(critical, high, warning, info\), not urgent; CONTEXT_DEADLINE_MS must be at most 3500 milliseconds \(got 9000\)/,
    );
  });
});

describe('cost report cold start', () => {
  const REPORT = {
    ACCOUNT_ID: '123456789012',
    REPORT_BUCKET_NAME: 'vigil-dev-cost-reports',
    COST_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:vigil-dev-cost',
    TAG_KEYS: 'Owner, CostCenter',
    PLATFORM_TAG: 'Project=Vigil',
    LINK_TTL_SECONDS: '43200',
  };
  const modulePath = '../../lambda/cost-report/report-function';

  test('exports a handler when the environment is complete', () => {
    expect(coldStart<{ handler: Handler }>(modulePath, REPORT).handler).toEqual(expect.any(Function));
  });

  test('fails naming every missing or malformed variable', () => {
    expect(() => coldStart(modulePath, { ...REPORT, ACCOUNT_ID: '12', PLATFORM_TAG: 'Vigil' })).toThrow(
      'Invalid Lambda environment: ACCOUNT_ID must be a 12-digit account id; PLATFORM_TAG must be KEY=VALUE',
    );
  });
});
