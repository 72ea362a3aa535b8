import type { SQSBatchItemFailure, SQSBatchResponse } from 'aws-lambda';
import { logger } from '../shared/observability';
import type { ScoreUploadDependencies } from './score-upload';
import { InvalidUploadEventError, parseQueueEvent, parseUploadMessage, preview } from './upload-event';
import { createUploadEventHandler } from './upload-event-handler';

/**
 * Handles an SQS event of the upload-events queue, whose messages are S3 event notifications. Each
 * message succeeds or fails on its own (a partial batch response; the event source mapping reports
 * batch item failures): SQS deletes the ones that succeeded and makes a failed one visible again after
 * the visibility timeout, moving it to the dead-letter queue after its third receive.
 *
 * - A file that cannot be scored is an outcome, stored as FAILED with its code: the message succeeds.
 * - S3's `s3:TestEvent` message names no object: it is ignored, and succeeds.
 * - An upload stopped by S3 or DynamoDB is stored as FAILED/INTERNAL and its message fails: a retry may
 *   succeed, and re-scoring is idempotent (same object, same results key, same item).
 * - A body that is not an S3 event notification fails too: no retry can fix it, but failing keeps it, in
 *   the dead-letter queue, instead of deleting it; the log says why.
 */
export function createUploadQueueHandler(deps: ScoreUploadDependencies) {
  const handleUploadEvent = createUploadEventHandler(deps);
  return async (event: unknown): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const message of parseQueueEvent(event)) {
      logger.appendKeys({ messageId: message.messageId });
      try {
        const body = parseUploadMessage(message.body);
        if (body.testEvent) logger.info('S3 test message ignored');
        else await handleUploadEvent(body.event);
      } catch (error) {
        batchItemFailures.push({ itemIdentifier: message.messageId });
        if (error instanceof InvalidUploadEventError) {
          logger.error(
            'Message is not an S3 event notification; it fails until SQS moves it to the dead-letter queue',
            {
              error,
              body: preview(message.body),
            },
          );
        } else {
          logger.warn(
            'Message failed; SQS delivers it again, and moves it to the dead-letter queue after 3 receives',
          );
        }
      } finally {
        logger.removeKeys(['messageId']);
      }
    }
    return { batchItemFailures };
  };
}
