import { decodeEventKey, uploadIdOf } from '../shared/object-keys';
import * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';

/** An uploaded object to score. */
export interface UploadedObject {
  readonly bucket: string;
  /** The decoded object key. */
  readonly key: string;
  readonly uploadId: string;
  /** Size from the event, when S3 reported it. */
  readonly size?: number;
}

/** A record of the event that is not an upload to score, and why. */
export interface SkippedRecord {
  readonly key: string;
  readonly reason: string;
}

/**
 * A payload that is not what S3 or SQS sends: a message body that is not an S3 event notification, or
 * an invocation that is not an SQS event. Retrying cannot fix it, but the message is failed anyway so
 * it ends in the dead-letter queue, where someone can read it, rather than being deleted.
 */
export class InvalidUploadEventError extends Error {
  override readonly name = 'InvalidUploadEventError';
}

/** One message of the SQS event, as the scorer reads it. */
export interface QueuedMessage {
  readonly messageId: string;
  /** The S3 event notification as S3 sent it: JSON text. */
  readonly body: string;
}

// Lambda's SQS event ("Using Lambda with Amazon SQS", Lambda developer guide): only what the scorer reads.
const sqsEvent = z.object({
  Records: z.array(
    z.object({
      messageId: z.string().check(z.minLength(1)),
      eventSource: z.literal('aws:sqs'),
      body: z.string(),
    }),
  ),
});

/** The messages of an SQS event; throws when the invocation is not one, since no message can be named. */
export function parseQueueEvent(event: unknown): QueuedMessage[] {
  const parsed = sqsEvent.safeParse(event);
  if (!parsed.success) {
    throw new InvalidUploadEventError(`Not an SQS event: ${describeIssues(parsed.error, 'event')}`);
  }
  return parsed.data.Records.map(({ messageId, body }) => ({ messageId, body }));
}

// "When you configure an event notification on a bucket, Amazon S3 sends the following test message"
// (S3 user guide, "Event message structure"): it names no object, so there is nothing to score.
const s3TestEvent = z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') });

/** What a message body holds: S3's test message, or an event notification (still to be parsed). */
export type UploadMessage =
  | { readonly testEvent: true }
  | { readonly testEvent: false; readonly event: unknown };

/** Reads a message body as JSON and tells S3's test message apart; throws when it is not JSON. */
export function parseUploadMessage(body: string): UploadMessage {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw new InvalidUploadEventError(
      `Not an S3 event notification: the message body is not JSON: ${preview(body)}`,
    );
  }
  return s3TestEvent.safeParse(payload).success ? { testEvent: true } : { testEvent: false, event: payload };
}

const PREVIEW_CHARACTERS = 200;

/** The start of a body for a log line: a message can be 256 KiB. */
export function preview(text: string): string {
  return text.length <= PREVIEW_CHARACTERS
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, PREVIEW_CHARACTERS))}…`;
}

const s3Event = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().check(z.minLength(1)) }),
          object: z.object({
            key: z.string().check(z.minLength(1)),
            size: z.optional(z.number().check(z.int(), z.nonnegative())),
          }),
        }),
      }),
    )
    .check(z.minLength(1, { error: 'must hold at least one record' })),
});

/** Splits an S3 event notification into the uploads to score and the records to leave alone. */
export function parseUploadEvent(event: unknown): { uploads: UploadedObject[]; skipped: SkippedRecord[] } {
  const parsed = s3Event.safeParse(event);
  if (!parsed.success) {
    throw new InvalidUploadEventError(
      `Not an S3 event notification: ${describeIssues(parsed.error, 'event')}`,
    );
  }
  const uploads: UploadedObject[] = [];
  const skipped: SkippedRecord[] = [];
  parsed.data.Records.forEach((record, index) => {
    let key: string;
    try {
      key = decodeEventKey(record.s3.object.key);
    } catch {
      throw new InvalidUploadEventError(
        `Records.${index}.s3.object.key is not URL-encoded as S3 encodes keys: ${record.s3.object.key}`,
      );
    }
    if (!record.eventName.startsWith('ObjectCreated:')) {
      skipped.push({ key, reason: `${record.eventName} is not an object creation` });
      return;
    }
    const uploadId = uploadIdOf(key);
    // Never score anything outside uploads/: a trigger widened by mistake to results/ would loop.
    if (uploadId === undefined) {
      skipped.push({ key, reason: 'not a file under uploads/' });
      return;
    }
    uploads.push({ bucket: record.s3.bucket.name, key, uploadId, size: record.s3.object.size });
  });
  return { uploads, skipped };
}
