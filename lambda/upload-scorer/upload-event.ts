import { z } from 'zod';
import { decodeEventKey, uploadIdOf } from '../shared/object-keys';
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

/** The invocation's payload is not an S3 event notification; it is kept for the on-failure destination. */
export class InvalidUploadEventError extends Error {
  override readonly name = 'InvalidUploadEventError';
}

const s3Event = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().optional() }),
        }),
      }),
    )
    .min(1, { error: 'must hold at least one record' }),
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
