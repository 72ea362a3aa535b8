import '../support/test-environment';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import Papa from 'papaparse';
import { instrumentHandler } from '../../../lambda/shared/instrument-handler';
import { ResultsTable } from '../../../lambda/shared/results-table';
import { createUploadQueueHandler } from '../../../lambda/upload-scorer/upload-queue-handler';
import { EXPORT_COLUMNS } from '../../../predictor/features/columns';
import { SyntheticCrimes } from '../../../predictor/generator/synthetic-crimes';
import { scoreCsv } from '../../../predictor/inference/score-csv';
import { INPUT_ERROR_CODES } from '../../../predictor/inference/scoring-types';
import { captureEmf } from '../support/emf-capture';
import { lambdaContext } from '../support/lambda-context';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { BUCKET, mockS3Bucket, uploadQueueEvent } from '../support/s3-fixtures';

const bucket = mockS3Bucket();
let dynamo: LocalDynamoDb;
let results: ResultsTable;
let emf: ReturnType<typeof captureEmf>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  results = new ResultsTable(dynamo.clients.dynamoDb, await dynamo.createResultsTable());
  emf = captureEmf();
});
afterAll(async () => {
  emf.restore();
  await dynamo.close();
});

const syntheticRows = new SyntheticCrimes({ seed: 99 }).nextRows(200);

/** A field as hostile files have them: quotes, separators, line breaks, near-valid values. */
const field = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '',
    '"',
    '""',
    ',',
    '\n',
    '\r\n',
    ' ',
    'true',
    'FALSE',
    '0213',
    '-1',
    '99.9',
    '-87.6',
    '41.88',
  ),
  fc.constantFrom(
    '03/18/2015 07:44:00 PM',
    '02/30/2015 07:44:00 PM',
    '3/18/2015 7:44 PM',
    '13/01/2020 00:00:00 AM',
  ),
  fc.integer().map(String),
);

/** A row: a real synthetic one, one with a few fields replaced, or random fields of any count. */
const row = fc.oneof(
  { arbitrary: fc.nat(syntheticRows.length - 1).map((i) => [...(syntheticRows[i] ?? [])]), weight: 6 },
  {
    arbitrary: fc
      .tuple(
        fc.nat(syntheticRows.length - 1),
        fc.array(fc.tuple(fc.nat(EXPORT_COLUMNS.length - 1), field), { minLength: 1, maxLength: 3 }),
      )
      .map(([i, changes]) => {
        const copy = [...(syntheticRows[i] ?? [])];
        for (const [column, value] of changes) copy[column] = value;
        return copy;
      }),
    weight: 2,
  },
  { arbitrary: fc.array(field, { maxLength: 25 }), weight: 1 },
);

const columnIndexes = EXPORT_COLUMNS.map((_, i) => i);

/** A CSV file: the export's columns shuffled, some maybe dropped, BOM and CRLF maybe, quoting maybe. */
const csvFile = fc
  .record({
    order: fc.oneof(
      { arbitrary: fc.shuffledSubarray(columnIndexes, { minLength: columnIndexes.length }), weight: 3 },
      { arbitrary: fc.shuffledSubarray(columnIndexes, { minLength: columnIndexes.length - 2 }), weight: 1 },
    ),
    rows: fc.array(row, { maxLength: 40 }),
    newline: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    quotes: fc.boolean(),
    trailingNewline: fc.boolean(),
  })
  .map(({ order, rows, newline, bom, quotes, trailingNewline }) => {
    const header = order.map((i) => EXPORT_COLUMNS[i] ?? '');
    const body = rows.map((fields) =>
      fields.length === EXPORT_COLUMNS.length ? order.map((i) => fields[i] ?? '') : fields,
    );
    const text = Papa.unparse([header, ...body], { newline, quotes });
    return Buffer.from(`${bom ? '\uFEFF' : ''}${text}${trailingNewline ? newline : ''}`);
  });

/** What may arrive: CSV-ish files, plain or gzip (possibly damaged), random text, random bytes. */
const upload = fc.oneof(
  { arbitrary: csvFile, weight: 4 },
  { arbitrary: csvFile.map((csv) => gzipSync(csv)), weight: 2 },
  {
    arbitrary: fc.tuple(csvFile, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([csv, at, flip]) => {
      const zipped = gzipSync(csv);
      zipped[at % zipped.length] = (zipped[at % zipped.length] ?? 0) ^ flip;
      return zipped;
    }),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(csvFile, fc.nat()).map(([csv, cut]) => {
      const zipped = gzipSync(csv);
      return zipped.subarray(0, cut % zipped.length);
    }),
    weight: 1,
  },
  { arbitrary: fc.string({ maxLength: 300 }).map((text) => Buffer.from(text)), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
);

let runs = 0;
const statuses = new Set<string>();

test('any upload ends with a stored outcome; rows = scored + rejected; only file errors, never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(upload, fc.constantFrom(0, 0.05, 0.5, 1), async (body, maxRejectedShare) => {
      bucket.install();
      const uploadId = `prop-${++runs}`;
      const key = `uploads/${uploadId}.csv`;
      bucket.objects.set(key, body);
      const scorer = instrumentHandler(
        createUploadQueueHandler({
          s3: dynamo.clients.s3,
          results,
          scoreCsv,
          resultsBucket: BUCKET,
          maxUploadBytes: 1_000_000,
          maxRejectedShare,
        }),
      );

      // No failed message means every outcome was a file outcome: nothing went to retries.
      const response = await scorer(uploadQueueEvent([{ key, size: body.length }]), lambdaContext());
      expect(response).toEqual({ batchItemFailures: [] });

      const item = await results.get(uploadId);
      expect(item).toBeDefined();
      if (item === undefined) return;
      expect(item.rows).toBe(item.scored + item.rejected);
      expect(item.rejectedSamples.length).toBeLessThanOrEqual(Math.min(20, item.rejected));
      statuses.add(item.status);
      const resultsKey = `results/${uploadId}.ndjson.gz`;
      if (item.status === 'FAILED') {
        expect(INPUT_ERROR_CODES).toContain(item.errorCode);
        expect(item.message).toEqual(expect.any(String));
        expect(bucket.objects.has(resultsKey)).toBe(false);
      } else {
        expect(item.status).toBe(item.rejected > 0 ? 'PARTIAL' : 'SUCCEEDED');
        expect(item.rows).toBeGreaterThan(0);
        expect(item.rejected / item.rows).toBeLessThanOrEqual(maxRejectedShare);
        expect(bucket.resultLines(resultsKey)).toHaveLength(item.scored);
      }
    }),
    { numRuns: 200 },
  );
  // The generator must reach every kind of outcome, or the property proves little.
  expect([...statuses].sort()).toEqual(['FAILED', 'PARTIAL', 'SUCCEEDED']);
});
