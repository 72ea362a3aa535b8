import '../support/test-environment';
import { type FinalResult, ResultsTable, UploadIdTakenError } from '../../../lambda/shared/results-table';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';

let dynamo: LocalDynamoDb;
let clock = new Date('2026-03-01T10:00:00.000Z');
let table: ResultsTable;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  table = new ResultsTable(dynamo.clients.dynamoDb, await dynamo.createResultsTable(), () => clock);
});
afterAll(() => dynamo.close());

const succeeded = (uploadId: string): FinalResult => ({
  uploadId,
  sourceKey: `uploads/${uploadId}.csv`,
  status: 'SUCCEEDED',
  resultsKey: `results/${uploadId}.ndjson.gz`,
  counts: { rows: 3, scored: 3, rejected: 0, meanProbability: 0.25, modelVersion: 'm1' },
  durationMs: 12.6,
  rejectedSamples: [],
});

test('createPending stores a PENDING item once; a second create of the same id is refused', async () => {
  await table.createPending({ uploadId: 'a', sourceKey: 'uploads/a.csv', fileName: 'crimes.csv' });
  expect(await table.get('a')).toEqual({
    uploadId: 'a',
    status: 'PENDING',
    sourceKey: 'uploads/a.csv',
    fileName: 'crimes.csv',
    rows: 0,
    scored: 0,
    rejected: 0,
    meanProbability: null,
    modelVersion: null,
    durationMs: null,
    rejectedSamples: [],
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:00:00.000Z',
  });
  await table.recordFinal(succeeded('a'));
  await expect(
    table.createPending({ uploadId: 'a', sourceKey: 'uploads/a.csv', fileName: 'again.csv' }),
  ).rejects.toThrow(UploadIdTakenError);
  expect(await table.get('a')).toMatchObject({ status: 'SUCCEEDED', fileName: 'crimes.csv' });
});

test('recordFinal keeps createdAt and fileName of the PENDING item', async () => {
  clock = new Date('2026-03-01T10:00:00.000Z');
  await table.createPending({ uploadId: 'b', sourceKey: 'uploads/b.csv', fileName: 'b.csv' });
  clock = new Date('2026-03-01T10:05:00.000Z');
  await table.recordFinal(succeeded('b'));
  expect(await table.get('b')).toMatchObject({
    status: 'SUCCEEDED',
    fileName: 'b.csv',
    rows: 3,
    durationMs: 13,
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:05:00.000Z',
  });
});

test('recordFinal creates the item for a file put in the bucket without the API', async () => {
  await table.recordFinal(succeeded('direct'));
  expect(await table.get('direct')).toMatchObject({ status: 'SUCCEEDED', createdAt: clock.toISOString() });
});

test('a success after a failure removes the error; a failure after a success removes the results key', async () => {
  await table.recordFinal({
    uploadId: 'c',
    sourceKey: 'uploads/c.csv',
    status: 'FAILED',
    counts: { rows: 0, scored: 0, rejected: 0, meanProbability: null, modelVersion: null },
    durationMs: 1,
    error: { code: 'INTERNAL', message: 'stopped' },
    rejectedSamples: [],
  });
  expect(await table.get('c')).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL', message: 'stopped' });

  await table.recordFinal(succeeded('c'));
  const success = await table.get('c');
  expect(success).toMatchObject({ status: 'SUCCEEDED', resultsKey: 'results/c.ndjson.gz' });
  expect(success).not.toHaveProperty('errorCode');
  expect(success).not.toHaveProperty('message');

  await table.recordFinal({
    ...succeeded('c'),
    status: 'FAILED',
    resultsKey: undefined,
    error: { code: 'NOT_CSV', message: 'no' },
  });
  expect(await table.get('c')).not.toHaveProperty('resultsKey');
});

test('samples are capped at 20 and their text clipped, so hostile files cannot overflow the item', async () => {
  const huge = 'x'.repeat(100_000);
  await table.recordFinal({
    ...succeeded('d'),
    status: 'PARTIAL',
    rejectedSamples: Array.from({ length: 50 }, (_, i) => ({
      line: i + 2,
      id: huge,
      column: 'Date',
      reason: huge,
    })),
    error: undefined,
  });
  const item = await table.get('d');
  expect(item?.rejectedSamples).toHaveLength(20);
  expect(item?.rejectedSamples[0]?.id?.length).toBe(200);
  expect(item?.rejectedSamples[0]).toMatchObject({ line: 2, column: 'Date' });
});

test('a sample without an id is stored without one', async () => {
  await table.recordFinal({
    ...succeeded('e'),
    status: 'PARTIAL',
    rejectedSamples: [{ line: 2, id: undefined, column: 'ID', reason: 'must be a non-negative integer' }],
  });
  expect((await table.get('e'))?.rejectedSamples).toEqual([
    { line: 2, column: 'ID', reason: 'must be a non-negative integer' },
  ]);
});

test('get returns undefined for an unknown id', async () => {
  expect(await table.get('nobody')).toBeUndefined();
});
