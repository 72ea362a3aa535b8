import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * Results-table stream records, shaped as the sample record of the Lambda developer guide's "Using
 * event filtering with a DynamoDB event source" (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html):
 * `eventID`, `eventVersion`, `dynamodb` with `ApproximateCreationDateTime`, `Keys`, `NewImage`,
 * `SequenceNumber`, `SizeBytes` and `StreamViewType`, plus the `eventName` and `OldImage` a
 * NEW_AND_OLD_IMAGES stream adds ("Change data capture for DynamoDB Streams", DynamoDB developer guide).
 */

export const UPLOAD_ID = '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b';

export const PENDING = {
  uploadId: UPLOAD_ID,
  status: 'PENDING',
  sourceKey: `uploads/${UPLOAD_ID}.csv`,
  fileName: 'crimes-2024.csv',
  uploaderSub: '9a1c2b3d-0000-4000-8000-000000000001',
  uploaderEmail: 'analyst@example.org',
  rows: 0,
  scored: 0,
  rejected: 0,
  meanProbability: null,
  modelVersion: null,
  durationMs: null,
  rejectedSamples: [],
  createdAt: '2026-12-07T02:00:00.000Z',
  updatedAt: '2026-12-07T02:00:00.000Z',
};

export const SUCCEEDED = {
  ...PENDING,
  status: 'SUCCEEDED',
  rows: 1200,
  scored: 1200,
  rejected: 0,
  meanProbability: 0.2134,
  modelVersion: 'arrest-model-2026-11',
  durationMs: 850,
  resultsKey: `results/${UPLOAD_ID}.ndjson.gz`,
  updatedAt: '2026-12-07T02:00:05.000Z',
};

export const FAILED = {
  ...PENDING,
  status: 'FAILED',
  errorCode: 'MISSING_COLUMNS',
  message: 'The file has no column named Primary Type; the header must name every required column.',
  updatedAt: '2026-12-07T02:00:05.000Z',
};

let sequence = 100;

/** A MODIFY record from `before` to `after` (INSERT when `before` is undefined). */
export function streamRecord(after: object, before?: object, uploadId = UPLOAD_ID): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: String(sequence),
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventName: before === undefined ? 'INSERT' : 'MODIFY',
    dynamodb: {
      ApproximateCreationDateTime: 1678831218,
      Keys: { uploadId: { S: uploadId } },
      NewImage: marshall({ ...after, uploadId }, { removeUndefinedValues: true }) as never,
      ...(before !== undefined && {
        OldImage: marshall({ ...before, uploadId }, { removeUndefinedValues: true }) as never,
      }),
      SequenceNumber: `${sequence}000000000000000000`,
      SizeBytes: 26,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

export const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
