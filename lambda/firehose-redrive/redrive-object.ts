import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { CopyObjectCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { logger } from '../shared/observability';
import { CorruptObjectError, openErrorObject } from './error-object';
import { type ErrorRecord, MAX_LINE_BYTES, parseErrorLine } from './error-records';
import type { Line } from './line-reader';
import { ObjectProgress, type ProgressMarker } from './progress';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  putBatch,
  type RetryOptions,
  requestBytesOf,
} from './put-records';
import { type FailedEntry, SetAsideBuffer, writeFailedPart } from './set-aside';

/** Where an error object goes once every line of it was re-put or set aside. */
export const REDRIVEN_PREFIX = 'redriven/';

/** Unsendable lines held before a checkpoint writes them out, whatever the batch. */
const SET_ASIDE_FLUSH_BYTES = 8 * 1024 * 1024;
/** Unsendable lines named in the report per object; all of them are in the `failed/` parts. */
const REPORTED_LINES = 20;

/** What one object's redrive needs: the clients, where to, and the run's clock. */
export interface ObjectRun {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly bucket: string;
  readonly deliveryStreamName: string;
  readonly dryRun: boolean;
  readonly retry?: RetryOptions;
  readonly sleep?: (delayMs: number) => Promise<void>;
  readonly now: () => Date;
  /** True once the run must stop starting work, to leave time for its checkpoint and report. */
  readonly outOfTime: () => boolean;
  /** Whether a retry may wait this long and still leave that time. */
  readonly canWait: (delayMs: number) => boolean;
  /** @default MAX_LINE_BYTES */
  readonly maxLineBytes?: number;
}

/** What happened to one error object in this run (counts are this run's, not earlier ones'). */
export interface ObjectOutcome {
  readonly key: string;
  /**
   * `handled`: every line re-put, set aside or blank, and the object moved to `redriven/` (in a dry
   * run: would be). `unfinished`: the run stopped in it (`stoppedBy`) and the next run resumes after
   * `resumeAfterLine`. `error`: a call failed; the next run resumes after `resumeAfterLine`.
   */
  readonly status: 'handled' | 'unfinished' | 'error';
  /** Records read to re-put (in a dry run: that would be re-put). */
  readonly records: number;
  /** Records Firehose accepted. */
  readonly reput: number;
  /** Records Firehose still refused when the attempts ran out: the next run sends them. */
  readonly refused: number;
  /** Lines that can never be re-put, written under `failed/` with their reason. */
  readonly setAside: number;
  /** The first of them, with their reason. */
  readonly setAsideLines: readonly { line: number; reason: string }[];
  /** Lines an earlier run already re-put or set aside, skipped. */
  readonly skipped: number;
  readonly moved: boolean;
  /** Every line up to this one is done; the next run starts after it. */
  readonly resumeAfterLine: number;
  readonly stoppedBy?: 'time' | 'refused';
  /** The `failed/` parts this run wrote. */
  readonly failedParts: readonly string[];
  readonly error?: string;
}

type Stop = 'time' | 'refused' | undefined;

/**
 * Re-puts one error object's records, reading it as a stream. Lines an earlier run already handled
 * (its progress marker) are skipped; after each PutRecordBatch the lines set aside so far are
 * written under `failed/` and then the marker moves past everything confirmed, so a rerun sends
 * nothing twice. The one exception: a run killed between Firehose's answer and the marker's write
 * (a window of one S3 PUT, which the time reserve keeps the run from reaching) sends that batch
 * again. An object whose every line is done is moved to `redriven/` and its marker deleted.
 */
export async function redriveObject(run: ObjectRun, key: string): Promise<ObjectOutcome> {
  const counts = { records: 0, reput: 0, refused: 0, setAside: 0, skipped: 0 };
  const setAsideLines: { line: number; reason: string }[] = [];
  const failedParts: string[] = [];
  let handledThrough = 0;
  const outcome = (
    status: ObjectOutcome['status'],
    extra: Partial<Pick<ObjectOutcome, 'moved' | 'stoppedBy' | 'error'>> = {},
  ): ObjectOutcome => ({
    key,
    status,
    ...counts,
    setAsideLines,
    moved: false,
    resumeAfterLine: handledThrough,
    failedParts,
    ...extra,
  });

  let lines: AsyncGenerator<Line> | undefined;
  try {
    const opened = await openErrorObject(run.s3, run.bucket, key, run.maxLineBytes ?? MAX_LINE_BYTES);
    lines = opened.lines;
    const progress = new ObjectProgress(run.s3, run.bucket, key);
    const earlier = await progress.load();
    const marker = earlier?.etag === opened.etag ? earlier : undefined;
    if (earlier !== undefined && marker === undefined) {
      logger.warn('Progress marker is for other content; starting from the first line', { key, earlier });
    }
    handledThrough = marker?.handledThrough ?? 0;
    const sentAfter = new Set(marker?.sentAfter ?? []);
    const setAside = new SetAsideBuffer(key);
    let batch: ErrorRecord[] = [];
    let batchBytes = 0;
    let readThrough = handledThrough;

    /** Writes the set-aside lines up to `through`, then the marker that says they and all before are done. */
    const checkpoint = async (through: number): Promise<void> => {
      const due = setAside.take(through);
      noteSetAside(due);
      if (!run.dryRun) {
        const part = await writeFailedPart(run.s3, run.bucket, key, due);
        if (part !== undefined) failedParts.push(part);
      }
      handledThrough = through;
      for (const line of sentAfter) if (line <= through) sentAfter.delete(line);
      if (run.dryRun) return;
      const next: ProgressMarker = {
        etag: opened.etag,
        handledThrough,
        sentAfter: [...sentAfter].sort((a, b) => a - b),
        reput: (marker?.reput ?? 0) + counts.reput,
        setAside: (marker?.setAside ?? 0) + counts.setAside,
        updatedAt: run.now().toISOString(),
      };
      await progress.save(next);
    };
    const noteSetAside = (due: readonly FailedEntry[]) => {
      counts.setAside += due.length;
      for (const entry of due.slice(0, REPORTED_LINES - setAsideLines.length)) {
        setAsideLines.push({ line: entry.line, reason: entry.reason });
      }
    };

    /** Puts the batch and checkpoints; answers why the object must stop, if it must. */
    const send = async (): Promise<Stop> => {
      if (batch.length === 0) return undefined;
      if (run.outOfTime()) return 'time';
      if (run.dryRun) {
        batch = [];
        batchBytes = 0;
        return undefined;
      }
      const { accepted, refused } = await putBatch(run.firehose, run.deliveryStreamName, batch, {
        retry: run.retry,
        canWait: run.canWait,
        sleep: run.sleep,
      });
      batch = [];
      batchBytes = 0;
      counts.reput += accepted.length;
      if (refused.length === 0) {
        await checkpoint(readThrough);
        return undefined;
      }
      // Done up to the first refused record; what Firehose took after it is remembered line by line.
      counts.refused += refused.length;
      const firstRefused = Math.min(...refused.map((record) => record.line));
      for (const line of accepted) if (line > firstRefused) sentAfter.add(line);
      await checkpoint(firstRefused - 1);
      const last = refused.at(-1);
      logger.warn('Records still refused by Firehose; the next run sends them', {
        key,
        refused: refused.length,
        lastErrorCode: last?.errorCode,
        lastErrorMessage: last?.errorMessage,
      });
      return 'refused';
    };

    let stop: Stop;
    let corrupt: string | undefined;
    try {
      for await (const line of lines) {
        if (run.outOfTime()) {
          stop = 'time';
          break;
        }
        if (line.number <= handledThrough || sentAfter.has(line.number)) {
          counts.skipped += 1;
          readThrough = line.number;
          continue;
        }
        const parsed = parseErrorLine(line);
        if (parsed.kind === 'unsendable') setAside.add(parsed.unsendable);
        if (parsed.kind === 'record') {
          const bytes = requestBytesOf(parsed.record);
          if (batch.length === MAX_BATCH_RECORDS || batchBytes + bytes > MAX_BATCH_BYTES) {
            stop = await send();
            if (stop !== undefined) break;
          }
          batch.push(parsed.record);
          batchBytes += bytes;
          counts.records += 1;
        }
        readThrough = line.number;
        // Many unsendable lines in a row: write them out rather than hold them.
        if (setAside.bytes > SET_ASIDE_FLUSH_BYTES) {
          if (batch.length > 0) stop = await send();
          else await checkpoint(readThrough);
          if (stop !== undefined) break;
        }
      }
    } catch (error) {
      if (!(error instanceof CorruptObjectError)) throw error;
      corrupt = error.message;
    }
    // A damaged gzip object is read as far as it goes; the rest is one line set aside, so the object
    // is done rather than failing every run. A rerun that meets it again has it marked done already.
    if (corrupt !== undefined && stop === undefined && readThrough + 1 > handledThrough) {
      readThrough += 1;
      setAside.add({
        line: readThrough,
        reason: `${corrupt}: nothing after line ${readThrough - 1} can be read`,
      });
    }
    if (stop === undefined) stop = await send();
    if (stop === 'time') {
      // Records read but not sent are read again by the next run, and so are the lines after them.
      const through = (batch[0]?.line ?? readThrough + 1) - 1;
      if (through > handledThrough) await checkpoint(through);
      return outcome('unfinished', { stoppedBy: 'time' });
    }
    if (stop === 'refused') return outcome('unfinished', { stoppedBy: 'refused' });
    if (setAside.bytes > 0 || handledThrough < readThrough) await checkpoint(readThrough);
    if (run.dryRun) return outcome('handled');
    await moveToRedriven(run.s3, run.bucket, key);
    // Deleted last: until then a rerun finds every line done and only finishes the move.
    await progress.delete();
    return outcome('handled', { moved: true });
  } catch (error) {
    logger.warn('Error object not redriven', { key, error });
    return outcome('error', { error: describeError(error) });
  } finally {
    await lines?.return(undefined);
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

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
