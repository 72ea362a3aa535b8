import { gunzipSync } from 'node:zlib';
import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { backOff } from 'exponential-backoff';
import { logger } from '../shared/observability';
import { type ErrorRecord, type MalformedLine, parseErrorRecords } from './error-records';

export interface RedriveDependencies {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  /** @default the system clock */
  readonly now?: () => Date;
  /** How records Firehose turns away are retried. */
  readonly retry?: RetryOptions;
}

export interface RetryOptions {
  /** PutRecordBatch attempts per batch, the first included. @default 5 */
  readonly attempts?: number;
  /** Delay before the first retry; later ones double, with full jitter. @default 200 ms */
  readonly firstDelayMs?: number;
  /** @default 5000 ms */
  readonly maxDelayMs?: number;
}

export interface RedriveRequest {
  /** The bucket Firehose delivers to and writes its error output in. */
  readonly bucket: string;
  /** Error objects are listed under it, such as `errors/processing-failed/2026/11/`. */
  readonly prefix: string;
  readonly deliveryStreamName: string;
  /** @default 100 */
  readonly maxObjects?: number;
  /** Read and count only: nothing is put, copied or deleted; the report is still written. @default false */
  readonly dryRun?: boolean;
  /** @default 'redrive-reports/' */
  readonly reportPrefix?: string;
}

/** What happened to one error object. */
export interface ObjectOutcome {
  readonly key: string;
  /** Records that could be re-put (malformed lines not counted). */
  readonly records: number;
  /** Records Firehose accepted. */
  readonly reput: number;
  /**
   * Records Firehose did not accept: refused after every retry, or never sent because the object's
   * run stopped. Always `records - reput` unless it was a dry run.
   */
  readonly failed: number;
  readonly malformed: readonly MalformedLine[];
  /** Whether it now lives under `redriven/` and no longer under the error prefix. */
  readonly moved: boolean;
  readonly error?: string;
}

export interface RedriveTotals {
  readonly objects: number;
  readonly records: number;
  readonly reput: number;
  readonly failed: number;
  readonly malformed: number;
  readonly moved: number;
  /** Objects whose run stopped on an error. */
  readonly errors: number;
}

/** Everything a run did, as written to `<reportPrefix><startedAt>.json`. */
export interface RedriveReport {
  readonly bucket: string;
  readonly prefix: string;
  readonly deliveryStreamName: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly reportKey: string;
  /** More error objects may remain under the prefix than `maxObjects` let this run take. */
  readonly truncated: boolean;
  readonly objects: readonly ObjectOutcome[];
  readonly totals: RedriveTotals;
}

/** Where a fully re-put error object is moved to, outside the error prefix. */
export const REDRIVEN_PREFIX = 'redriven/';

// Firehose's PutRecordBatch limits. The 4 MiB is counted on the data before base64, as the
// record limit is.
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Re-puts the records of the error objects under `prefix` into the delivery stream and moves each
 * object whose every record was accepted to `redriven/<key>`. An object is only ever deleted after
 * all its records were accepted and it had no malformed line, so a failed or partial run can be
 * run again; records a partial run already re-put are then delivered twice.
 */
export async function redriveErrorPrefix(
  deps: RedriveDependencies,
  request: RedriveRequest,
): Promise<RedriveReport> {
  const startedAt = (deps.now ?? (() => new Date()))().toISOString();
  const reportPrefix = request.reportPrefix ?? 'redrive-reports/';
  const dryRun = request.dryRun ?? false;
  const { keys, truncated } = await listErrorObjects(deps.s3, request, reportPrefix);

  const objects: ObjectOutcome[] = [];
  for (const key of keys) objects.push(await redriveObject(deps, request, key, dryRun));

  const report: RedriveReport = {
    bucket: request.bucket,
    prefix: request.prefix,
    deliveryStreamName: request.deliveryStreamName,
    dryRun,
    startedAt,
    reportKey: `${reportPrefix}${startedAt}.json`,
    truncated,
    objects,
    totals: totalsOf(objects),
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

// A prefix wide enough to cover them must not re-put moved objects or this function's own reports.
function isErrorObject(key: string, reportPrefix: string): boolean {
  return !key.endsWith('/') && !key.startsWith(REDRIVEN_PREFIX) && !key.startsWith(reportPrefix);
}

async function redriveObject(
  deps: RedriveDependencies,
  request: RedriveRequest,
  key: string,
  dryRun: boolean,
): Promise<ObjectOutcome> {
  // Kept outside the try so an error still reports what was already re-put.
  const progress = { records: 0, reput: 0, malformed: [] as readonly MalformedLine[] };
  const outcome = (moved: boolean, error?: string): ObjectOutcome => ({
    key,
    records: progress.records,
    reput: progress.reput,
    failed: dryRun ? 0 : progress.records - progress.reput,
    malformed: progress.malformed,
    moved,
    ...(error !== undefined && { error }),
  });
  try {
    const { records, malformed } = parseErrorRecords(await readErrorObject(deps.s3, request.bucket, key));
    progress.records = records.length;
    progress.malformed = malformed;
    if (dryRun) return outcome(false);

    for (const batch of batchesOf(records)) {
      const refused = await putWithRetries(deps, request.deliveryStreamName, batch, (accepted) => {
        progress.reput += accepted;
      });
      // Later batches are not sent: a re-run would only deliver them twice.
      if (refused !== undefined) return outcome(false, refused);
    }
    if (malformed.length > 0) return outcome(false);
    await moveToRedriven(deps.s3, request.bucket, key);
    return outcome(true);
  } catch (error) {
    logger.warn('Error object not redriven', { key, error });
    return outcome(false, describeError(error));
  }
}

async function readErrorObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (object.Body === undefined) throw new Error(`GetObject ${key} returned no body`);
  const bytes = await object.Body.transformToByteArray();
  // A stream configured to compress its output may compress its error output too; NDJSON never
  // starts with gzip's magic bytes.
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes);
  return text.toString('utf8');
}

/** Consecutive records in batches PutRecordBatch accepts. */
function batchesOf(records: readonly ErrorRecord[]): ErrorRecord[][] {
  const batches: ErrorRecord[][] = [];
  let batch: ErrorRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (batch.length === MAX_BATCH_RECORDS || bytes + record.rawData.length > MAX_BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += record.rawData.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Firehose turned some records of a batch away; only those are sent again. */
class RecordsRefused extends Error {
  override readonly name = 'RecordsRefused';
}

/**
 * Puts one batch, then again only the records Firehose turned away, until all are accepted or the
 * attempts run out; returns why records are still refused, if they are. Errors of the call itself
 * are left to the SDK's own retries and thrown.
 */
async function putWithRetries(
  deps: RedriveDependencies,
  deliveryStreamName: string,
  batch: readonly ErrorRecord[],
  onAccepted: (count: number) => void,
): Promise<string | undefined> {
  const attempts = deps.retry?.attempts ?? 5;
  let pending = batch;
  try {
    await backOff(
      async () => {
        const response = await deps.firehose.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: deliveryStreamName,
            Records: pending.map((record) => ({ Data: record.rawData })),
          }),
        );
        // Entries answer the records in order; one without a RecordId was not confirmed, so it is
        // treated as refused rather than risk moving an object with a record never delivered.
        const entries = response.RequestResponses ?? [];
        const refused = pending
          .map((record, index) => ({ record, entry: entries[index] }))
          .filter(({ entry }) => entry?.RecordId === undefined || entry.ErrorCode !== undefined);
        onAccepted(pending.length - refused.length);
        pending = refused.map(({ record }) => record);
        if (refused.length > 0) {
          const entry = refused.at(-1)?.entry;
          throw new RecordsRefused(
            `${refused.length} of ${batch.length} records still refused after ${attempts} attempts` +
              (entry?.ErrorCode ? ` (last: ${entry.ErrorCode}: ${entry.ErrorMessage ?? ''})` : ''),
          );
        }
      },
      {
        numOfAttempts: attempts,
        startingDelay: deps.retry?.firstDelayMs ?? 200,
        maxDelay: deps.retry?.maxDelayMs ?? 5000,
        timeMultiple: 2,
        jitter: 'full',
        retry: (error) => error instanceof RecordsRefused,
      },
    );
    return undefined;
  } catch (error) {
    if (error instanceof RecordsRefused) return error.message;
    throw error;
  }
}

/** Copy first, so a failed delete leaves the object in both places rather than in neither. */
async function moveToRedriven(s3: S3Client, bucket: string, key: string): Promise<void> {
  const target = `${REDRIVEN_PREFIX}${key}`;
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: target,
      CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    }),
  );
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    throw new Error(`copied to ${target} but not deleted: ${describeError(error)}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function totalsOf(objects: readonly ObjectOutcome[]): RedriveTotals {
  const sum = (count: (outcome: ObjectOutcome) => number) =>
    objects.reduce((total, outcome) => total + count(outcome), 0);
  return {
    objects: objects.length,
    records: sum((outcome) => outcome.records),
    reput: sum((outcome) => outcome.reput),
    failed: sum((outcome) => outcome.failed),
    malformed: sum((outcome) => outcome.malformed.length),
    moved: sum((outcome) => (outcome.moved ? 1 : 0)),
    errors: sum((outcome) => (outcome.error === undefined ? 0 : 1)),
  };
}
