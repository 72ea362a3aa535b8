import '../support/test-environment';
import {
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { instrumentHandler } from '../../../lambda/shared/instrument-handler';
import { logger } from '../../../lambda/shared/observability';
import { type ResultItem, ResultsTable } from '../../../lambda/shared/results-table';
import { ResultsUpload } from '../../../lambda/upload-scorer/results-upload';
import { createUploadQueueHandler } from '../../../lambda/upload-scorer/upload-queue-handler';
import { EXPORT_COLUMNS } from '../../../predictor/features/columns';
import { exportHeader, SyntheticCrimes, toExportCsv } from '../../../predictor/generator/synthetic-crimes';
import { scoreCsv } from '../../../predictor/inference/score-csv';
import { queueEventOf, S3_TEST_EVENT, SQS_STANDARD_QUEUE_EVENT } from '../../fixtures/aws/sqs-s3-events';
import { captureEmf, metricValues } from '../support/emf-capture';
import { lambdaContext } from '../support/lambda-context';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { MODEL_VERSION } from '../support/model-version';
import {
  BUCKET,
  gzip,
  mockS3Bucket,
  objectCreatedEvent,
  syntheticCsv,
  uploadQueueEvent,
} from '../support/s3-fixtures';

const MAX_UPLOAD_BYTES = 3_000_000;
const bucket = mockS3Bucket();
let dynamo: LocalDynamoDb;
let results: ResultsTable;
let emf: ReturnType<typeof captureEmf>;
let discards: jest.SpiedFunction<ResultsUpload['discard']>;

/** The deployed wiring: the queue handler, instrumented. */
function scorerFor(table: ResultsTable) {
  return instrumentHandler(
    createUploadQueueHandler({
      s3: dynamo.clients.s3,
      results: table,
      scoreCsv,
      resultsBucket: BUCKET,
      maxUploadBytes: MAX_UPLOAD_BYTES,
      maxRejectedShare: 0.05,
    }),
  );
}

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  results = new ResultsTable(dynamo.clients.dynamoDb, await dynamo.createResultsTable());
});
afterAll(() => dynamo.close());
beforeEach(() => {
  bucket.install();
  emf = captureEmf();
  discards = jest.spyOn(ResultsUpload.prototype, 'discard');
});
afterEach(() => {
  emf.restore();
  discards.mockRestore();
});

let uploads = 0;
/** Puts `body` in the mocked bucket under a fresh upload key and runs the scorer on its event. */
async function scoreFile(
  body: string | Buffer,
  options: { extension?: string; size?: number } = {},
): Promise<{ uploadId: string; item: ResultItem | undefined; response: SQSBatchResponse }> {
  const uploadId = `upload-${++uploads}`;
  const key = `uploads/${uploadId}.${options.extension ?? 'csv'}`;
  const bytes = Buffer.from(body);
  bucket.objects.set(key, bytes);
  const response = await scorerFor(results)(
    uploadQueueEvent([{ key, size: options.size ?? bytes.length }]),
    lambdaContext(),
  );
  // A file outcome, good or bad, is never a failed message: retrying cannot change it.
  expect(response).toEqual({ batchItemFailures: [] });
  return { uploadId, item: await results.get(uploadId), response };
}

/** Synthetic rows with the given 0-based rows broken in the given column. */
function csvWithBadRows(
  rows: number,
  bad: ReadonlyMap<number, [column: string, value: string]>,
  seed = 11,
): string {
  const data = new SyntheticCrimes({ seed }).nextRows(rows);
  for (const [index, [column, value]] of bad) {
    const row = data[index];
    if (row) row[EXPORT_COLUMNS.indexOf(column as (typeof EXPORT_COLUMNS)[number])] = value;
  }
  return `${exportHeader()}\n${toExportCsv(data)}`;
}

function expectNoResultsObject(uploadId: string): void {
  expect(bucket.objects.has(`results/${uploadId}.ndjson.gz`)).toBe(false);
  expect(bucket.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(bucket.s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
}

function expectSourceKept(): void {
  expect(bucket.s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
}

describe('upload scorer: files that score', () => {
  test('a clean export is SUCCEEDED, with one NDJSON line per row in file order', async () => {
    const csv = syntheticCsv(500);
    const { uploadId, item } = await scoreFile(csv);

    expect(item).toMatchObject({
      uploadId,
      status: 'SUCCEEDED',
      sourceKey: `uploads/${uploadId}.csv`,
      resultsKey: `results/${uploadId}.ndjson.gz`,
      rows: 500,
      scored: 500,
      rejected: 0,
      modelVersion: MODEL_VERSION,
      rejectedSamples: [],
    });
    expect(item?.errorCode).toBeUndefined();
    expect(item?.meanProbability).toBeGreaterThan(0);
    expect(item?.meanProbability).toBeLessThan(1);
    expect(item?.durationMs).toBeGreaterThanOrEqual(0);

    const lines = bucket.resultLines(`results/${uploadId}.ndjson.gz`);
    const ids = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    expect(lines.map((line) => line.id)).toEqual(ids);
    for (const line of lines) expect(line.probability).toBeGreaterThan(0);
    const mean = lines.reduce((sum, line) => sum + line.probability, 0) / lines.length;
    expect(item?.meanProbability).toBeCloseTo(mean, 4);

    const put = bucket.s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: `results/${uploadId}.ndjson.gz`,
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'gzip',
    });
    expect(put?.ServerSideEncryption).toBeUndefined();
    expect(put?.SSEKMSKeyId).toBeUndefined();
    expectSourceKept();
  });

  test('publishes RowsScored, RowsRejected, ScoringLatency and MeanProbability by ModelVersion', async () => {
    const { item } = await scoreFile(syntheticCsv(200));
    const dimensions = { service: 'predictor-test', ModelVersion: MODEL_VERSION };
    expect(metricValues(emf.records, 'RowsScored')).toEqual([{ value: 200, dimensions }]);
    expect(metricValues(emf.records, 'RowsRejected')).toEqual([{ value: 0, dimensions }]);
    expect(metricValues(emf.records, 'MeanProbability')).toEqual([
      { value: item?.meanProbability, dimensions },
    ]);
    const [latency] = metricValues(emf.records, 'ScoringLatency');
    expect(latency?.dimensions).toEqual(dimensions);
    expect(latency?.value).toBe(item?.durationMs);
    expect(metricValues(emf.records, 'FilesFailed')).toEqual([]);
  });

  test('a gzip export is detected by its bytes and scored the same', async () => {
    const csv = syntheticCsv(300);
    const plain = await scoreFile(csv);
    const zipped = await scoreFile(gzip(csv), { extension: 'csv.gz' });
    expect(zipped.item).toMatchObject({ status: 'SUCCEEDED', rows: 300, scored: 300 });
    expect(zipped.item?.meanProbability).toBe(plain.item?.meanProbability);
  });

  test('a file re-saved by a spreadsheet (BOM, CRLF) is SUCCEEDED', async () => {
    const csv = `\uFEFF${syntheticCsv(100).replace(/\n/g, '\r\n')}`;
    const { item } = await scoreFile(csv);
    expect(item).toMatchObject({ status: 'SUCCEEDED', rows: 100, scored: 100, rejected: 0 });
  });

  test('rows with invalid values under the threshold make it PARTIAL, with counts and samples', async () => {
    const bad = new Map<number, [string, string]>([
      [3, ['Date', 'yesterday']],
      [10, ['Latitude', '99.5']],
      [500, ['Domestic', 'maybe']],
    ]);
    const { uploadId, item } = await scoreFile(csvWithBadRows(1000, bad));

    expect(item).toMatchObject({ status: 'PARTIAL', rows: 1000, scored: 997, rejected: 3 });
    expect(item?.resultsKey).toBe(`results/${uploadId}.ndjson.gz`);
    expect(item?.rejectedSamples).toEqual([
      expect.objectContaining({ line: 5, column: 'Date', reason: expect.stringContaining('MM/DD/YYYY') }),
      expect.objectContaining({ line: 12, column: 'Latitude' }),
      expect.objectContaining({ line: 502, column: 'Domestic', reason: 'must be true or false' }),
    ]);
    expect(bucket.resultLines(`results/${uploadId}.ndjson.gz`)).toHaveLength(997);
    expect(metricValues(emf.records, 'RowsRejected')[0]?.value).toBe(3);
  });

  test('at most 20 rejected rows are kept as samples', async () => {
    const bad = new Map<number, [string, string]>(
      Array.from({ length: 40 }, (_, i) => [i * 20, ['Beat', 'x']] as [number, [string, string]]),
    );
    const { item } = await scoreFile(csvWithBadRows(1000, bad));
    expect(item).toMatchObject({ status: 'PARTIAL', rejected: 40, scored: 960 });
    expect(item?.rejectedSamples).toHaveLength(20);
  });
});

describe('upload scorer: files that fail', () => {
  async function expectFailed(
    body: string | Buffer,
    code: string,
    message: RegExp,
    options: { extension?: string; size?: number } = {},
  ): Promise<ResultItem | undefined> {
    const { uploadId, item } = await scoreFile(body, options);
    expect(item).toMatchObject({ uploadId, status: 'FAILED', errorCode: code });
    expect(item?.message).toMatch(message);
    expect(item?.resultsKey).toBeUndefined();
    expectNoResultsObject(uploadId);
    // Failures found while reading drop the results upload they had started.
    const downloaded = bucket.s3Mock.commandCalls(GetObjectCommand).length;
    expect(discards).toHaveBeenCalledTimes(downloaded);
    expectSourceKept();
    expect(metricValues(emf.records, 'FilesFailed')).toEqual([
      { value: 1, dimensions: { service: 'predictor-test', ErrorCode: code } },
    ]);
    expect(metricValues(emf.records, 'RowsScored')).toEqual([]);
    return item;
  }

  test('too many rejected rows: TOO_MANY_REJECTED with the partial counts', async () => {
    const bad = new Map<number, [string, string]>(
      Array.from({ length: 10 }, (_, i) => [i * 10, ['Ward', 'W']] as [number, [string, string]]),
    );
    const item = await expectFailed(csvWithBadRows(100, bad), 'TOO_MANY_REJECTED', /10 of 100 rows/);
    expect(item).toMatchObject({ rows: 100, scored: 90, rejected: 10, modelVersion: MODEL_VERSION });
    expect(item?.rejectedSamples).toHaveLength(10);
  });

  test('corrupted gzip (one byte flipped in the middle): CORRUPT_GZIP', async () => {
    const body = gzip(syntheticCsv(2000));
    const middle = body.length >> 1;
    body[middle] = (body[middle] ?? 0) ^ 0xff;
    await expectFailed(body, 'CORRUPT_GZIP', /corrupted/, { extension: 'csv.gz' });
  });

  test('truncated gzip (last 20 bytes cut) after two batches were scored: TRUNCATED_GZIP, nothing kept', async () => {
    const body = gzip(syntheticCsv(40_000, 3));
    await expectFailed(body.subarray(0, body.length - 20), 'TRUNCATED_GZIP', /truncated/, {
      extension: 'csv.gz',
    });
  });

  test('binary data (a PNG): NOT_CSV', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 37) % 256)),
    ]);
    await expectFailed(png, 'NOT_CSV', /not a CSV/);
  });

  test('a header without the required columns: MISSING_COLUMNS naming them', async () => {
    const rows = new SyntheticCrimes({ seed: 5 }).nextRows(20);
    const keep = EXPORT_COLUMNS.map((_, i) => i).filter(
      (i) => !['Date', 'Beat'].includes(EXPORT_COLUMNS[i] ?? ''),
    );
    const csv = toExportCsv([
      keep.map((i) => EXPORT_COLUMNS[i] ?? ''),
      ...rows.map((row) => keep.map((i) => row[i] ?? '')),
    ]);
    await expectFailed(csv, 'MISSING_COLUMNS', /Date, Beat/);
  });

  test('an empty file: EMPTY_FILE', async () => {
    await expectFailed('', 'EMPTY_FILE', /empty/);
  });

  test('a header and no rows: EMPTY_FILE', async () => {
    await expectFailed(`${exportHeader()}\n`, 'EMPTY_FILE', /no data rows/);
  });

  test('over the size limit by the event: TOO_LARGE without downloading it', async () => {
    await expectFailed(syntheticCsv(10), 'TOO_LARGE', new RegExp(`${MAX_UPLOAD_BYTES} bytes limit`), {
      size: MAX_UPLOAD_BYTES + 1,
    });
    expect(bucket.s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  test('over the size limit by its content (the event understated it): TOO_LARGE', async () => {
    const csv = syntheticCsv(20_000);
    expect(csv.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    await expectFailed(csv, 'TOO_LARGE', /larger than/, { size: 100 });
  });
});

describe('upload scorer: queue messages', () => {
  test('scores every upload of a multi-record notification; keys are URL-decoded', async () => {
    const keys = ['uploads/my file (1).csv', 'uploads/b+c%.csv.gz'];
    bucket.objects.set(keys[0] ?? '', Buffer.from(syntheticCsv(50)));
    bucket.objects.set(keys[1] ?? '', gzip(syntheticCsv(60)));
    const event = queueEventOf([
      {
        messageId: 'two-files',
        body: JSON.stringify(objectCreatedEvent(keys.map((key) => ({ key, size: 10 })))),
      },
    ]);
    expect(await scorerFor(results)(event, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(bucket.s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual(keys);
    expect(await results.get('my file (1)')).toMatchObject({
      status: 'SUCCEEDED',
      rows: 50,
      sourceKey: keys[0],
    });
    expect(await results.get('b+c%')).toMatchObject({ status: 'SUCCEEDED', rows: 60, sourceKey: keys[1] });
  });

  test('leaves objects outside uploads/ alone (no loop on its own results)', async () => {
    const response = await scorerFor(results)(
      uploadQueueEvent([
        { key: 'results/upload-x.ndjson.gz', size: 10 },
        { key: 'uploads/', size: 0 },
      ]),
      lambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(bucket.s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(await results.get('upload-x')).toBeUndefined();
  });

  test('ignores the test message S3 sends when the notification is configured', async () => {
    const response = await scorerFor(results)(
      queueEventOf([{ messageId: 'test-event', body: JSON.stringify(S3_TEST_EVENT) }]),
      lambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(bucket.s3Mock.calls()).toHaveLength(0);
    expect(metricValues(emf.records, 'FilesFailed')).toEqual([]);
  });

  test('fails a message that is not an S3 notification, so it is kept in the dead-letter queue', async () => {
    const errors = jest.spyOn(logger, 'error');
    try {
      bucket.objects.set('uploads/fine.csv', Buffer.from(syntheticCsv(20)));
      const fine = JSON.stringify(objectCreatedEvent([{ key: 'uploads/fine.csv', size: 10 }]));
      const response = await scorerFor(results)(
        queueEventOf([
          // The documented SQS sample's own body: plain text.
          { messageId: 'plain-text', body: SQS_STANDARD_QUEUE_EVENT.Records[0]?.body ?? '' },
          { messageId: 'not-s3', body: JSON.stringify({ Records: [{ eventSource: 'aws:sqs' }] }) },
          { messageId: 'bad-key', body: fine.replace('uploads/fine.csv', 'uploads/%E0%A4%A.csv') },
          { messageId: 'fine', body: fine },
        ]),
        lambdaContext(),
      );
      expect(response.batchItemFailures).toEqual([
        { itemIdentifier: 'plain-text' },
        { itemIdentifier: 'not-s3' },
        { itemIdentifier: 'bad-key' },
      ]);
      // The bad messages do not stop the good one.
      expect(await results.get('fine')).toMatchObject({ status: 'SUCCEEDED', rows: 20 });
      // Each is logged with what is wrong and the start of its body.
      const logged = errors.mock.calls.map(([message, extra]) => {
        const { body, error } = extra as { body: string; error: Error };
        return [message, error.message, body];
      });
      const notS3 = expect.stringMatching(/^Message is not an S3 event notification/);
      expect(logged).toEqual([
        [notS3, expect.stringMatching(/body is not JSON/), '"Test message."'],
        [
          notS3,
          expect.stringMatching(/^Not an S3 event notification: Records\.0\./),
          expect.stringContaining('aws:sqs'),
        ],
        [
          notS3,
          expect.stringContaining('not URL-encoded as S3 encodes keys: uploads/%E0%A4%A.csv'),
          expect.any(String),
        ],
      ]);
    } finally {
      errors.mockRestore();
    }
  });

  test('refuses an invocation that is not an SQS event, saying what is wrong', async () => {
    const scorer = scorerFor(results);
    await expect(scorer(objectCreatedEvent([{ key: 'uploads/x.csv' }]), lambdaContext())).rejects.toThrow(
      /^Not an SQS event: Records\.0\./,
    );
    await expect(scorer({ detail: {} }, lambdaContext())).rejects.toThrow(/Records: /);
  });
});

describe('upload scorer: unexpected errors are recorded and their message fails', () => {
  test('S3 GetObject failing: FAILED/INTERNAL stored, the message failed for a retry, source kept', async () => {
    const failure = Object.assign(new Error('We encountered an internal error. Please try again.'), {
      name: 'InternalError',
    });
    bucket.s3Mock.on(GetObjectCommand).rejects(failure);
    const key = 'uploads/s3-down.csv';
    const response = await scorerFor(results)(
      uploadQueueEvent([{ key, size: 10, messageId: 'm-s3-down' }]),
      lambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-s3-down' }] });
    const item = await results.get('s3-down');
    expect(item).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL', sourceKey: key });
    expect(item?.message).not.toMatch(/We encountered/);
    expect(metricValues(emf.records, 'FilesFailed')).toEqual([
      { value: 1, dimensions: { service: 'predictor-test', ErrorCode: 'INTERNAL' } },
    ]);
    expectSourceKept();
  });

  test('the results upload failing: FAILED/INTERNAL, the message failed, no results object', async () => {
    bucket.s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Slow Down'), { name: 'SlowDown' }));
    bucket.objects.set('uploads/put-fails.csv', Buffer.from(syntheticCsv(30)));
    const response = await scorerFor(results)(
      uploadQueueEvent([{ key: 'uploads/put-fails.csv', size: 10, messageId: 'm-put' }]),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-put' }]);
    expect(await results.get('put-fails')).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL' });
    expect(bucket.objects.has('results/put-fails.ndjson.gz')).toBe(false);
    expect(bucket.s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  test('DynamoDB failing: the message fails for a retry', async () => {
    const missingTable = new ResultsTable(dynamo.clients.dynamoDb, 'no-such-table');
    bucket.objects.set('uploads/table-gone.csv', Buffer.from(syntheticCsv(30)));
    const response = await scorerFor(missingTable)(
      uploadQueueEvent([{ key: 'uploads/table-gone.csv', size: 10, messageId: 'm-table' }]),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-table' }]);
  });

  test('only the failed message is reported; a retry of it repairs the item', async () => {
    bucket.objects.set('uploads/good.csv', Buffer.from(syntheticCsv(40)));
    const event = uploadQueueEvent([
      { key: 'uploads/missing.csv', size: 10, messageId: 'm-missing' },
      { key: 'uploads/good.csv', size: 10, messageId: 'm-good' },
    ]);
    expect(await scorerFor(results)(event, lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-missing' }],
    });
    expect(await results.get('good')).toMatchObject({ status: 'SUCCEEDED', rows: 40 });
    expect(await results.get('missing')).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL' });

    // SQS delivers the failed message again.
    bucket.objects.set('uploads/missing.csv', Buffer.from(syntheticCsv(25)));
    const retry = queueEventOf(event.Records.filter((record) => record.messageId === 'm-missing'));
    expect(await scorerFor(results)(retry, lambdaContext())).toEqual({ batchItemFailures: [] });
    const repaired = await results.get('missing');
    expect(repaired).toMatchObject({ status: 'SUCCEEDED', rows: 25 });
    expect(repaired?.errorCode).toBeUndefined();
    expect(repaired?.message).toBeUndefined();
  });

  test('a notification with two failing uploads fails its message once', async () => {
    const body = JSON.stringify(
      objectCreatedEvent([
        { key: 'uploads/gone-1.csv', size: 10 },
        { key: 'uploads/gone-2.csv', size: 10 },
      ]),
    );
    const response = await scorerFor(results)(queueEventOf([{ messageId: 'm-two', body }]), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-two' }]);
    expect(await results.get('gone-1')).toMatchObject({ errorCode: 'INTERNAL' });
    expect(await results.get('gone-2')).toMatchObject({ errorCode: 'INTERNAL' });
  });
});
