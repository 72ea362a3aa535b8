import '../support/test-environment';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { UPLOADER_INDEX } from '../../../constructs/contracts/predictor';
import { identityFrom } from '../../../lambda/predictor-api/caller-identity';
import { ApiError } from '../../../lambda/predictor-api/http-response';
import { createPredictorApi } from '../../../lambda/predictor-api/predictor-api';
import { instrumentHandler } from '../../../lambda/shared/instrument-handler';
import { ResultsTable } from '../../../lambda/shared/results-table';
import { predictRecords } from '../../../predictor/inference/predict-records';
import { bodyOf, httpEvent } from '../support/http-events';
import { lambdaContext } from '../support/lambda-context';
import {
  type LocalDynamoDb,
  startLocalDynamoDb,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../support/local-dynamodb';
import { BUCKET } from '../support/s3-fixtures';
import { ID_TOKEN_CLAIMS, siteEvent } from './fixtures';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const OTHER_USER = {
  ...ID_TOKEN_CLAIMS,
  sub: '11111111-2222-3333-4444-555555555555',
  email: 'b@example.org',
};
const csvUpload = { fileName: 'crimes-2024.csv', contentType: 'text/csv', bytes: 123_456 };

let dynamo: LocalDynamoDb;
let results: ResultsTable;
let clock: number;
let call: (
  event: Parameters<ReturnType<typeof createPredictorApi>>[0],
) => ReturnType<ReturnType<typeof createPredictorApi>>;

// The results table as the stack defines it: key `uploadId`, and the uploader index (partition
// `uploaderSub`, sort `createdAt`, all attributes; tests/stacks/upload-sign-in.test.ts checks the stack's).
async function createResultsTableWithIndex(endpoint: string): Promise<string> {
  const admin = new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint });
  try {
    await admin.send(
      new CreateTableCommand({
        TableName: 'results-site',
        KeySchema: [{ AttributeName: 'uploadId', KeyType: 'HASH' }],
        AttributeDefinitions: ['uploadId', 'uploaderSub', 'createdAt'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        GlobalSecondaryIndexes: [
          {
            IndexName: UPLOADER_INDEX.indexName,
            KeySchema: [
              { AttributeName: 'uploaderSub', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    admin.destroy();
  }
  return 'results-site';
}

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  clock = START;
  // Every write one second after the last, so creation times order the uploads.
  const tick = () => {
    clock += 1000;
    return new Date(clock);
  };
  results = new ResultsTable(
    dynamo.clients.dynamoDb,
    await createResultsTableWithIndex(dynamo.endpoint),
    tick,
  );
  const api = instrumentHandler(
    createPredictorApi({
      config: {
        dataBucketName: BUCKET,
        resultsTableName: results.tableName,
        maxUploadBytes: 50 * 1024 * 1024,
        presignTtlSeconds: 900,
        resultsRetentionDays: 30,
      },
      results,
      presigningS3: dynamo.clients.presigningS3,
      predictRecords,
      now: () => new Date(START),
    }),
  );
  call = (event) => api(event, lambdaContext('predictor-api'));
});
afterAll(() => dynamo.close());

async function upload(claims: unknown = ID_TOKEN_CLAIMS, fileName = 'crimes-2024.csv'): Promise<string> {
  const response = await call(siteEvent('POST /app/uploads', { body: { ...csvUpload, fileName }, claims }));
  expect(response.statusCode).toBe(201);
  return bodyOf(response).uploadId;
}

describe('POST /app/uploads', () => {
  test('creates a PENDING upload owned by the caller, with a presigned PUT like the machine route', async () => {
    const response = await call(siteEvent('POST /app/uploads', { body: csvUpload }));
    expect(response.statusCode).toBe(201);
    const body = bodyOf(response);
    expect(body).toEqual({
      uploadId: expect.stringMatching(UUID),
      uploadUrl: expect.any(String),
      expiresAt: '2026-03-01T12:15:00.000Z',
      method: 'PUT',
      headers: { 'Content-Type': 'text/csv' },
    });
    expect(response.headers?.location).toBe(`/app/results/${body.uploadId}`);
    expect(new URL(body.uploadUrl).pathname).toBe(`/uploads/${body.uploadId}.csv`);
    expect(await results.get(body.uploadId)).toMatchObject({
      status: 'PENDING',
      fileName: 'crimes-2024.csv',
      uploaderSub: ID_TOKEN_CLAIMS.sub,
      uploaderEmail: ID_TOKEN_CLAIMS.email,
    });
  });

  // The user pool's opt-out attribute arrives as the ID token's `custom:results_mail` claim; the
  // upload records it so the results mailer needs no call to Cognito.
  test('records that the uploader turned the results mail off, and nothing otherwise', async () => {
    const optedOut = { ...ID_TOKEN_CLAIMS, 'custom:results_mail': 'off' };
    const off = bodyOf(await call(siteEvent('POST /app/uploads', { body: csvUpload, claims: optedOut })));
    expect(await results.get(off.uploadId)).toMatchObject({ notify: false });
    const onClaims = { ...ID_TOKEN_CLAIMS, 'custom:results_mail': 'on' };
    const on = bodyOf(await call(siteEvent('POST /app/uploads', { body: csvUpload, claims: onClaims })));
    expect((await results.get(on.uploadId))?.notify).toBeUndefined();
    const plain = bodyOf(await call(siteEvent('POST /app/uploads', { body: csvUpload })));
    expect((await results.get(plain.uploadId))?.notify).toBeUndefined();
  });

  test('checks the body as the machine route does', async () => {
    const response = await call(siteEvent('POST /app/uploads', { body: { ...csvUpload, bytes: 0 } }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.message).toBe(
      'bytes: must be at least 1: an empty file has nothing to score',
    );
  });
});

describe('GET /app/results/{id}', () => {
  test('the caller\u2019s own upload, as the machine route shows it', async () => {
    const id = await upload();
    const own = await call(siteEvent('GET /app/results/{id}', { parameters: { id } }));
    expect(own.statusCode).toBe(200);
    expect(bodyOf(own)).toMatchObject({ uploadId: id, status: 'PENDING', fileName: 'crimes-2024.csv' });
    expect(bodyOf(own)).toEqual(bodyOf(await call(httpEvent('GET', `/results/${id}`))));
  });

  test('another user\u2019s upload answers exactly as an id that does not exist', async () => {
    const id = await upload(OTHER_USER);
    const missing = '0b7f7a3e-9999-4a5b-8c9d-000000000001';
    const theirs = await call(siteEvent('GET /app/results/{id}', { parameters: { id } }));
    const none = await call(siteEvent('GET /app/results/{id}', { parameters: { id: missing } }));
    expect(theirs.statusCode).toBe(404);
    expect(none.statusCode).toBe(404);
    expect(bodyOf(theirs)).toEqual({ error: { code: 'NOT_FOUND', message: `No upload with id ${id}.` } });
    expect(theirs.body?.replace(id, missing)).toBe(none.body);
    expect(theirs.headers).toEqual(none.headers);
  });

  test('an upload made through the machine route belongs to no one on the site', async () => {
    const { uploadId } = bodyOf(await call(httpEvent('POST', '/uploads', { body: csvUpload })));
    expect(
      (await call(siteEvent('GET /app/results/{id}', { parameters: { id: uploadId } }))).statusCode,
    ).toBe(404);
  });
});

describe('items written before uploads had an uploader', () => {
  test('stay readable by the machine route and appear in no one\u2019s list', async () => {
    const uploadId = '0b7f7a3e-7777-4a5b-8c9d-000000000001';
    // An item as the API wrote it before this change: no uploaderSub, no uploaderEmail.
    await dynamo.clients.dynamoDb.send(
      new PutCommand({
        TableName: results.tableName,
        Item: {
          uploadId,
          status: 'SUCCEEDED',
          sourceKey: `uploads/${uploadId}.csv`,
          fileName: 'old.csv',
          resultsKey: `results/${uploadId}.ndjson`,
          rows: 3,
          scored: 3,
          rejected: 0,
          meanProbability: 0.25,
          modelVersion: '1.0.0',
          durationMs: 40,
          rejectedSamples: [],
          createdAt: '2025-01-01T00:00:00.000Z',
          updatedAt: '2025-01-01T00:00:01.000Z',
        },
      }),
    );
    const response = await call(httpEvent('GET', `/results/${uploadId}`));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      uploadId,
      status: 'SUCCEEDED',
      summary: { rows: 3, scored: 3 },
    });
    const listed = bodyOf(await call(siteEvent('GET /app/uploads'))).uploads;
    expect(listed.map((item: { uploadId: string }) => item.uploadId)).not.toContain(uploadId);
  });
});

describe('GET /app/uploads', () => {
  const lister = {
    ...ID_TOKEN_CLAIMS,
    sub: '99999999-8888-7777-6666-555555555555',
    email: 'lists@example.org',
  };

  test('the caller\u2019s 20 most recent uploads, newest first, with status and headline numbers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await upload(lister, `file-${i}.csv`));
    await upload(OTHER_USER, 'not-mine.csv');
    const newest = ids[22] ?? '';
    await results.recordFinal({
      uploadId: newest,
      sourceKey: `uploads/${newest}.csv`,
      status: 'PARTIAL',
      resultsKey: `results/${newest}.ndjson`,
      counts: { rows: 10, scored: 9, rejected: 1, meanProbability: 0.3, modelVersion: '1.0.0' },
      durationMs: 12,
      rejectedSamples: [{ line: 4, id: '10000005', column: 'Date', reason: 'must be a date' }],
    });

    const response = await call(siteEvent('GET /app/uploads', { claims: lister }));
    expect(response.statusCode).toBe(200);
    const { uploads } = bodyOf(response);
    expect(uploads.map((item: { uploadId: string }) => item.uploadId)).toEqual(ids.slice(3).reverse());
    expect(uploads[0]).toEqual({
      uploadId: newest,
      status: 'PARTIAL',
      fileName: 'file-22.csv',
      summary: { rows: 10, scored: 9, rejected: 1, meanProbability: 0.3, modelVersion: '1.0.0' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(uploads[1]).toMatchObject({ status: 'PENDING', fileName: 'file-21.csv' });
    // The list shows no URL and no other person's data.
    expect(JSON.stringify(uploads)).not.toMatch(/X-Amz-|not-mine|uploaderEmail/);
  });

  test('an empty list for someone who has not uploaded', async () => {
    const newcomer = { ...ID_TOKEN_CLAIMS, sub: 'new-user', email: 'new@example.org' };
    const response = await call(siteEvent('GET /app/uploads', { claims: newcomer }));
    expect(bodyOf(response)).toEqual({ uploads: [] });
  });
});

describe('a request to /app without the signed-in user', () => {
  const message =
    'This route needs the signed-in user: send the Cognito ID token (with its sub and email claims) as "Authorization: Bearer <token>".';

  test.each([
    ['POST /app/uploads', {}],
    ['GET /app/uploads', {}],
    ['GET /app/results/{id}', { id: '0b7f7a3e-9999-4a5b-8c9d-000000000001' }],
  ])('%s without claims is 401 with what to send', async (route, parameters) => {
    const response = await call(siteEvent(route, { parameters, body: csvUpload, claims: undefined }));
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ error: { code: 'UNAUTHORIZED', message } });
  });

  test('an access token\u2019s claims (no email) are 401', async () => {
    // The claims the Cognito developer guide lists for an access token ("Understanding the access
    // token"): `client_id` and `scope` in place of `aud`, and no `email`.
    const accessToken = {
      sub: ID_TOKEN_CLAIMS.sub,
      iss: ID_TOKEN_CLAIMS.iss,
      client_id: ID_TOKEN_CLAIMS.aud,
      origin_jti: ID_TOKEN_CLAIMS.origin_jti,
      event_id: ID_TOKEN_CLAIMS.event_id,
      token_use: 'access',
      scope: 'openid email',
      auth_time: ID_TOKEN_CLAIMS.auth_time,
      exp: ID_TOKEN_CLAIMS.exp,
      iat: ID_TOKEN_CLAIMS.iat,
      jti: ID_TOKEN_CLAIMS.jti,
      username: ID_TOKEN_CLAIMS['cognito:username'],
    };
    const response = await call(siteEvent('POST /app/uploads', { body: csvUpload, claims: accessToken }));
    expect(response.statusCode).toBe(401);
  });

  test('a request through the machine event shape (IAM, no JWT) to /app is 401', async () => {
    expect((await call(httpEvent('GET', '/app/uploads'))).statusCode).toBe(401);
  });
});

describe('reading the caller from the claims', () => {
  const contextWith = (claims: unknown) => ({ authorizer: { jwt: { claims, scopes: null } } });
  const outcome = (requestContext: unknown) => {
    try {
      return identityFrom(requestContext);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 401) return 'unauthorized';
      throw error;
    }
  };

  test('any JSON object as claims gives 401 or the identity in it, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.string()), fc.option(fc.string()), (extra, sub, email) => {
        const claims = {
          ...(typeof extra === 'object' && extra !== null && !Array.isArray(extra) ? extra : {}),
          ...(sub !== null && { sub }),
          ...(email !== null && { email }),
        };
        const result = outcome(contextWith(claims));
        if (result === 'unauthorized') return;
        expect(result).toEqual({ sub: claims.sub, email: claims.email });
        expect(result.sub.length).toBeGreaterThan(0);
        expect(result.email.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  test('any JSON at all as the request context gives 401 or an identity, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (context) => {
        const result = outcome(context);
        expect(result === 'unauthorized' || typeof result.sub === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('only text claims count: numbers, empty text and lists are 401', () => {
    for (const claims of [
      { sub: 1, email: 'a@example.org' },
      { sub: '', email: 'a@example.org' },
      { sub: 'x', email: ['a@example.org'] },
      { sub: 'x' },
    ]) {
      expect(outcome(contextWith(claims))).toBe('unauthorized');
    }
    expect(outcome(contextWith(ID_TOKEN_CLAIMS))).toEqual({
      sub: ID_TOKEN_CLAIMS.sub,
      email: ID_TOKEN_CLAIMS.email,
    });
  });
});

describe('listing pages', () => {
  // A mock of one client, so the local DynamoDB the other tests use stays real.
  function mockedTable() {
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS }),
    );
    return { table: new ResultsTable(client, 't'), dynamoDb: mockClient(client) };
  }

  const item = (uploadId: string) => ({
    uploadId,
    status: 'PENDING',
    sourceKey: `uploads/${uploadId}.csv`,
    uploaderSub: 'u',
    rows: 0,
    scored: 0,
    rejected: 0,
    meanProbability: null,
    modelVersion: null,
    durationMs: null,
    rejectedSamples: [],
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
  });

  test('reads on from LastEvaluatedKey when a page (1 MB read) stops short of the limit', async () => {
    const { table, dynamoDb } = mockedTable();
    const key = { uploadId: 'b', uploaderSub: 'u', createdAt: '2026-03-01T12:00:00.000Z' };
    dynamoDb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('a'), item('b')], LastEvaluatedKey: key })
      .resolvesOnce({ Items: [item('c')] });
    const listed = await table.recentByUploader('u', 20);
    expect(listed.map((found) => found.uploadId)).toEqual(['a', 'b', 'c']);
    const inputs = dynamoDb.commandCalls(QueryCommand).map((query) => query.args[0].input);
    expect(inputs).toEqual([
      expect.objectContaining({
        IndexName: UPLOADER_INDEX.indexName,
        ScanIndexForward: false,
        Limit: 20,
        ExclusiveStartKey: undefined,
      }),
      expect.objectContaining({ Limit: 18, ExclusiveStartKey: key }),
    ]);
  });

  test('stops at the limit even when DynamoDB says there may be more', async () => {
    const { table, dynamoDb } = mockedTable();
    dynamoDb
      .on(QueryCommand)
      .resolves({ Items: [item('a'), item('b')], LastEvaluatedKey: { uploadId: 'b' } });
    expect(await table.recentByUploader('u', 2)).toHaveLength(2);
    expect(dynamoDb.commandCalls(QueryCommand)).toHaveLength(1);
  });
});
