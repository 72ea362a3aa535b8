import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { cx_api } from 'aws-cdk-lib';
import { loadConfig } from '../../../config/load-config';
import { buildReview } from '../../../scripts/review/build-review';
import type { Review, Statement } from '../../../scripts/review/review-model';
import { readReviewedApp } from '../../../scripts/review/reviewed-app';
import { vigilAppForReview } from '../../../scripts/review/synthesize-for-review';
import { WITHOUT_CFN_VALIDATION } from '../../support/synth-vigil';

// The test counts from the template and metadata files on disk with its own walk, never through the
// review's reader, so a review that miscounts cannot agree with it.
// biome-ignore lint/suspicious/noExplicitAny: templates and metadata are untyped JSON, walked by the test itself.
type Json = any;
type Resource = { Type: string; Properties?: Record<string, Json> };
interface StackFiles {
  name: string;
  resources: Record<string, Resource>;
  metadata: Record<string, { type: string; data?: Json }[]>;
}

let outdir: string;
let review: Review;
let stacks: StackFiles[];

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-review-test-'));
  const assembly: cx_api.CloudAssembly = vigilAppForReview(
    loadConfig('dev'),
    outdir,
    WITHOUT_CFN_VALIDATION,
  ).synth();
  review = buildReview(readReviewedApp(assembly), loadConfig('dev'));
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  stacks = Object.entries<Json>(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]) => ({
      name: artifact.properties.stackName ?? id,
      resources: JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8'))
        .Resources,
      metadata: JSON.parse(
        fs.readFileSync(path.join(outdir, artifact.additionalMetadataFile ?? `${id}.metadata.json`), 'utf8'),
      ),
    }));
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

function statement(id: string): Statement {
  const found = review.statements.find((entry) => entry.id === id);
  if (!found) throw new Error(`no statement ${id}`);
  return found;
}

function number(id: string, key: string): number | undefined {
  return statement(id).numbers.find((entry) => entry.key === key)?.value;
}

function all(...types: string[]): { stack: StackFiles; id: string; resource: Resource }[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.resources)
      .filter(([, resource]) => types.includes(resource.Type))
      .map(([id, resource]) => ({ stack, id, resource })),
  );
}

/** Whether the resource or a construct above it acknowledges `rule`, read from the metadata file. */
function acknowledged(stack: StackFiles, logicalId: string, rule: string): boolean {
  const [resourcePath] = Object.entries(stack.metadata).find(([, entries]) =>
    entries.some((entry) => entry.type === 'aws:cdk:logicalId' && entry.data === logicalId),
  ) ?? [''];
  return Object.entries(stack.metadata).some(
    ([candidate, entries]) =>
      (resourcePath === candidate || resourcePath.startsWith(`${candidate}/`)) &&
      entries.some(
        (entry) => entry.type === 'aws:cdk:acknowledged-rules' && `Annotation::${rule}` in (entry.data ?? {}),
      ),
  );
}

const DATA_STORE_KEY: Record<string, (p: Record<string, Json>) => unknown> = {
  'AWS::S3::Bucket': (p) =>
    p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID,
  'AWS::DynamoDB::Table': (p) =>
    p.SSESpecification?.SSEEnabled ? p.SSESpecification.KMSMasterKeyId : undefined,
  'AWS::SQS::Queue': (p) => p.KmsMasterKeyId,
  'AWS::SNS::Topic': (p) => p.KmsMasterKeyId,
  'AWS::Logs::LogGroup': (p) => p.KmsKeyId,
  'AWS::KinesisFirehose::DeliveryStream': (p) =>
    p.DeliveryStreamEncryptionConfigurationInput?.KeyType === 'CUSTOMER_MANAGED_CMK'
      ? p.DeliveryStreamEncryptionConfigurationInput.KeyARN
      : undefined,
  'AWS::Kinesis::Stream': (p) => p.StreamEncryption?.KeyId,
  'AWS::StepFunctions::StateMachine': (p) =>
    p.EncryptionConfiguration?.Type === 'CUSTOMER_MANAGED_KMS_KEY'
      ? p.EncryptionConfiguration.KmsKeyId
      : undefined,
  'AWS::Events::EventBus': (p) => p.KmsKeyIdentifier,
  'AWS::SecretsManager::Secret': (p) => p.KmsKeyId,
};

describe('npm run review on the synthesized dev app', () => {
  test('encryption at rest: stores, customer-managed keys and SSE-S3 buckets as the templates hold them', () => {
    const stores = all(...Object.keys(DATA_STORE_KEY));
    const withCustomerKey = stores.filter(({ resource }) => {
      const key = DATA_STORE_KEY[resource.Type]?.(resource.Properties ?? {});
      return key !== undefined && !(typeof key === 'string' && key.includes('alias/aws/'));
    });
    const sseS3 = all('AWS::S3::Bucket').filter(
      ({ resource }) =>
        resource.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]
          ?.ServerSideEncryptionByDefault?.SSEAlgorithm === 'AES256',
    );
    expect(stores.length).toBeGreaterThan(30);
    expect(number('encryption-at-rest', 'stores')).toBe(stores.length);
    expect(number('encryption-at-rest', 'protection.customer-kms')).toBe(withCustomerKey.length);
    expect(number('encryption-at-rest', 'protection.service-key')).toBe(sseS3.length);
    expect(number('encryption-at-rest', 'kind.S3 bucket')).toBe(all('AWS::S3::Bucket').length);
    expect(number('encryption-at-rest', 'kind.CloudWatch Logs log group')).toBe(
      all('AWS::Logs::LogGroup').length,
    );
    // Each app key's share: stores whose key value names that key's logical id (directly or in a stack output name).
    const keys = all('AWS::KMS::Key');
    expect(keys.length).toBeGreaterThan(0);
    for (const { stack, id } of keys) {
      const under = withCustomerKey.filter(({ resource }) =>
        JSON.stringify(DATA_STORE_KEY[resource.Type]?.(resource.Properties ?? {})).includes(id),
      );
      expect(number('encryption-at-rest', `key.${stack.name}/${id}`)).toBe(under.length);
    }
    // Every store without a customer-managed key is listed as an exception, by name.
    const exceptions = statement('encryption-at-rest')
      .items.filter((item) => !item.detail.startsWith('customer-managed KMS key'))
      .map((item) => item.resource)
      .sort();
    expect(exceptions).toEqual(
      stores
        .filter((store) => !withCustomerKey.includes(store))
        .map(({ stack, id }) => `${stack.name}/${id}`)
        .sort(),
    );
  });

  test('least privilege: every Allow on Resource "*" is listed, acknowledged or a gap', () => {
    const wildcard = all('AWS::IAM::Policy').flatMap(({ stack, id, resource }) =>
      [resource.Properties?.PolicyDocument?.Statement ?? []]
        .flat()
        .filter((s: Json) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
        .map(() => ({ stack, id })),
    );
    const covered = wildcard.filter(({ stack, id }) =>
      acknowledged(stack, id, 'AwsSolutions-IAM5[Resource::*]'),
    );
    expect(wildcard.length).toBeGreaterThan(0);
    expect(number('least-privilege', 'wildcardStatements')).toBe(wildcard.length);
    expect(number('least-privilege', 'acknowledged')).toBe(covered.length);
    expect(number('least-privilege', 'unacknowledged')).toBe(wildcard.length - covered.length);
    expect(statement('least-privilege').items.every((item) => item.status === 'gap' || item.reason)).toBe(
      true,
    );
  });

  test('monitoring: alarms per kind and the unmonitored resources', () => {
    const alarms = all('AWS::CloudWatch::Alarm');
    const watches = (stack: StackFiles, id: string) =>
      alarms.some(
        (alarm) =>
          alarm.stack === stack &&
          `${JSON.stringify(alarm.resource.Properties?.Dimensions ?? [])}${JSON.stringify(alarm.resource.Properties?.Metrics ?? [])}`.includes(
            `"${id}"`,
          ),
      );
    const functions = all('AWS::Lambda::Function');
    const queues = all('AWS::SQS::Queue');
    expect(number('monitoring-coverage', 'alarms')).toBe(alarms.length);
    expect(number('monitoring-coverage', 'Lambda function.resources')).toBe(functions.length);
    expect(number('monitoring-coverage', 'Lambda function.monitored')).toBe(
      functions.filter(({ stack, id }) => watches(stack, id)).length,
    );
    expect(number('monitoring-coverage', 'SQS queue.monitored')).toBe(
      queues.filter(({ stack, id }) => watches(stack, id)).length,
    );
    const unmonitoredFunctions = functions
      .filter(({ stack, id }) => !watches(stack, id) && !acknowledged(stack, id, 'VigilReview-Monitoring'))
      .map(({ stack, id }) => `${stack.name}/${id}`)
      .sort();
    expect(
      statement('monitoring-coverage')
        .items.filter((item) => item.status === 'gap' && item.kind === 'Lambda function')
        .map((item) => item.resource)
        .sort(),
    ).toEqual(unmonitoredFunctions);
  });

  test('retention, lifecycle, recovery and cost controls', () => {
    const groups = all('AWS::Logs::LogGroup');
    expect(number('log-retention', 'logGroups')).toBe(groups.length);
    expect(number('log-retention', 'atConfigured')).toBe(
      groups.filter(
        ({ resource }) => resource.Properties?.RetentionInDays === loadConfig('dev').logs.retentionDays,
      ).length,
    );
    expect(number('data-lifecycle', 'bucketsWithLifecycle')).toBe(
      all('AWS::S3::Bucket').filter(
        ({ resource }) => (resource.Properties?.LifecycleConfiguration?.Rules ?? []).length > 0,
      ).length,
    );
    expect(number('data-lifecycle', 'tablesWithTtl')).toBe(
      all('AWS::DynamoDB::Table').filter(
        ({ resource }) => resource.Properties?.TimeToLiveSpecification?.Enabled,
      ).length,
    );
    expect(number('backups', 'pitr')).toBe(
      all('AWS::DynamoDB::Table').filter(
        ({ resource }) => resource.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
      ).length,
    );
    expect(number('queue-redrive', 'withRedrive')).toBe(
      all('AWS::SQS::Queue').filter(({ resource }) => resource.Properties?.RedrivePolicy).length,
    );
    expect(number('rollback-playbooks', 'stateMachines')).toBe(
      all('AWS::StepFunctions::StateMachine').length,
    );
    expect(number('budgets', 'budgets')).toBe(all('AWS::Budgets::Budget').length);
    expect(number('trace-sampling', 'samplingRules')).toBe(all('AWS::XRay::SamplingRule').length);
    expect(number('function-architecture', 'architecture.arm64')).toBe(
      all('AWS::Lambda::Function').filter(
        ({ resource }) => resource.Properties?.Architectures?.[0] === 'arm64',
      ).length,
    );
  });

  test('statements of every pillar, and no unacknowledged compliance finding in the shipped app', () => {
    expect(new Set(review.statements.map((entry) => entry.pillar)).size).toBe(6);
    expect(statement('compliance-gate').status).toBe('met');
    expect(number('compliance-gate', 'acknowledgements')).toBe(
      stacks.reduce(
        (sum, stack) =>
          sum +
          Object.values(stack.metadata)
            .flat()
            .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
            .reduce((count, entry) => count + Object.keys(entry.data ?? {}).length, 0),
        0,
      ),
    );
    // dev configures no alert destination: the review says so rather than assume someone reads the topics.
    expect(statement('alert-destinations').status).toBe('gap');
  });
});
