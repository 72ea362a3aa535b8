import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** Customer-managed key encrypting the messages. */
  readonly encryptionKey: kms.IKey;
  /** What lands here, e.g. `upload events the scorer could not process`; it explains the compliance acknowledgements. */
  readonly holds: string;
  /** @default 14 days, the most SQS keeps a message */
  readonly retentionPeriod?: Duration;
}

/**
 * Where work that failed for good is kept instead of dropped: KMS-encrypted, TLS-only, messages kept
 * as long as SQS allows. Being the end of the line, it has no dead-letter queue of its own, which
 * cdk-nag would otherwise flag; monitors alarm on any message in it instead.
 */
export class DeadLetterQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: `Dead-letter queue for ${props.holds}; it has none of its own.` },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: `End of the line for ${props.holds}: kept for inspection and redrive, and any message alarms.`,
      },
    );
  }
}
