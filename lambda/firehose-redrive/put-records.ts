import {
  type FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import type { ErrorRecord } from './error-records';

/**
 * PutRecordBatch takes "up to 500 records … up to a limit of 4 MB for the entire request"
 * (https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html). The request
 * carries the data in base64, so the 4 MB is counted here on the encoded size plus a margin per
 * record for the JSON around it: a batch never exceeds it whichever way Firehose measures.
 */
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4_000_000;
const PER_RECORD_OVERHEAD = 16;

/** What a record costs in a PutRecordBatch request. */
export const requestBytesOf = (record: ErrorRecord): number =>
  Math.ceil(record.rawData.length / 3) * 4 + PER_RECORD_OVERHEAD;

export interface RetryOptions {
  /** PutRecordBatch attempts per batch, the first included. @default 5 */
  readonly attempts?: number;
  /** Delay before the first retry; later ones double, with full jitter. @default 200 ms */
  readonly firstDelayMs?: number;
  /** @default 5000 ms */
  readonly maxDelayMs?: number;
}

export interface BatchResult {
  /** Lines of the records Firehose accepted, over all attempts. */
  readonly accepted: readonly number[];
  /** Records Firehose still refused when the attempts (or the time) ran out, with its last answer. */
  readonly refused: readonly { line: number; errorCode: string; errorMessage: string }[];
}

export interface PutOptions {
  readonly retry?: RetryOptions;
  /** Whether there is time left to wait `delayMs` and try again. */
  readonly canWait: (delayMs: number) => boolean;
  /** @default setTimeout */
  readonly sleep?: (delayMs: number) => Promise<void>;
}

const defaultSleep = (delayMs: number) => new Promise<void>((resolve) => setTimeout(resolve, delayMs));

/**
 * Puts one batch, then again only the records Firehose turned away (FailedPutCount, an ErrorCode in
 * their answer), with exponential backoff and full jitter, until all are accepted, the attempts run
 * out or the run has no time to wait. An error of the call itself (the whole batch refused, a
 * network error) is left to the SDK's own retries; if they fail too it is thrown when no record was
 * accepted yet, and otherwise answered as the pending records refused, so what was accepted counts.
 */
export async function putBatch(
  firehose: FirehoseClient,
  deliveryStreamName: string,
  batch: readonly ErrorRecord[],
  options: PutOptions,
): Promise<BatchResult> {
  const attempts = options.retry?.attempts ?? 5;
  const firstDelay = options.retry?.firstDelayMs ?? 200;
  const maxDelay = options.retry?.maxDelayMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const accepted: number[] = [];
  let pending = batch;
  let refused: { line: number; errorCode: string; errorMessage: string }[] = [];
  for (let attempt = 1; ; attempt += 1) {
    let response: PutRecordBatchCommandOutput;
    try {
      response = await firehose.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: deliveryStreamName,
          Records: pending.map((record) => ({ Data: record.rawData })),
        }),
      );
    } catch (error) {
      // Nothing of this call was accepted; what earlier attempts got accepted must still be counted,
      // or the progress marker would miss it and a rerun would send it again.
      if (accepted.length === 0) throw error;
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      return {
        accepted,
        refused: pending.map((record) => ({ line: record.line, errorCode: name, errorMessage: message })),
      };
    }
    // Entries answer the records in order; one without a RecordId was not confirmed, so it counts
    // as refused rather than risk marking a record sent that never was.
    const entries = response.RequestResponses ?? [];
    const stillRefused: ErrorRecord[] = [];
    refused = [];
    pending.forEach((record, index) => {
      const entry = entries[index];
      if (entry?.RecordId !== undefined && entry.ErrorCode === undefined) {
        accepted.push(record.line);
        return;
      }
      stillRefused.push(record);
      refused.push({
        line: record.line,
        errorCode: entry?.ErrorCode ?? 'NoRecordId',
        errorMessage: entry?.ErrorMessage ?? 'no RecordId in the answer',
      });
    });
    pending = stillRefused;
    if (pending.length === 0 || attempt >= attempts) break;
    const delay = Math.random() * Math.min(maxDelay, firstDelay * 2 ** (attempt - 1));
    if (!options.canWait(delay)) break;
    await sleep(delay);
  }
  return { accepted, refused };
}
