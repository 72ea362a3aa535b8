import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger, metrics } from '../shared/observability';
import { resultsMail } from './mail-content';
import type { ResultsMailerConfig } from './results-mailer-config';
import { decide, MalformedRecordError } from './stream-record';

/** Most a SendEmail call may take; the SDK's own retries (throttling included) happen within it. */
export const SEND_TIMEOUT_MS = 5000;

export interface ResultsMailerDependencies {
  readonly ses: SESv2Client;
  readonly config: ResultsMailerConfig;
}

/**
 * Mails each uploader whose upload just reached a final status, from the results table's stream.
 *
 * Records are handled in order and the first that fails ends the batch: a DynamoDB stream is resumed
 * from the sequence number reported as failed ("Lambda retries all records starting from that
 * checkpoint"; with bisecting on, the batch is split at it), so every later record comes again anyway,
 * and mailing it now would mail it twice (Lambda developer guide, "Configuring partial batch response
 * with DynamoDB and Lambda"). The records before it are done and are not delivered again.
 */
export function createResultsMailer(deps: ResultsMailerDependencies) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    // A batch can hold the same change twice (a redelivery after a retried batch): one mail.
    const mailed = new Set<string>();
    for (const record of event.Records ?? []) {
      // Read defensively: a record that is not an object is reported, not a crash of the batch.
      const { eventID, dynamodb } = (record ?? {}) as Partial<typeof record>;
      const sequenceNumber = dynamodb?.SequenceNumber;
      try {
        const decision = decide(record);
        if (decision.kind === 'skip') {
          logger.info('No mail for this change', { uploadId: decision.uploadId, reason: decision.reason });
          continue;
        }
        const { upload } = decision;
        if (mailed.has(upload.uploadId)) {
          logger.info('No mail for this change', {
            uploadId: upload.uploadId,
            reason: 'mailed in this batch',
          });
          continue;
        }
        const content = resultsMail(upload, deps.config.siteUrl);
        await deps.ses.send(
          new SendEmailCommand({
            FromEmailAddress: deps.config.fromAddress,
            Destination: { ToAddresses: [upload.to] },
            ConfigurationSetName: deps.config.configurationSetName,
            Content: {
              Simple: {
                Subject: { Data: content.subject, Charset: 'UTF-8' },
                Body: {
                  Text: { Data: content.text, Charset: 'UTF-8' },
                  Html: { Data: content.html, Charset: 'UTF-8' },
                },
              },
            },
          }),
          { abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
        );
        mailed.add(upload.uploadId);
        metrics.addMetric('ResultsMailsSent', 'Count', 1);
        logger.info('Results mail sent', { uploadId: upload.uploadId, status: upload.status });
      } catch (error) {
        if (error instanceof MalformedRecordError) {
          logger.error('Unreadable stream record: reported as failed, kept by the on-failure destination', {
            eventID,
            sequenceNumber,
            reason: error.message,
          });
        } else {
          logger.error('Results mail not sent: the record is retried', {
            eventID,
            sequenceNumber,
            error,
          });
        }
        metrics.addMetric('ResultsMailsFailed', 'Count', 1);
        // Without a sequence number Lambda cannot resume mid-batch: an empty identifier counts as the
        // whole batch failing (same page, "Success and failure conditions"), which bisecting narrows
        // down to the bad record.
        return { batchItemFailures: [{ itemIdentifier: sequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
