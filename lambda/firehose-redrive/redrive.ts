import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { logger } from '../shared/observability';
import { PROGRESS_PREFIX } from './progress';
import type { RetryOptions } from './put-records';
import { type ObjectOutcome, REDRIVEN_PREFIX, redriveObject } from './redrive-object';
import { FAILED_PREFIX } from './set-aside';

export type { RetryOptions } from './put-records';
export type { ObjectOutcome } from './redrive-object';
export { REDRIVEN_PREFIX } from './redrive-object';

export interface RedriveDependencies {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  /** @default the system clock */
  readonly now?: () => Date;
  /** How records Firehose turns away are retried. */
  readonly retry?: RetryOptions;
  /** @default setTimeout */
  readonly sleep?: (delayMs: number) => Promise<void>;
  /** Milliseconds the invocation has left (`context.getRemainingTimeInMillis`). @default no limit */
  readonly remainingTimeMs?: () => number;
  /**
   * Time kept back for the last checkpoint and the report: no batch is started, and no retry waits,
   * once less than this is left. Covers a PutRecordBatch with the SDK's own retries, a marker,
   * a `failed/` part and the report. @default 30 s
   */
  readonly reserveMs?: number;
  /** Lines longer than this are set aside unread. @default MAX_LINE_BYTES */
  readonly maxLineBytes?: number;
}

export interface RedriveRequest {
  /** The bucket Firehose delivers to and writes its error output in. */
  readonly bucket: string;
  /** Error objects are listed under it, such as `errors/service=predictor/processing-failed/`. */
  readonly prefix: string;
  readonly deliveryStreamName: string;
  /** @default 100 */
  readonly maxObjects?: number;
  /** Read and count only: nothing is put, written or moved but the report. @default false */
  readonly dryRun?: boolean;
  /** @default 'redrive-reports/' */
  readonly reportPrefix?: string;
}

export interface RedriveTotals {
  readonly objects: number;
  /** Objects done and moved to `redriven/` (in a dry run: that would be). */
  readonly handled: number;
  /** Objects the run stopped in, or on an error: the next run resumes them. */
  readonly unfinished: number;
  readonly errors: number;
  readonly records: number;
  readonly reput: number;
  readonly refused: number;
  readonly setAside: number;
  readonly skipped: number;
  /** Objects listed but not reached before the time ran out. */
  readonly notStarted: number;
}

/** Everything a run did, as written to `<reportPrefix><startedAt>.json`. */
export interface RedriveReport {
  readonly bucket: string;
  readonly prefix: string;
  readonly deliveryStreamName: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly reportKey: string;
  /** More error objects may remain under the prefix than `maxObjects` let this run take. */
  readonly truncated: boolean;
  /** The run stopped early to leave time for this report: `notStarted` and unfinished objects remain. */
  readonly stoppedForTime: boolean;
  readonly objects: readonly ObjectOutcome[];
  readonly notStarted: readonly string[];
  readonly totals: RedriveTotals;
}

const DEFAULT_RESERVE_MS = 30_000;

/**
 * Re-puts the records of the error objects under `prefix` into the delivery stream, one object at
 * a time and each as a stream (see redriveObject), and writes a report, also when the time runs
 * out: the run stops starting work once `reserveMs` is left and says what remains.
 *
 * Re-put records are new records to Firehose: the archive's `year=/month=/day=` come from its
 * `!{timestamp:…}` namespace, "the approximate arrival timestamp of the oldest record that's
 * contained in the Amazon S3 object being written"
 * (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html), not from a field of the record,
 * so a redriven record lands in the partition of the day it was redriven; the log events inside it
 * keep their own timestamps.
 */
export async function redriveErrorPrefix(
  deps: RedriveDependencies,
  request: RedriveRequest,
): Promise<RedriveReport> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const reportPrefix = request.reportPrefix ?? 'redrive-reports/';
  const dryRun = request.dryRun ?? false;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const remaining = deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const outOfTime = () => remaining() < reserveMs;
  const { keys, truncated } = await listErrorObjects(deps.s3, request, reportPrefix);

  const objects: ObjectOutcome[] = [];
  let next = 0;
  for (; next < keys.length && !outOfTime(); next += 1) {
    objects.push(
      await redriveObject(
        {
          s3: deps.s3,
          firehose: deps.firehose,
          bucket: request.bucket,
          deliveryStreamName: request.deliveryStreamName,
          dryRun,
          retry: deps.retry,
          sleep: deps.sleep,
          now,
          outOfTime,
          canWait: (delayMs) => remaining() - delayMs >= reserveMs,
          maxLineBytes: deps.maxLineBytes,
        },
        keys[next] as string,
      ),
    );
  }
  const notStarted = keys.slice(next);
  const stoppedForTime = notStarted.length > 0 || objects.some((object) => object.stoppedBy === 'time');

  const report: RedriveReport = {
    bucket: request.bucket,
    prefix: request.prefix,
    deliveryStreamName: request.deliveryStreamName,
    dryRun,
    startedAt,
    finishedAt: now().toISOString(),
    reportKey: `${reportPrefix}${startedAt}.json`,
    truncated,
    stoppedForTime,
    objects,
    notStarted,
    totals: totalsOf(objects, notStarted.length),
  };
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: request.bucket,
        Key: report.reportKey,
        Body: JSON.stringify(report, null, 2),
        ContentType: 'application/json',
      }),
    );
  } catch (error) {
    // Objects may already have been moved: the log is then the only record of what this run did.
    logger.error('Could not write the redrive report', { report, error });
    throw error;
  }
  return report;
}

async function listErrorObjects(
  s3: S3Client,
  request: RedriveRequest,
  reportPrefix: string,
): Promise<{ keys: string[]; truncated: boolean }> {
  const maxObjects = request.maxObjects ?? 100;
  const keys: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: request.bucket,
        Prefix: request.prefix,
        ContinuationToken: continuationToken,
      }),
    );
    for (const { Key: key } of page.Contents ?? []) {
      if (key === undefined || !isErrorObject(key, reportPrefix)) continue;
      if (keys.length === maxObjects) return { keys, truncated: true };
      keys.push(key);
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
  return { keys, truncated: false };
}

// A prefix wide enough to cover them must not re-put this function's own objects.
const OWN_PREFIXES = [REDRIVEN_PREFIX, FAILED_PREFIX, PROGRESS_PREFIX];

function isErrorObject(key: string, reportPrefix: string): boolean {
  return (
    !key.endsWith('/') &&
    !key.startsWith(reportPrefix) &&
    !OWN_PREFIXES.some((prefix) => key.startsWith(prefix))
  );
}

function totalsOf(objects: readonly ObjectOutcome[], notStarted: number): RedriveTotals {
  const sum = (count: (outcome: ObjectOutcome) => number) =>
    objects.reduce((total, outcome) => total + count(outcome), 0);
  return {
    objects: objects.length,
    handled: sum((outcome) => (outcome.status === 'handled' ? 1 : 0)),
    unfinished: sum((outcome) => (outcome.status === 'handled' ? 0 : 1)),
    errors: sum((outcome) => (outcome.status === 'error' ? 1 : 0)),
    records: sum((outcome) => outcome.records),
    reput: sum((outcome) => outcome.reput),
    refused: sum((outcome) => outcome.refused),
    setAside: sum((outcome) => outcome.setAside),
    skipped: sum((outcome) => outcome.skipped),
    notStarted,
  };
}
