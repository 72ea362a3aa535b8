import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ScoreCsvOptions } from '../../predictor/inference/score-csv';
import { InputError, type ScoreSummary } from '../../predictor/inference/scoring-types';
import { resultsKey } from '../shared/object-keys';
import { logger } from '../shared/observability';
import {
  type FinalResult,
  INTERNAL_ERROR,
  MAX_REJECTED_SAMPLES,
  NO_COUNTS,
  type ResultsTable,
  type ScoreCounts,
} from '../shared/results-table';
import { ResultsUpload } from './results-upload';
import type { UploadedObject } from './upload-event';

/** The scoring library's entry point, injected so tests can drive the scorer without a model. */
export type ScoreCsv = (input: Readable, options?: ScoreCsvOptions) => Promise<ScoreSummary>;

export interface ScoreUploadDependencies {
  readonly s3: S3Client;
  readonly results: ResultsTable;
  readonly scoreCsv: ScoreCsv;
  /** Bucket the results files are written to. */
  readonly resultsBucket: string;
  readonly maxUploadBytes: number;
  readonly maxRejectedShare: number;
}

/** What users read when AWS, not their file, stopped the run. Details go to the log, not to them. */
const INTERNAL_MESSAGE =
  'Scoring stopped on an internal error. It is retried automatically; operators are alerted if it keeps failing.';

/**
 * Scores one uploaded object and records the outcome. A file that cannot be scored is an outcome
 * (FAILED with the library's code), not an error. Anything else (S3 or DynamoDB failing) is recorded
 * as INTERNAL when the table can still be written, then re-thrown so the upload's message fails: SQS
 * delivers it again and, after 3 receives, moves it to the dead-letter queue.
 */
export async function scoreUpload(
  deps: ScoreUploadDependencies,
  upload: UploadedObject,
): Promise<FinalResult> {
  const started = performance.now();
  try {
    const result = await scoreObject(deps, upload, started);
    await deps.results.recordFinal(result);
    return result;
  } catch (error) {
    const failure: FinalResult = {
      uploadId: upload.uploadId,
      sourceKey: upload.key,
      status: 'FAILED',
      counts: NO_COUNTS,
      durationMs: performance.now() - started,
      error: { code: INTERNAL_ERROR, message: INTERNAL_MESSAGE },
      rejectedSamples: [],
    };
    await deps.results.recordFinal(failure).catch((recordError: unknown) => {
      logger.error('Could not record the internal failure', {
        uploadId: upload.uploadId,
        error: recordError,
      });
    });
    throw error;
  }
}

async function scoreObject(
  deps: ScoreUploadDependencies,
  upload: UploadedObject,
  started: number,
): Promise<FinalResult> {
  const outcome = { uploadId: upload.uploadId, sourceKey: upload.key };
  // The event says how big the object is: no need to download 5 GB to learn it is over the limit.
  if (upload.size !== undefined && upload.size > deps.maxUploadBytes) {
    return failed(
      outcome,
      new InputError(
        'TOO_LARGE',
        `The file is ${upload.size} bytes, larger than the ${deps.maxUploadBytes} bytes limit.`,
      ),
      started,
    );
  }

  const object = await deps.s3.send(new GetObjectCommand({ Bucket: upload.bucket, Key: upload.key }));
  const body = object.Body;
  if (!(body instanceof Readable)) throw new Error(`GetObject ${upload.key} returned no readable body`);

  const key = resultsKey(upload.uploadId);
  const results = new ResultsUpload(deps.s3, deps.resultsBucket, key);
  let summary: ScoreSummary;
  try {
    summary = await deps.scoreCsv(body, {
      maxBytes: deps.maxUploadBytes,
      maxRejectedShare: deps.maxRejectedShare,
      rejectedSampleSize: MAX_REJECTED_SAMPLES,
      onScored: (rows) => results.write(rows),
    });
  } catch (error) {
    body.destroy();
    // No half-written results object may remain next to a FAILED item.
    await results.discard().catch((discardError: unknown) => {
      logger.warn('Could not discard partial results', { key, error: discardError });
    });
    if (error instanceof InputError) return failed(outcome, error, started);
    throw error;
  }
  await results.complete();
  return {
    ...outcome,
    status: summary.rejected > 0 ? 'PARTIAL' : 'SUCCEEDED',
    resultsKey: key,
    counts: countsOf(summary),
    durationMs: performance.now() - started,
    rejectedSamples: summary.rejectedSamples,
  };
}

function failed(
  outcome: { uploadId: string; sourceKey: string },
  error: InputError,
  started: number,
): FinalResult {
  return {
    ...outcome,
    status: 'FAILED',
    counts: error.partial ? countsOf(error.partial) : NO_COUNTS,
    durationMs: performance.now() - started,
    error: { code: error.code, message: error.message },
    rejectedSamples: error.partial?.rejectedSamples ?? [],
  };
}

function countsOf(summary: ScoreSummary): ScoreCounts {
  return {
    rows: summary.rows,
    scored: summary.scored,
    rejected: summary.rejected,
    meanProbability: summary.meanProbability,
    modelVersion: summary.modelVersion,
  };
}
