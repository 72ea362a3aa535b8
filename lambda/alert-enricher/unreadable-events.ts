import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UNREADABLE_EVENTS_PREFIX } from '../../constructs/contracts/alerting';
import { presignDownload } from '../shared/presigned-urls';
import { ContextUnavailableError, withTimeout } from './context/with-timeout';
import type { RawEventCopy } from './enriched-alert';

/** An S3 put of at most a Lambda payload (256 KiB asynchronous) takes well under this. */
const STORE_TIMEOUT_MS = 1000;

/** Where unreadable events go and how long their links work: the metric graphs' bucket and link TTL. */
export interface RawEventStorage {
  readonly s3: S3Client;
  /** Signs the link; never sends a request. */
  readonly presigningS3: S3Client;
  readonly bucket: string;
  readonly urlTtlSeconds: number;
  /** @default the system clock */
  readonly now?: () => Date;
  /** @default 1000 ms */
  readonly timeoutMs?: number;
}

/**
 * `unreadable/<UTC date>/<sha256 of the payload>.json` (`.txt` when it is not JSON): the same payload
 * received twice the same day is one object.
 */
export function rawEventKey(raw: string, at: Date, json = isJson(raw)): string {
  const digest = createHash('sha256').update(raw).digest('hex');
  return `${UNREADABLE_EVENTS_PREFIX}${at.toISOString().slice(0, 10)}/${digest}.${json ? 'json' : 'txt'}`;
}

/**
 * Keeps the whole payload of an unreadable event in the artifacts bucket and links it, because every
 * channel cuts what exceeds its limit (an SNS publish carries the payload in each protocol's message,
 * so about 42 KiB of it fits). Never throws: a failure is the copy's `error`, said in the alert.
 */
export async function storeRawEvent(storage: RawEventStorage, raw: string): Promise<RawEventCopy> {
  const bytes = Buffer.byteLength(raw);
  const now = storage.now ?? (() => new Date());
  const json = isJson(raw);
  const key = rawEventKey(raw, now(), json);
  try {
    await withTimeout(storage.timeoutMs ?? STORE_TIMEOUT_MS, (abortSignal) =>
      // The bucket encrypts with its KMS key by default, so the request names no encryption.
      storage.s3.send(
        new PutObjectCommand({
          Bucket: storage.bucket,
          Key: key,
          Body: raw,
          ContentType: json ? 'application/json' : 'text/plain; charset=utf-8',
        }),
        { abortSignal },
      ),
    );
    const link = await presignDownload(
      { s3: storage.presigningS3, ttlSeconds: storage.urlTtlSeconds, now },
      { bucket: storage.bucket, key },
    );
    return { stored: true, bytes, bucket: storage.bucket, key, ...link };
  } catch (error) {
    // A timeout says itself (`timed out after 1000 ms`); an AWS error by its name (`AccessDenied: …`).
    const text =
      error instanceof ContextUnavailableError
        ? error.message
        : error instanceof Error
          ? [error.name, error.message].filter(Boolean).join(': ')
          : String(error);
    return { stored: false, bytes, error: text.slice(0, 300) };
  }
}

function isJson(raw: string): boolean {
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}
