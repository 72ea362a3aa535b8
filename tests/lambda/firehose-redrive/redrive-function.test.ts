import '../support/test-environment';
import { Readable } from 'node:stream';
import type * as FirehoseModule from '@aws-sdk/client-firehose';
import type * as S3Module from '@aws-sdk/client-s3';
import type * as ClientMockModule from 'aws-sdk-client-mock';
import { lambdaContext } from '../support/lambda-context';

const MODULE = '../../../lambda/firehose-redrive/redrive-function';
const ENVIRONMENT = { ARCHIVE_BUCKET_NAME: 'vigil-log-archive-test', DELIVERY_STREAM_NAME: 'vigil-logs' };

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

interface ColdStarted {
  readonly handler: Handler;
  /** ListObjectsV2 inputs, in order. */
  readonly listed: () => unknown[];
  readonly puts: () => number;
  /** Keys of the reports written. */
  readonly reports: () => string[];
}

/** A context whose remaining time is fixed. */
const contextWithTime = (remainingMs: number) => ({
  ...lambdaContext(),
  getRemainingTimeInMillis: () => remainingMs,
});

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/**
 * Loads the function fresh, as a cold start does, with S3 and Firehose mocked in the same module
 * registry as the clients it creates: every error object is listed, read and re-put as it would be.
 */
function coldStart(env: Record<string, string | undefined>): ColdStarted {
  process.env = { ...saved, ...env };
  let loaded: ColdStarted | undefined;
  jest.isolateModules(() => {
    const { mockClient } = require('aws-sdk-client-mock') as typeof ClientMockModule;
    const s3 = require('@aws-sdk/client-s3') as typeof S3Module;
    const firehose = require('@aws-sdk/client-firehose') as typeof FirehoseModule;
    const s3Mock = mockClient(s3.S3Client);
    const firehoseMock = mockClient(firehose.FirehoseClient);
    const body = `${JSON.stringify({ errorCode: 'X', rawData: Buffer.from('log').toString('base64') })}\n`;
    s3Mock.on(s3.ListObjectsV2Command).callsFake(async (input: S3Module.ListObjectsV2CommandInput) => ({
      Contents: [{ Key: `${input.Prefix}object-1` }],
    }));
    s3Mock.on(s3.GetObjectCommand).callsFake(async (input: S3Module.GetObjectCommandInput) => {
      if (input.Key?.startsWith('redrive-progress/')) {
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      }
      return { Body: Readable.from([Buffer.from(body)]), ETag: '"etag"' };
    });
    s3Mock.on(s3.PutObjectCommand).resolves({});
    s3Mock.on(s3.CopyObjectCommand).resolves({});
    s3Mock.on(s3.DeleteObjectCommand).resolves({});
    firehoseMock
      .on(firehose.PutRecordBatchCommand)
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r' }] });
    const { handler } = require(MODULE) as { handler: Handler };
    loaded = {
      handler,
      listed: () =>
        s3Mock
          .commandCalls(s3.ListObjectsV2Command)
          .map((call) => call.args[0].input)
          .filter((input) => !input.Prefix?.startsWith('redrive-progress/')),
      puts: () => firehoseMock.commandCalls(firehose.PutRecordBatchCommand).length,
      reports: () =>
        s3Mock
          .commandCalls(s3.PutObjectCommand)
          .map((call) => call.args[0].input.Key ?? '')
          .filter((key) => key.startsWith('redrive-reports/')),
    };
  });
  return loaded as ColdStarted;
}

test('fails its cold start naming each missing setting', () => {
  expect(() => coldStart({})).toThrow(
    'Invalid Lambda environment: ARCHIVE_BUCKET_NAME is required; DELIVERY_STREAM_NAME is required',
  );
});

test('redrives the whole error prefix by default and answers with a summary', async () => {
  const run = coldStart(ENVIRONMENT);
  const summary = await run.handler({}, lambdaContext());
  expect(run.listed()).toEqual([
    expect.objectContaining({ Bucket: 'vigil-log-archive-test', Prefix: 'errors/' }),
  ]);
  expect(run.puts()).toBe(1);
  expect(summary).toEqual({
    reportKey: expect.stringMatching(/^redrive-reports\/\d{4}-\d\d-\d\dT.*Z\.json$/),
    dryRun: false,
    truncated: false,
    stoppedForTime: false,
    totals: {
      objects: 1,
      handled: 1,
      unfinished: 0,
      errors: 0,
      records: 1,
      reput: 1,
      refused: 0,
      setAside: 0,
      skipped: 0,
      notStarted: 0,
    },
    unfinished: [],
  });
});

test("stops before its timeout by the context's remaining time, and says what is left", async () => {
  const run = coldStart(ENVIRONMENT);
  const summary = await run.handler({}, contextWithTime(5_000));
  expect(run.puts()).toBe(0);
  expect(run.reports()).toHaveLength(1);
  expect(summary).toMatchObject({ stoppedForTime: true, totals: { objects: 0, notStarted: 1 } });
});

test('an invocation without a payload is the default run', async () => {
  const run = coldStart(ENVIRONMENT);
  await run.handler(null, lambdaContext());
  expect(run.listed()).toEqual([expect.objectContaining({ Prefix: 'errors/' })]);
});

test('the event narrows the prefix, caps the objects and asks for a dry run', async () => {
  const run = coldStart({ ...ENVIRONMENT, ERROR_PREFIX: 'firehose-errors/' });
  const summary = await run.handler(
    { prefix: 'firehose-errors/processing-failed/2026/11/', maxObjects: 5, dryRun: true },
    lambdaContext(),
  );
  expect(run.listed()).toEqual([
    expect.objectContaining({ Prefix: 'firehose-errors/processing-failed/2026/11/' }),
  ]);
  expect(run.puts()).toBe(0);
  expect(run.reports()).toHaveLength(1);
  expect(summary).toMatchObject({
    dryRun: true,
    totals: { handled: 1, records: 1, reput: 0 },
    unfinished: [],
  });
});

test.each([
  [{ dryRun: 'yes' }, 'Invalid redrive event: dryRun: '],
  [{ maxObjects: 0 }, 'Invalid redrive event: maxObjects: '],
  [{ maxObjects: 2.5 }, 'Invalid redrive event: maxObjects: '],
  [{ prefix: '' }, 'Invalid redrive event: prefix: must not be empty'],
  [{ prefix: 'AWSLogs/' }, 'Invalid redrive event: prefix: must be under errors/'],
  [{ dryrun: true }, 'Invalid redrive event: event: Unrecognized key: "dryrun"'],
  ['errors/', 'Invalid redrive event: event: '],
])('refuses %j, naming the field, before touching AWS', async (event, message) => {
  const run = coldStart(ENVIRONMENT);
  await expect(run.handler(event, lambdaContext())).rejects.toThrow(message);
  expect(run.listed()).toEqual([]);
});
