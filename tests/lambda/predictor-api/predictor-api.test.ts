import '../support/test-environment';
import {
  createPredictorApi,
  type PredictorApiDependencies,
} from '../../../lambda/predictor-api/predictor-api';
import { instrumentHandler } from '../../../lambda/shared/instrument-handler';
import { ResultsTable } from '../../../lambda/shared/results-table';
import { EXPORT_COLUMNS } from '../../../predictor/features/columns';
import { SyntheticCrimes } from '../../../predictor/generator/synthetic-crimes';
import { predictRecords } from '../../../predictor/inference/predict-records';
import { bodyOf, httpEvent } from '../support/http-events';
import { lambdaContext } from '../support/lambda-context';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { MODEL_VERSION } from '../support/model-version';
import { BUCKET } from '../support/s3-fixtures';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dynamo: LocalDynamoDb;
let results: ResultsTable;

function apiWith(overrides: Partial<PredictorApiDependencies> = {}) {
  const api = instrumentHandler(
    createPredictorApi({
      config: {
        dataBucketName: BUCKET,
        resultsTableName: results.tableName,
        maxUploadBytes: MAX_UPLOAD_BYTES,
        presignTtlSeconds: 900,
        resultsRetentionDays: 30,
      },
      results,
      presigningS3: dynamo.clients.presigningS3,
      predictRecords,
      now: () => NOW,
      ...overrides,
    }),
  );
  return (event: Parameters<typeof api>[0]) => api(event, lambdaContext('predictor-api'));
}

let call: ReturnType<typeof apiWith>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  results = new ResultsTable(dynamo.clients.dynamoDb, await dynamo.createResultsTable(), () => NOW);
  call = apiWith();
});
afterAll(() => dynamo.close());

const csvUpload = { fileName: 'crimes-2024.csv', contentType: 'text/csv', bytes: 123_456 };

function signedHeaders(url: string): string[] {
  return (new URL(url).searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
}

describe('POST /uploads', () => {
  test('creates a PENDING upload and returns a presigned PUT bound to type and size', async () => {
    const response = await call(httpEvent('POST', '/uploads', { body: csvUpload }));
    expect(response.statusCode).toBe(201);
    const body = bodyOf(response);
    expect(body).toEqual({
      uploadId: expect.stringMatching(UUID),
      uploadUrl: expect.any(String),
      expiresAt: '2026-03-01T12:15:00.000Z',
      method: 'PUT',
      headers: { 'Content-Type': 'text/csv' },
    });
    expect(response.headers?.location).toBe(`/results/${body.uploadId}`);

    const url = new URL(body.uploadUrl);
    expect(url.hostname).toBe(`${BUCKET}.s3.eu-west-1.amazonaws.com`);
    expect(url.pathname).toBe(`/uploads/${body.uploadId}.csv`);
    expect(signedHeaders(body.uploadUrl)).toEqual(['content-length', 'content-type', 'host']);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260301T120000Z');
    // A checksum of the empty body in the URL would make S3 refuse every real upload.
    expect([...url.searchParams.keys()].filter((key) => key.toLowerCase().includes('checksum'))).toEqual([]);

    expect(await results.get(body.uploadId)).toMatchObject({
      status: 'PENDING',
      sourceKey: `uploads/${body.uploadId}.csv`,
      fileName: 'crimes-2024.csv',
    });
  });

  test('the signature covers the declared size: another size gives another URL', async () => {
    const ids = ['0b7f7a3e-1111-4a5b-8c9d-000000000001', '0b7f7a3e-1111-4a5b-8c9d-000000000002'];
    const api = apiWith({ newUploadId: () => ids.shift() ?? '' });
    const first = bodyOf(await api(httpEvent('POST', '/uploads', { body: csvUpload })));
    const second = bodyOf(
      await api(httpEvent('POST', '/uploads', { body: { ...csvUpload, bytes: 123_457 } })),
    );
    const signature = (url: string) => new URL(url).searchParams.get('X-Amz-Signature');
    const sameKey = (url: string) =>
      url.replace(/\/uploads\/[^.]+/, '/uploads/ID').replace(/X-Amz-Signature=\w+/, '');
    expect(sameKey(first.uploadUrl)).toBe(sameKey(second.uploadUrl));
    expect(signature(first.uploadUrl)).not.toBe(signature(second.uploadUrl));
  });

  test('a .csv.gz file gets a .csv.gz key and an application/gzip PUT', async () => {
    const response = await call(
      httpEvent('POST', '/uploads', {
        body: { fileName: 'x.CSV.GZ', contentType: 'application/gzip', bytes: 10 },
      }),
    );
    const body = bodyOf(response);
    expect(response.statusCode).toBe(201);
    expect(new URL(body.uploadUrl).pathname).toBe(`/uploads/${body.uploadId}.csv.gz`);
    expect(body.headers).toEqual({ 'Content-Type': 'application/gzip' });
  });

  test('accepts a base64-encoded body', async () => {
    const response = await call(httpEvent('POST', '/uploads', { body: csvUpload, base64: true }));
    expect(response.statusCode).toBe(201);
  });

  test.each([
    [
      {},
      'fileName: is required; contentType: must be text/csv or application/gzip (got null); bytes: must be a number of bytes (got null)',
    ],
    [{ ...csvUpload, fileName: 'crimes.xlsx' }, 'fileName: must end in .csv or .csv.gz (got "crimes.xlsx")'],
    [
      { ...csvUpload, contentType: 'application/gzip' },
      'contentType: must be text/csv for a file named "crimes-2024.csv" (got "application/gzip")',
    ],
    [
      { ...csvUpload, contentType: 'text/plain' },
      'contentType: must be text/csv or application/gzip (got "text/plain")',
    ],
    [
      { ...csvUpload, bytes: MAX_UPLOAD_BYTES + 1 },
      `bytes: must be at most ${MAX_UPLOAD_BYTES}, the upload limit (got ${MAX_UPLOAD_BYTES + 1})`,
    ],
    [{ ...csvUpload, bytes: 0 }, 'bytes: must be at least 1: an empty file has nothing to score'],
    [{ ...csvUpload, bytes: 1.5 }, 'bytes: must be a whole number of bytes'],
    [{ ...csvUpload, bytes: '10' }, 'bytes: must be a number of bytes (got "10")'],
    [{ ...csvUpload, owner: 'me' }, 'body: Unrecognized key: "owner"'],
    [[csvUpload], 'body: must be a JSON object'],
  ])('400 for %j: %s', async (request, message) => {
    const response = await call(httpEvent('POST', '/uploads', { body: request }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({ error: { code: 'BAD_REQUEST', message } });
  });

  test('400 for malformed JSON, saying where', async () => {
    const response = await call(httpEvent('POST', '/uploads', { rawBody: '{"fileName": "x.csv",' }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toEqual({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^The body is not valid JSON: .*JSON/),
    });
  });

  test('400 for a missing body', async () => {
    const response = await call(httpEvent('POST', '/uploads'));
    expect(bodyOf(response)).toEqual({
      error: { code: 'BAD_REQUEST', message: 'The request needs a JSON body.' },
    });
  });

  test('409 when the new id is already taken, and the existing upload is untouched', async () => {
    const id = '0b7f7a3e-2222-4a5b-8c9d-000000000001';
    const api = apiWith({ newUploadId: () => id });
    expect((await api(httpEvent('POST', '/uploads', { body: csvUpload }))).statusCode).toBe(201);
    const again = await api(httpEvent('POST', '/uploads', { body: { ...csvUpload, fileName: 'other.csv' } }));
    expect(again.statusCode).toBe(409);
    expect(bodyOf(again).error.code).toBe('CONFLICT');
    expect(await results.get(id)).toMatchObject({ fileName: 'crimes-2024.csv' });
  });
});

describe('GET /results/{id}', () => {
  test('a PENDING upload: status, empty summary, no results URL', async () => {
    const { uploadId } = bodyOf(await call(httpEvent('POST', '/uploads', { body: csvUpload })));
    const response = await call(httpEvent('GET', `/results/${uploadId}`));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      uploadId,
      status: 'PENDING',
      fileName: 'crimes-2024.csv',
      summary: {
        rows: 0,
        scored: 0,
        rejected: 0,
        meanProbability: null,
        modelVersion: null,
        durationMs: null,
      },
      rejectedSamples: [],
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
  });

  test('a PARTIAL upload: summary, samples and a presigned GET for the results', async () => {
    const uploadId = '0b7f7a3e-3333-4a5b-8c9d-000000000001';
    const sample = { line: 7, id: '10000005', column: 'Date', reason: 'must be MM/DD/YYYY hh:mm:ss AM|PM' };
    await results.recordFinal({
      uploadId,
      sourceKey: `uploads/${uploadId}.csv`,
      status: 'PARTIAL',
      resultsKey: `results/${uploadId}.ndjson.gz`,
      counts: { rows: 100, scored: 99, rejected: 1, meanProbability: 0.31, modelVersion: 'm-7' },
      durationMs: 1234,
      rejectedSamples: [sample],
    });
    const body = bodyOf(await call(httpEvent('GET', `/results/${uploadId}`)));
    expect(body).toMatchObject({
      uploadId,
      status: 'PARTIAL',
      summary: {
        rows: 100,
        scored: 99,
        rejected: 1,
        meanProbability: 0.31,
        modelVersion: 'm-7',
        durationMs: 1234,
      },
      rejectedSamples: [sample],
      expiresAt: '2026-03-01T12:15:00.000Z',
    });
    expect(body.error).toBeUndefined();
    const url = new URL(body.resultsUrl);
    expect(url.hostname).toBe(`${BUCKET}.s3.eu-west-1.amazonaws.com`);
    expect(url.pathname).toBe(`/results/${uploadId}.ndjson.gz`);
    expect(url.searchParams.get('x-id')).toBe('GetObject');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    // Saved under the upload's name, not the key's: browsers undo the gzip encoding as they save.
    expect(url.searchParams.get('response-content-disposition')).toMatch(
      /^attachment; filename="[^"]+-scored\.ndjson"$/,
    );
  });

  test("after the results/ lifecycle rule's days, no download: the result says when S3 expired them", async () => {
    const uploadId = '0b7f7a3e-3333-4a5b-8c9d-000000000009';
    await results.recordFinal({
      uploadId,
      sourceKey: `uploads/${uploadId}.csv`,
      status: 'SUCCEEDED',
      resultsKey: `results/${uploadId}.ndjson.gz`,
      counts: { rows: 10, scored: 10, rejected: 0, meanProbability: 0.2, modelVersion: 'm-7' },
      durationMs: 50,
      rejectedSamples: [],
    });
    // Recorded at NOW (12:00 on 1 March): 30 days on, rounded up to midnight UTC (S3 user guide).
    const expiry = '2026-04-01T00:00:00.000Z';
    const fresh = bodyOf(await call(httpEvent('GET', `/results/${uploadId}`)));
    expect(fresh).toMatchObject({ resultsExpireAt: expiry, resultsUrl: expect.any(String) });
    const later = apiWith({ now: () => new Date(expiry) });
    const expired = bodyOf(await later(httpEvent('GET', `/results/${uploadId}`)));
    expect(expired).toMatchObject({ status: 'SUCCEEDED', resultsExpireAt: expiry });
    expect(expired.resultsUrl).toBeUndefined();
  });

  test('a FAILED upload: the error and partial counts, no results URL', async () => {
    const uploadId = '0b7f7a3e-3333-4a5b-8c9d-000000000002';
    await results.recordFinal({
      uploadId,
      sourceKey: `uploads/${uploadId}.csv.gz`,
      status: 'FAILED',
      counts: { rows: 10, scored: 5, rejected: 5, meanProbability: 0.2, modelVersion: 'm-7' },
      durationMs: 40,
      error: { code: 'TOO_MANY_REJECTED', message: '5 of 10 rows (50.0%) were rejected' },
      rejectedSamples: [],
    });
    const body = bodyOf(await call(httpEvent('GET', `/results/${uploadId}`)));
    expect(body).toMatchObject({
      status: 'FAILED',
      error: { code: 'TOO_MANY_REJECTED', message: '5 of 10 rows (50.0%) were rejected' },
      summary: { rows: 10, scored: 5, rejected: 5 },
    });
    expect(body.resultsUrl).toBeUndefined();
    expect(body.expiresAt).toBeUndefined();
  });

  test('404 for an unknown id', async () => {
    const response = await call(httpEvent('GET', '/results/0b7f7a3e-9999-4a5b-8c9d-000000000009'));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({
      error: { code: 'NOT_FOUND', message: 'No upload with id 0b7f7a3e-9999-4a5b-8c9d-000000000009.' },
    });
  });

  test('400 for an id that is not a UUID', async () => {
    const response = await call(httpEvent('GET', '/results/not-a-uuid'));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.message).toBe(
      'id: must be an upload id as returned by POST /uploads, a UUID (got "not-a-uuid")',
    );
  });
});

/** Synthetic incidents as JSON records keyed by export column. */
function records(count: number, seed = 21): Record<string, string>[] {
  return new SyntheticCrimes({ seed })
    .nextRows(count)
    .map((row) => Object.fromEntries(EXPORT_COLUMNS.map((column, i) => [column, row[i] ?? ''])));
}

describe('POST /predict', () => {
  test('scores each row or says why it was rejected', async () => {
    const rows: Record<string, unknown>[] = records(3);
    rows[1] = { ...rows[1], Date: '2024-01-01' };
    rows.push({ ...records(1, 5)[0], Beat: 1234, Domestic: true });
    const response = await call(httpEvent('POST', '/predict', { body: { rows } }));
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body.modelVersion).toBe(MODEL_VERSION);
    expect(body.predictions).toEqual([
      { id: rows[0]?.ID, probability: expect.any(Number) },
      { id: rows[1]?.ID, rejected: { column: 'Date', reason: 'must be MM/DD/YYYY hh:mm:ss AM|PM' } },
      { id: rows[2]?.ID, probability: expect.any(Number) },
      { id: rows[3]?.ID, probability: expect.any(Number) },
    ]);
  });

  test('1000 rows are accepted; 1001 are refused with 413 and where to send them', async () => {
    const many = records(1001);
    const ok = await call(httpEvent('POST', '/predict', { body: { rows: many.slice(0, 1000) } }));
    expect(ok.statusCode).toBe(200);
    expect(bodyOf(ok).predictions).toHaveLength(1000);
    const tooMany = await call(httpEvent('POST', '/predict', { body: { rows: many } }));
    expect(tooMany.statusCode).toBe(413);
    expect(bodyOf(tooMany).error).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message:
        'rows: at most 1000 rows per request (got 1001); send larger sets as a file with POST /uploads.',
    });
  });

  test('accepts a base64-encoded body', async () => {
    const response = await call(httpEvent('POST', '/predict', { body: { rows: records(2) }, base64: true }));
    expect(response.statusCode).toBe(200);
  });

  test.each([
    [{ rows: [] }, 'rows: must hold at least one row'],
    [{}, 'rows: is required'],
    [{ rows: 'all' }, 'rows: must be an array of rows'],
    [
      { rows: [{ ID: '1' }, 7] },
      'rows.1: must be an object keyed by export column names, such as {"ID": "123", "Date": …}',
    ],
    [null, 'body: must be a JSON object'],
  ])('400 for %j: %s', async (request, message) => {
    const response = await call(httpEvent('POST', '/predict', { body: request }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({ error: { code: 'BAD_REQUEST', message } });
  });

  test('an internal failure fails the invocation, so Lambda counts it in Errors (API Gateway answers 502)', async () => {
    const failure = new Error('onnxruntime exploded reading /opt/model/arrest-model.onnx');
    const api = apiWith({
      predictRecords: async () => {
        throw failure;
      },
    });
    // A handled 500 would be an invocation without an error: the error-rate alarm, and the alias
    // rollback it drives, would never see a bad release.
    await expect(api(httpEvent('POST', '/predict', { body: { rows: records(1) } }))).rejects.toBe(failure);
  });
});

describe('GET /health', () => {
  test('loads the model once and answers with its version', async () => {
    const predict = jest.fn(predictRecords);
    const api = apiWith({ predictRecords: predict });
    for (let i = 0; i < 3; i++) {
      const response = await api(httpEvent('GET', '/health'));
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ status: 'ok', modelVersion: MODEL_VERSION });
    }
    expect(predict).toHaveBeenCalledTimes(1);
  });

  test('503 while the model cannot be loaded, and recovers once it can', async () => {
    const predict = jest
      .fn<ReturnType<typeof predictRecords>, Parameters<typeof predictRecords>>()
      .mockRejectedValueOnce(new Error('model card beside /opt/model has no modelVersion'))
      .mockResolvedValue({ modelVersion: 'm-2', predictions: [] });
    const api = apiWith({ predictRecords: predict });
    const down = await api(httpEvent('GET', '/health'));
    expect(down.statusCode).toBe(503);
    expect(bodyOf(down)).toEqual({
      error: { code: 'MODEL_UNAVAILABLE', message: 'The prediction model could not be loaded.' },
    });
    const up = await api(httpEvent('GET', '/health'));
    expect(bodyOf(up)).toEqual({ status: 'ok', modelVersion: 'm-2' });
  });
});

describe('routing', () => {
  test('404 for an unknown route', async () => {
    const response = await call(httpEvent('GET', '/nope'));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /nope.' } });
  });

  test('405 with Allow for a known path and another method', async () => {
    const response = await call(httpEvent('DELETE', '/uploads'));
    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('POST');
    expect(bodyOf(response).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  test('works behind a named stage and with a trailing slash', async () => {
    expect((await call(httpEvent('GET', '/health', { stage: 'prod' }))).statusCode).toBe(200);
    expect((await call(httpEvent('GET', '/health/'))).statusCode).toBe(200);
  });

  test('every response is JSON and not cacheable', async () => {
    for (const event of [
      httpEvent('GET', '/health'),
      httpEvent('GET', '/x'),
      httpEvent('POST', '/predict'),
    ]) {
      const response = await call(event);
      expect(response.headers).toMatchObject({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
    }
  });
});
