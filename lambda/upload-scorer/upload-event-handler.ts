import { logger } from '../shared/observability';
import { type FinalResult, INTERNAL_ERROR } from '../shared/results-table';
import { publishFailedFile, publishFileMetrics } from './file-metrics';
import { type ScoreUploadDependencies, scoreUpload } from './score-upload';
import { parseUploadEvent, type SkippedRecord } from './upload-event';

/** What one invocation did, for the log and for tests. */
export interface UploadEventReport {
  readonly results: readonly FinalResult[];
  readonly skipped: readonly SkippedRecord[];
}

/**
 * Handles one S3 event notification (one queued message): every upload in it is scored and recorded,
 * even when an earlier one hit an unexpected error. Unexpected errors are re-thrown after the loop so
 * the message fails and SQS delivers it again (re-scoring is idempotent: same object, same results
 * key, same item). A payload that is not an S3 event notification throws InvalidUploadEventError.
 */
export function createUploadEventHandler(deps: ScoreUploadDependencies) {
  return async (event: unknown): Promise<UploadEventReport> => {
    const { uploads, skipped } = parseUploadEvent(event);
    for (const record of skipped) logger.warn('Record skipped', { ...record });

    const results: FinalResult[] = [];
    const errors: unknown[] = [];
    for (const upload of uploads) {
      logger.appendKeys({ uploadId: upload.uploadId });
      try {
        const result = await scoreUpload(deps, upload);
        results.push(result);
        publishFileMetrics(result);
        logger.info('Upload scored', {
          status: result.status,
          ...result.counts,
          durationMs: Math.round(result.durationMs),
          error: result.error,
        });
      } catch (error) {
        errors.push(error);
        publishFailedFile(INTERNAL_ERROR);
        logger.error('Upload could not be scored; its message will be delivered again', error as Error);
      } finally {
        logger.removeKeys(['uploadId']);
      }
    }

    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(errors, `${errors.length} of ${uploads.length} uploads failed unexpectedly`);
    }
    return { results, skipped };
  };
}
