import './support/test-environment';
import { createPredictorApi } from '../../lambda/predictor-api/predictor-api';
import { instrumentHandler } from '../../lambda/shared/instrument-handler';
import { ResultsTable } from '../../lambda/shared/results-table';
import { createUploadQueueHandler } from '../../lambda/upload-scorer/upload-queue-handler';
import { predictRecords } from '../../predictor/inference/predict-records';
import { scoreCsv } from '../../predictor/inference/score-csv';
import { captureEmf } from './support/emf-capture';
import { bodyOf, httpEvent } from './support/http-events';
import { lambdaContext } from './support/lambda-context';
import { type LocalDynamoDb, startLocalDynamoDb } from './support/local-dynamodb';
import { MODEL_VERSION } from './support/model-version';
import { BUCKET, gzip, mockS3Bucket, syntheticCsv, uploadQueueEvent } from './support/s3-fixtures';

const bucket = mockS3Bucket();
let dynamo: LocalDynamoDb;
let emf: ReturnType<typeof captureEmf>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  bucket.install();
  emf = captureEmf();
});
afterAll(async () => {
  emf.restore();
  await dynamo.close();
});

test('upload URL → PUT → queued notification → scorer → results: the API and the scorer agree on keys and items', async () => {
  const results = new ResultsTable(dynamo.clients.dynamoDb, await dynamo.createResultsTable());
  const api = instrumentHandler(
    createPredictorApi({
      config: {
        dataBucketName: BUCKET,
        resultsTableName: results.tableName,
        maxUploadBytes: 10_000_000,
        presignTtlSeconds: 900,
        resultsRetentionDays: 30,
      },
      results,
      presigningS3: dynamo.clients.presigningS3,
      predictRecords,
    }),
  );
  const scorer = instrumentHandler(
    createUploadQueueHandler({
      s3: dynamo.clients.s3,
      results,
      scoreCsv,
      resultsBucket: BUCKET,
      maxUploadBytes: 10_000_000,
      maxRejectedShare: 0.05,
    }),
  );

  const file = gzip(syntheticCsv(2500));
  const created = bodyOf(
    await api(
      httpEvent('POST', '/uploads', {
        body: { fileName: 'week.csv.gz', contentType: 'application/gzip', bytes: file.length },
      }),
      lambdaContext('api'),
    ),
  );
  // What the client's PUT to the presigned URL stores.
  const key = decodeURIComponent(new URL(created.uploadUrl).pathname.slice(1));
  bucket.objects.set(key, file);

  const pending = bodyOf(await api(httpEvent('GET', `/results/${created.uploadId}`), lambdaContext('api')));
  expect(pending.status).toBe('PENDING');

  // S3's notification of the PUT, as the scorer receives it from the upload-events queue.
  const scored = await scorer(uploadQueueEvent([{ key, size: file.length }]), lambdaContext('scorer'));
  expect(scored).toEqual({ batchItemFailures: [] });

  const done = bodyOf(await api(httpEvent('GET', `/results/${created.uploadId}`), lambdaContext('api')));
  expect(done).toMatchObject({
    uploadId: created.uploadId,
    status: 'SUCCEEDED',
    fileName: 'week.csv.gz',
    summary: { rows: 2500, scored: 2500, rejected: 0, modelVersion: MODEL_VERSION },
  });
  const resultsPath = decodeURIComponent(new URL(done.resultsUrl).pathname.slice(1));
  expect(resultsPath).toBe(`results/${created.uploadId}.ndjson.gz`);
  expect(bucket.resultLines(resultsPath)).toHaveLength(2500);
});
