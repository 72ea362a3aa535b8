import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { UPLOAD_STATUSES } from '../shared/results-table';
import * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';

// Statuses after which the scorer is done with an upload.
const FINAL = ['SUCCEEDED', 'PARTIAL', 'FAILED'] as const;

const image = z.object({
  uploadId: z.string(),
  status: z.enum(UPLOAD_STATUSES),
  fileName: z.optional(z.string()),
  uploaderEmail: z.optional(z.string()),
  // Written false by the API for an uploader who turned the mail off; absent means the mail is wanted.
  notify: z.optional(z.boolean()),
  scored: z.number(),
  rejected: z.number(),
  meanProbability: z.nullable(z.number()),
  modelVersion: z.nullable(z.string()),
  errorCode: z.optional(z.string()),
  message: z.optional(z.string()),
});

// One results-table stream record, as Lambda delivers it: `eventID`, `eventName`, and under `dynamodb`
// the `SequenceNumber` and the images in DynamoDB JSON (Lambda developer guide, "Using event filtering
// with a DynamoDB event source", sample record).
const record = z.object({
  eventID: z.string(),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    SequenceNumber: z.string(),
    NewImage: z.optional(z.record(z.string(), z.unknown())),
    OldImage: z.optional(z.record(z.string(), z.unknown())),
  }),
});

/** A finished upload whose uploader is to be told. */
export interface FinishedUpload {
  readonly uploadId: string;
  readonly status: (typeof FINAL)[number];
  readonly fileName?: string;
  readonly to: string;
  readonly scored: number;
  readonly rejected: number;
  readonly meanProbability: number | null;
  readonly modelVersion: string | null;
  readonly errorCode?: string;
  readonly message?: string;
}

/** What one record asks of the mailer. */
export type RecordDecision =
  | { readonly kind: 'mail'; readonly upload: FinishedUpload }
  | { readonly kind: 'skip'; readonly uploadId: string; readonly reason: string };

/** The record cannot be read as a results-table change: a fault to report, not to drop. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

/** An image as plain values; DynamoDB JSON that is not (`{"S": 5}`, an unknown type) is malformed. */
function fromDynamoDbJson(image: Record<string, unknown>, name: string): Record<string, unknown> {
  try {
    return unmarshall(image as Record<string, AttributeValue>);
  } catch (error) {
    throw new MalformedRecordError(`${name} is not DynamoDB JSON: ${(error as Error).message}`);
  }
}

const isFinal = (status: string | undefined): boolean =>
  status !== undefined && (FINAL as readonly string[]).includes(status);

/**
 * Decides whether a record is an upload's first final status. The scorer overwrites the item on
 * every run (`recordFinal` is unconditional), so an item can go PENDING → FAILED (INTERNAL) → SUCCEEDED
 * when a retry succeeds, and a redrive may write the same final status again. Only the change from
 * a status that was not final (PENDING, or no item) to a final one mails: one mail per upload.
 */
export function decide(raw: DynamoDBRecord): RecordDecision {
  const parsed = record.safeParse(raw);
  if (!parsed.success)
    throw new MalformedRecordError(`not a stream record: ${describeIssues(parsed.error, 'record')}`);
  const { NewImage, OldImage } = parsed.data.dynamodb;
  if (NewImage === undefined) {
    throw new MalformedRecordError(
      `${parsed.data.eventName} record without NewImage: the stream must be NEW_AND_OLD_IMAGES`,
    );
  }
  const item = image.safeParse(fromDynamoDbJson(NewImage, 'NewImage'));
  if (!item.success)
    throw new MalformedRecordError(
      `NewImage is not a results item: ${describeIssues(item.error, 'NewImage')}`,
    );
  const next = item.data;
  const before = OldImage === undefined ? undefined : fromDynamoDbJson(OldImage, 'OldImage');
  const skip = (reason: string): RecordDecision => ({ kind: 'skip', uploadId: next.uploadId, reason });
  if (!isFinal(next.status)) return skip(`status ${next.status} is not final`);
  if (isFinal(before?.status as string | undefined)) return skip(`already final (${String(before?.status)})`);
  if (next.uploaderEmail === undefined) return skip('no uploader address');
  if (next.notify === false) return skip('the uploader turned the results mail off');
  return {
    kind: 'mail',
    upload: {
      uploadId: next.uploadId,
      status: next.status as FinishedUpload['status'],
      fileName: next.fileName,
      to: next.uploaderEmail,
      scored: next.scored,
      rejected: next.rejected,
      meanProbability: next.meanProbability,
      modelVersion: next.modelVersion,
      errorCode: next.errorCode,
      message: next.message,
    },
  };
}
