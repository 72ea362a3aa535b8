import '../support/test-environment';
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ResultsUpload } from '../../../lambda/upload-scorer/results-upload';
import type { ScoredRow } from '../../../predictor/inference/scoring-types';
import { batchOf } from '../../support/scored-batch';
import { BUCKET, mockS3Bucket } from '../support/s3-fixtures';

const bucket = mockS3Bucket();
const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const KEY = 'results/r.ndjson.gz';

beforeEach(() => bucket.install());

/** Rows whose ids do not compress, so a few MB of rows make a gzip file past the 5 MiB part size. */
function incompressibleRows(count: number): ScoredRow[] {
  const random = randomBytes(count * 48);
  return Array.from({ length: count }, (_, i) => ({
    id: random.subarray(i * 48, (i + 1) * 48).toString('base64'),
    probability: i / count,
  }));
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

test('small results are one PutObject of gzip NDJSON', async () => {
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  await upload.write(batchOf([{ id: '10000001', probability: 0.12345678 }]));
  await upload.write(
    batchOf([
      { id: 'quote"d', probability: 1 },
      { id: '10000003', probability: 0 },
    ]),
  );
  await upload.complete();
  expect(bucket.resultLines(KEY)).toEqual([
    { id: '10000001', probability: 0.123457 },
    { id: 'quote"d', probability: 1 },
    { id: '10000003', probability: 0 },
  ]);
  expect(bucket.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
});

test('large results go up as a multipart upload that is completed', async () => {
  const rows = incompressibleRows(120_000);
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  for (let at = 0; at < rows.length; at += 16_384) await upload.write(batchOf(rows.slice(at, at + 16_384)));
  await upload.complete();
  expect(bucket.s3Mock.commandCalls(UploadPartCommand).length).toBeGreaterThanOrEqual(2);
  expect(bucket.s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
  expect(bucket.resultLines(KEY).map((line) => line.id)).toEqual(rows.map((row) => row.id));
});

test('discarding a multipart upload aborts it and completes nothing', async () => {
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  const rows = incompressibleRows(120_000);
  for (let at = 0; at < rows.length; at += 16_384) await upload.write(batchOf(rows.slice(at, at + 16_384)));
  await waitFor(() => bucket.s3Mock.commandCalls(UploadPartCommand).length > 0);
  await upload.discard();
  expect(bucket.s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  expect(bucket.s3Mock.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
    Bucket: BUCKET,
    Key: KEY,
    UploadId: `mpu-${KEY}`,
  });
  expect(bucket.s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  expect(bucket.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(bucket.objects.has(KEY)).toBe(false);
});

test('discarding small results sends nothing at all', async () => {
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  await upload.write(batchOf([{ id: '1', probability: 0.5 }]));
  await upload.discard();
  expect(bucket.s3Mock.calls()).toHaveLength(0);
});

test('a write still waiting when the results are discarded ends quietly', async () => {
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  // Over the gzip stream's 16 KiB buffer: this write waits for 'drain'.
  const waiting = upload.write(batchOf(incompressibleRows(2_000)));
  await upload.discard();
  await expect(waiting).resolves.toBeUndefined();
  await expect(upload.write(batchOf(incompressibleRows(1)))).resolves.toBeUndefined();
  expect(bucket.s3Mock.calls()).toHaveLength(0);
});

test('an S3 failure fails complete()', async () => {
  bucket.s3Mock
    .on(PutObjectCommand)
    .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  await upload.write(batchOf([{ id: '1', probability: 0.5 }]));
  await expect(upload.complete()).rejects.toThrow('Access Denied');
});

test('a multipart failure surfaces in write() instead of blocking it forever', async () => {
  bucket.s3Mock
    .on(UploadPartCommand)
    .rejects(Object.assign(new Error('Internal Error'), { name: 'InternalError' }));
  const upload = new ResultsUpload(s3, BUCKET, KEY);
  const rows = incompressibleRows(16_384);
  await expect(
    (async () => {
      for (let i = 0; i < 200; i++) await upload.write(batchOf(rows));
    })(),
  ).rejects.toThrow('Internal Error');
  expect(bucket.s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  expect(bucket.s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
});
