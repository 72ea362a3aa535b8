import { countBy, type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp, ReviewedResource } from '../reviewed-app';
import { property, resolveResource, resourceName, resourcesOf } from '../template-values';

/** How a store's data is encrypted at rest, as its template declares it. */
type Protection = 'customer-kms' | 'aws-managed-kms' | 'service-key' | 'service-default' | 'none';

const PROTECTION_LABELS: Record<Protection, string> = {
  'customer-kms': 'customer-managed KMS key',
  'aws-managed-kms': 'AWS managed KMS key',
  'service-key': 'key owned by the service (declared)',
  'service-default': 'not declared: the service default applies',
  none: 'not encrypted',
};

/** The review id an exception is acknowledged under, with `Validations.of(construct).acknowledge()`. */
export const ENCRYPTION_EXCEPTION_RULE = 'VigilReview-EncryptionAtRest';

interface Reading {
  readonly protection: Protection;
  readonly detail: string;
  /** The app's own KMS key (`Stack/LogicalId`) the store is encrypted with. */
  readonly key?: string;
}

type Reader = (resource: ReviewedResource, app: ReviewedApp) => Reading;

/** The data stores the review knows, by CloudFormation type, each with how its encryption is read. */
const DATA_STORE_KINDS: Record<string, { readonly kind: string; readonly read: Reader }> = {
  'AWS::S3::Bucket': { kind: 'S3 bucket', read: bucket },
  'AWS::DynamoDB::Table': { kind: 'DynamoDB table', read: table },
  'AWS::SQS::Queue': { kind: 'SQS queue', read: queue },
  'AWS::SNS::Topic': { kind: 'SNS topic', read: topic },
  'AWS::Logs::LogGroup': { kind: 'CloudWatch Logs log group', read: logGroup },
  'AWS::KinesisFirehose::DeliveryStream': { kind: 'Firehose stream', read: firehose },
  'AWS::Kinesis::Stream': { kind: 'Kinesis data stream', read: kinesis },
  'AWS::StepFunctions::StateMachine': { kind: 'Step Functions state machine', read: stateMachine },
  'AWS::Events::EventBus': { kind: 'EventBridge event bus', read: eventBus },
  'AWS::SecretsManager::Secret': { kind: 'Secrets Manager secret', read: secret },
};

/**
 * SEC08-BP02: every data store encrypted at rest under the app's own keys, any exception with a
 * recorded reason. A key the app does not own (AWS managed or AWS owned) is an exception, not a
 * failure to encrypt: its key policy and rotation are not the account's to set or audit.
 */
export function encryptionAtRest(app: ReviewedApp): Statement {
  const targets = logTargets(app);
  const readings = resourcesOf(app, ...Object.keys(DATA_STORE_KINDS)).map((resource) => {
    const { kind, read } = DATA_STORE_KINDS[resource.type] as (typeof DATA_STORE_KINDS)[string];
    const { protection, detail, key } = read(resource, app);
    const sources = targets.get(resourceName(resource)) ?? 0;
    const role = sources > 0 ? `; receives the server access logs of ${sources} bucket(s)` : '';
    const [reason] = protection === 'customer-kms' ? [] : app.reasonsFor(resource, ENCRYPTION_EXCEPTION_RULE);
    const item: EvidenceItem = {
      resource: resourceName(resource),
      kind,
      detail: `${PROTECTION_LABELS[protection]}: ${detail}${role}`,
      status: protection === 'customer-kms' || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
    return { item, protection, key };
  });
  const items = readings.map((reading) => reading.item);
  const exceptions = readings.filter((reading) => reading.protection !== 'customer-kms').map((r) => r.item);
  return {
    id: 'encryption-at-rest',
    pillar: 'Security',
    claim:
      'Every data store is encrypted at rest with a customer-managed KMS key; each exception has a recorded reason.',
    bestPractice: {
      id: 'SEC08-BP02',
      title: 'Enforce encryption at rest',
      url: 'https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_protect_data_rest_encrypt.html',
    },
    status: statusOf(items),
    numbers: [
      { key: 'stores', label: 'data stores', value: items.length },
      ...countBy(
        'protection',
        readings,
        (reading) => reading.protection,
        (value) => PROTECTION_LABELS[value as Protection],
      ),
      ...countBy(
        'kind',
        items,
        (item) => item.kind,
        (value) => value,
      ),
      ...countBy(
        'key',
        readings.filter((reading) => reading.key !== undefined),
        (reading) => reading.key as string,
        (value) => `under ${value}`,
      ),
      {
        key: 'exceptions.accepted',
        label: 'exceptions with a recorded reason',
        value: exceptions.filter((item) => item.status === 'met').length,
      },
      {
        key: 'exceptions.unexplained',
        label: 'exceptions without a recorded reason',
        value: exceptions.filter((item) => item.status === 'gap').length,
      },
    ],
    items,
    fix:
      'Encrypt each listed store with the platform key (S3 aws:kms with KMSMasterKeyID, DynamoDB SSESpecification ' +
      'KMS, SQS/SNS KmsMasterKeyId, log group KmsKeyId, state machine EncryptionConfiguration CUSTOMER_MANAGED_KMS_KEY, ' +
      `bus KmsKeyIdentifier). Where a service cannot use it, record why on the construct: ` +
      `Validations.of(construct).acknowledge({ id: '${ENCRYPTION_EXCEPTION_RULE}', reason }).`,
    note:
      'Read from the templates as declared. A store with no encryption setting gets its service default, named per kind ' +
      'where AWS documents it; exceptions are accepted only by an acknowledgement, never by the resource name.',
  };
}

/** How many buckets send server access logs to each bucket (`LoggingConfiguration.DestinationBucketName`). */
function logTargets(app: ReviewedApp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const source of resourcesOf(app, 'AWS::S3::Bucket')) {
    const target = resolveResource(
      app,
      source.stack,
      property(source, 'LoggingConfiguration', 'DestinationBucketName'),
    );
    if (target) counts.set(resourceName(target), (counts.get(resourceName(target)) ?? 0) + 1);
  }
  return counts;
}

/** A KMS key reference: the app's own key, an `alias/aws/*` AWS managed key, or another customer key. */
function kmsKey(app: ReviewedApp, resource: ReviewedResource, value: unknown, awsManaged?: string): Reading {
  if (value === undefined) {
    return awsManaged
      ? { protection: 'aws-managed-kms', detail: awsManaged }
      : { protection: 'service-default', detail: 'a customer-managed key asked for, none given' };
  }
  if (typeof value === 'string') {
    // AWS managed keys are the ones whose alias starts with aws/ (KMS concepts: "AWS managed keys").
    return /(^|:)alias\/aws\//.test(value)
      ? { protection: 'aws-managed-kms', detail: value }
      : { protection: 'customer-kms', detail: value };
  }
  const key = resolveResource(app, resource.stack, value);
  if (key?.type === 'AWS::KMS::Key') {
    return { protection: 'customer-kms', detail: resourceName(key), key: resourceName(key) };
  }
  return { protection: 'customer-kms', detail: 'a key given by a reference the review cannot follow' };
}

// S3: SSE-S3 is the base level of encryption of every bucket; since 2023-01-05 every new object is
// encrypted (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html).
// aws:kms without KMSMasterKeyID uses the AWS managed key aws/s3 (API_ServerSideEncryptionByDefault).
function bucket(resource: ReviewedResource, app: ReviewedApp): Reading {
  const rules = property(resource, 'BucketEncryption', 'ServerSideEncryptionConfiguration');
  const byDefault = Array.isArray(rules)
    ? (rules[0] as { ServerSideEncryptionByDefault?: { SSEAlgorithm?: unknown; KMSMasterKeyID?: unknown } })
        ?.ServerSideEncryptionByDefault
    : undefined;
  if (byDefault === undefined) return { protection: 'service-default', detail: 'S3 applies SSE-S3' };
  if (byDefault.SSEAlgorithm === 'AES256') return { protection: 'service-key', detail: 'SSE-S3 (AES256)' };
  return kmsKey(app, resource, byDefault.KMSMasterKeyID, 'aws/s3');
}

// DynamoDB: all table data is encrypted at rest and it cannot be disabled; without SSESpecification an
// AWS owned key, with SSEEnabled and no key id the AWS managed key aws/dynamodb
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html).
function table(resource: ReviewedResource, app: ReviewedApp): Reading {
  if (property(resource, 'SSESpecification', 'SSEEnabled') !== true) {
    return { protection: 'service-default', detail: 'DynamoDB uses an AWS owned key' };
  }
  return kmsKey(app, resource, property(resource, 'SSESpecification', 'KMSMasterKeyId'), 'aws/dynamodb');
}

// SQS: SSE-SQS or SSE-KMS (SQS developer guide, "Encryption at rest in Amazon SQS"). The stored
// documentation does not confirm SQS's default for a queue that declares neither, so the review calls
// it undeclared rather than assume it.
function queue(resource: ReviewedResource, app: ReviewedApp): Reading {
  const key = property(resource, 'KmsMasterKeyId');
  if (key !== undefined) return kmsKey(app, resource, key, 'aws/sqs');
  const managed = property(resource, 'SqsManagedSseEnabled');
  if (managed === true) return { protection: 'service-key', detail: 'SSE-SQS' };
  if (managed === false) return { protection: 'none', detail: 'SqsManagedSseEnabled is false' };
  return { protection: 'service-default', detail: 'neither KmsMasterKeyId nor SqsManagedSseEnabled is set' };
}

// SNS: server-side encryption is opt-in, a KMS key on the topic (SNS developer guide, "Encryption at rest"; not in
// the stored documentation); without one the template asks for none.
function topic(resource: ReviewedResource, app: ReviewedApp): Reading {
  const key = property(resource, 'KmsMasterKeyId');
  return key === undefined
    ? { protection: 'none', detail: 'no KmsMasterKeyId' }
    : kmsKey(app, resource, key, 'aws/sns');
}

// CloudWatch Logs always encrypts log data at rest; KmsKeyId puts it under a KMS key
// (https://dev.to/danielbayerlein/encrypt-auto-created-log-groups-from-aws-lambda-with-aws-cdk-1j88 quoting
// the CloudWatch Logs guide; the guide's own page is not in the stored documentation).
function logGroup(resource: ReviewedResource, app: ReviewedApp): Reading {
  const key = property(resource, 'KmsKeyId');
  return key === undefined
    ? { protection: 'service-default', detail: 'CloudWatch Logs service-side encryption' }
    : kmsKey(app, resource, key, 'aws/logs');
}

// Firehose and Kinesis encrypt at rest only as configured (DeliveryStreamEncryptionConfigurationInput,
// StreamEncryption); the stored documentation is silent, so no setting reads as none.
function firehose(resource: ReviewedResource, app: ReviewedApp): Reading {
  const input = property(resource, 'DeliveryStreamEncryptionConfigurationInput') as
    | { KeyType?: unknown; KeyARN?: unknown }
    | undefined;
  if (input?.KeyType === 'CUSTOMER_MANAGED_CMK') return kmsKey(app, resource, input.KeyARN, 'aws/firehose');
  if (input?.KeyType === 'AWS_OWNED_CMK') return { protection: 'service-key', detail: 'AWS_OWNED_CMK' };
  return { protection: 'none', detail: 'no DeliveryStreamEncryptionConfigurationInput' };
}

function kinesis(resource: ReviewedResource, app: ReviewedApp): Reading {
  return property(resource, 'StreamEncryption', 'EncryptionType') === 'KMS'
    ? kmsKey(app, resource, property(resource, 'StreamEncryption', 'KeyId'), 'aws/kinesis')
    : { protection: 'none', detail: 'no StreamEncryption' };
}

// Step Functions and EventBridge use an AWS owned key unless given a customer-managed one (their guides'
// "Encryption at rest" pages; not in the stored documentation): the review reports it as undeclared.
function stateMachine(resource: ReviewedResource, app: ReviewedApp): Reading {
  return property(resource, 'EncryptionConfiguration', 'Type') === 'CUSTOMER_MANAGED_KMS_KEY'
    ? kmsKey(app, resource, property(resource, 'EncryptionConfiguration', 'KmsKeyId'))
    : {
        protection: 'service-default',
        detail: 'no customer-managed EncryptionConfiguration (AWS owned key)',
      };
}

function eventBus(resource: ReviewedResource, app: ReviewedApp): Reading {
  const key = property(resource, 'KmsKeyIdentifier');
  return key === undefined
    ? { protection: 'service-default', detail: 'no KmsKeyIdentifier (AWS owned key)' }
    : kmsKey(app, resource, key);
}

// Secrets Manager without KmsKeyId uses the AWS managed key aws/secretsmanager (AWS::SecretsManager::Secret;
// not in the stored documentation).
function secret(resource: ReviewedResource, app: ReviewedApp): Reading {
  return kmsKey(app, resource, property(resource, 'KmsKeyId'), 'aws/secretsmanager');
}
