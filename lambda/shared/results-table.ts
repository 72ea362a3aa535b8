import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { UPLOADER_INDEX } from '../../constructs/contracts/predictor';
import type { InputErrorCode, RejectedRowSample } from '../../predictor/inference/scoring-types';
import * as z from './zod';

/**
 * The results table: one item per upload id, written PENDING by the API when it hands out the
 * upload URL and overwritten with the final outcome by the scorer.
 */

export const UPLOAD_STATUSES = ['PENDING', 'SUCCEEDED', 'PARTIAL', 'FAILED'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];
export type FinalStatus = Exclude<UploadStatus, 'PENDING'>;

/** The error code of a run stopped by an AWS or runtime failure rather than by the file. */
export const INTERNAL_ERROR = 'INTERNAL';
export type ResultErrorCode = InputErrorCode | typeof INTERNAL_ERROR;

/** Rejected rows kept per upload: enough to show what is wrong, bounded to keep the item small. */
export const MAX_REJECTED_SAMPLES = 20;
// Samples and messages quote the uploaded file, whose fields can be any length; DynamoDB items
// cannot pass 400 KB.
const MAX_SAMPLE_TEXT = 200;
const MAX_MESSAGE = 2000;

/** What was counted in a file. */
export interface ScoreCounts {
  readonly rows: number;
  readonly scored: number;
  readonly rejected: number;
  readonly meanProbability: number | null;
  readonly modelVersion: string | null;
}

export const NO_COUNTS: ScoreCounts = {
  rows: 0,
  scored: 0,
  rejected: 0,
  meanProbability: null,
  modelVersion: null,
};

const rejectedSample = z.object({
  line: z.number(),
  id: z.optional(z.string()),
  column: z.string(),
  reason: z.string(),
});

const resultItem = z.object({
  uploadId: z.string(),
  status: z.enum(UPLOAD_STATUSES),
  sourceKey: z.string(),
  fileName: z.optional(z.string()),
  // Who uploaded through the site. Absent on uploads made through the IAM routes or straight into the
  // bucket, and on every item written before browser uploads existed.
  uploaderSub: z.optional(z.string()),
  uploaderEmail: z.optional(z.string()),
  // false when the uploader turned the results mail off; the mailer reads it from the stream.
  notify: z.optional(z.boolean()),
  resultsKey: z.optional(z.string()),
  rows: z.number(),
  scored: z.number(),
  rejected: z.number(),
  meanProbability: z.nullable(z.number()),
  modelVersion: z.nullable(z.string()),
  durationMs: z.nullable(z.number()),
  errorCode: z.optional(z.string()),
  message: z.optional(z.string()),
  rejectedSamples: z.array(rejectedSample),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** One upload's item as stored. */
export type ResultItem = z.infer<typeof resultItem>;

/** How a scoring run ended. */
export interface FinalResult {
  readonly uploadId: string;
  readonly sourceKey: string;
  readonly status: FinalStatus;
  /** The NDJSON results object; only when SUCCEEDED or PARTIAL. */
  readonly resultsKey?: string;
  readonly counts: ScoreCounts;
  readonly durationMs: number;
  /** Only when FAILED. */
  readonly error?: { readonly code: ResultErrorCode; readonly message: string };
  readonly rejectedSamples: readonly RejectedRowSample[];
}

/** The person who made an upload through the site: the user pool's `sub` and their address. */
export interface Uploader {
  readonly sub: string;
  readonly email: string;
  /** false when they turned the "results ready" mail off. @default true */
  readonly notify?: boolean;
}

/** A PENDING item already exists under this id. */
export class UploadIdTakenError extends Error {
  override readonly name = 'UploadIdTakenError';
}

export class ResultsTable {
  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records an upload the API has just handed a URL for. Conditional on the id being new, so it can
   * never reset an upload that was already scored.
   */
  async createPending(upload: {
    uploadId: string;
    sourceKey: string;
    fileName: string;
    uploader?: Uploader;
  }): Promise<ResultItem> {
    const now = this.now().toISOString();
    const { uploader, ...keys } = upload;
    const item: ResultItem = {
      ...keys,
      // Only items with an uploader carry the index's key, so only they appear in the index.
      ...(uploader !== undefined && { uploaderSub: uploader.sub, uploaderEmail: uploader.email }),
      ...(uploader?.notify === false && { notify: false }),
      status: 'PENDING',
      ...NO_COUNTS,
      durationMs: null,
      rejectedSamples: [],
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.dynamoDb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(uploadId)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new UploadIdTakenError(`upload ${upload.uploadId} already exists`);
      }
      throw error;
    }
    return item;
  }

  /** The upload's item, read consistently so a result is visible as soon as it is written. */
  async get(uploadId: string): Promise<ResultItem | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: { uploadId }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : resultItem.parse(Item);
  }

  /**
   * The uploader's most recent uploads, newest first, from {@link UPLOADER_INDEX} (`createdAt` is
   * ISO 8601 in UTC, so text order is time order). A Query stops at `Limit` items or 1 MB read,
   * whichever comes first, and then returns `LastEvaluatedKey` (DynamoDB developer guide, "Paginating
   * table query results"), so it reads on from there until it has `limit` items or none are left.
   */
  async recentByUploader(uploaderSub: string, limit: number): Promise<ResultItem[]> {
    const items: ResultItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamoDb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: UPLOADER_INDEX.indexName,
          KeyConditionExpression: '#uploaderSub = :uploaderSub',
          ExpressionAttributeNames: { '#uploaderSub': UPLOADER_INDEX.partitionKey },
          ExpressionAttributeValues: { ':uploaderSub': uploaderSub },
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) items.push(resultItem.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < limit);
    return items;
  }

  /**
   * Stores how scoring ended, creating the item when the file was put in the bucket without the API.
   * Unconditional on purpose: each run scores the object as it is now, so the latest run is the truth,
   * and a retry that succeeds must replace the INTERNAL failure recorded before it.
   */
  async recordFinal(result: FinalResult): Promise<void> {
    const now = this.now().toISOString();
    const set: Record<string, unknown> = {
      status: result.status,
      sourceKey: result.sourceKey,
      ...result.counts,
      durationMs: Math.round(result.durationMs),
      rejectedSamples: result.rejectedSamples.slice(0, MAX_REJECTED_SAMPLES).map(boundedSample),
      updatedAt: now,
    };
    const remove: string[] = [];
    if (result.resultsKey === undefined) remove.push('resultsKey');
    else set.resultsKey = result.resultsKey;
    if (result.error === undefined) remove.push('errorCode', 'message');
    else
      Object.assign(set, { errorCode: result.error.code, message: clip(result.error.message, MAX_MESSAGE) });

    const names: Record<string, string> = { '#createdAt': 'createdAt' };
    const values: Record<string, unknown> = { ':now': now };
    const assignments = Object.entries(set).map(([name, value]) => {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      return `#${name} = :${name}`;
    });
    for (const name of remove) names[`#${name}`] = name;
    await this.dynamoDb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { uploadId: result.uploadId },
        UpdateExpression:
          `SET ${[...assignments, '#createdAt = if_not_exists(#createdAt, :now)'].join(', ')}` +
          (remove.length > 0 ? ` REMOVE ${remove.map((name) => `#${name}`).join(', ')}` : ''),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}

function boundedSample(sample: RejectedRowSample): RejectedRowSample {
  return {
    line: sample.line,
    id: sample.id === undefined ? undefined : clip(sample.id, MAX_SAMPLE_TEXT),
    column: clip(sample.column, MAX_SAMPLE_TEXT),
    reason: clip(sample.reason, MAX_SAMPLE_TEXT),
  };
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
