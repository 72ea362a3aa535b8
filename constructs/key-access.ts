import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Lets AWS services that encrypt or decrypt on their own behalf (alarm actions, rules, subscription
 * dead-letter queues, Budgets) use `key`, each only for the key's own account. Keyed by service
 * principal; the value is the statement id, saying why.
 */
export function allowServicesToUseKey(key: kms.Key, services: Readonly<Record<string, string>>): void {
  const sameAccount = { StringEquals: { 'aws:SourceAccount': Stack.of(key).account } };
  for (const [service, purpose] of Object.entries(services)) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: purpose,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: sameAccount,
      }),
    );
  }
}

/** Lets CloudWatch Logs encrypt the log groups of the key's account and region, and nothing else. */
export function allowLogGroupEncryption(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatch Logs encrypting log groups of this account',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

/** The services every Vigil key serves: alarm actions, rule targets and SNS subscription dead letters. */
export const PLATFORM_KEY_SERVICES: Readonly<Record<string, string>> = {
  'cloudwatch.amazonaws.com': 'CloudWatch alarm actions publishing to encrypted SNS topics',
  'events.amazonaws.com': 'EventBridge rules delivering to encrypted SNS topics and SQS queues',
  'sns.amazonaws.com': 'SNS delivering to encrypted SQS subscription dead-letter queues',
};

/**
 * S3 sending event notifications to SQS queues encrypted with the key (the predictor's upload events).
 * SQS encrypts a message with the sender's permissions, and the sender is S3's service principal, so
 * the key policy must let it use the key (S3 user guide, "Granting permissions to publish event
 * notification messages to a destination"; aws-s3-notifications' `SqsDestination` adds the same). Not
 * in {@link PLATFORM_KEY_SERVICES}: the cost stack's key serves no bucket notifications.
 */
export const UPLOAD_EVENT_KEY_SERVICES: Readonly<Record<string, string>> = {
  's3.amazonaws.com': 'S3 event notifications to encrypted SQS queues',
};
