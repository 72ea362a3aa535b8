import '../support/test-environment';
import { gzipSync } from 'node:zlib';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
  type PutRecordBatchResponseEntry,
} from '@aws-sdk/client-firehose';
import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  DeleteObjectCommand,
  type DeleteObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import {
  type RedriveReport,
  type RedriveRequest,
  redriveErrorPrefix,
} from '../../../lambda/firehose-redrive/redrive';

const BUCKET = 'vigil-log-archive-test';
const STREAM = 'vigil-logs';
const NOW = new Date('2026-11-23T10:00:00.000Z');
const REPORT_KEY = 'redrive-reports/2026-11-23T10:00:00.000Z.json';
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const s3 = new S3Client({ region: 'eu-west-1', credentials });
const firehose = new FirehoseClient({ region: 'eu-west-1', credentials });
const s3Mock = mockClient(S3Client);
const firehoseMock = mockClient(FirehoseClient);

/** A line as Firehose writes it to its error output; `data` is the record's original content. */
function errorLine(data: string | Buffer): string {
  return JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: 1_795_000_000_000,
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
    attemptEndingTimestamp: 1_795_000_060_000,
    rawData: Buffer.from(data).toString('base64'),
  });
}

/** Record data naming its object, so the Firehose mock knows whose record it accepted. */
const recordOf = (key: string, index: number) => `${key}#${index}`;

/** An error object of `count` records named after its key. */
function errorObject(key: string, count: number): string {
  return Array.from({ length: count }, (_, index) => `${errorLine(recordOf(key, index))}\n`).join('');
}

/** Something that happened, in the order it happened across both clients. */
type Event = { call: 'put'; key: string; accepted: number } | { call: 'copy' | 'delete'; key: string };

interface ArchiveOptions {
  /** Keys per ListObjectsV2 page. @default 1000 */
  readonly pageSize?: number;
  /** How many times Firehose refuses a record's data before accepting it. @default never */
  readonly refusals?: Map<string, number>;
  /** Keys whose GetObject fails. */
  readonly unreadable?: readonly string[];
  /** PutRecordBatch calls (counted from 1) that fail as a whole, with the error. */
  readonly putErrors?: ReadonlyMap<number, Error>;
}

/**
 * S3 as a bucket in memory and Firehose as a stream that records what it accepted, both logging to
 * one timeline so a test can check that no object was deleted before its records were accepted.
 */
function installArchive(initial: Record<string, string | Buffer>, options: ArchiveOptions = {}) {
  s3Mock.reset();
  firehoseMock.reset();
  const objects = new Map(Object.entries(initial).map(([key, body]) => [key, Buffer.from(body)]));
  const events: Event[] = [];
  const accepted: string[] = [];
  const refusals = new Map(options.refusals);

  s3Mock.on(ListObjectsV2Command).callsFake(async (input: ListObjectsV2CommandInput) => {
    const keys = [...objects.keys()].filter((key) => key.startsWith(input.Prefix ?? '')).sort();
    const start = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
    const end = start + (options.pageSize ?? 1000);
    return {
      Contents: keys.slice(start, end).map((Key) => ({ Key, Size: objects.get(Key)?.length })),
      IsTruncated: end < keys.length,
      NextContinuationToken: end < keys.length ? String(end) : undefined,
    };
  });
  s3Mock.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
    const body = objects.get(input.Key ?? '');
    if (options.unreadable?.includes(input.Key ?? '')) {
      throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' });
    }
    if (body === undefined) {
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    }
    return {
      Body: { transformToByteArray: async () => new Uint8Array(body) } as GetObjectCommandOutput['Body'],
    };
  });
  s3Mock.on(CopyObjectCommand).callsFake(async (input: CopyObjectCommandInput) => {
    const source = decodeURIComponent((input.CopySource ?? '').slice(`${input.Bucket}/`.length));
    const body = objects.get(source);
    if (body === undefined) throw new Error(`copy of missing ${source}`);
    objects.set(input.Key ?? '', body);
    events.push({ call: 'copy', key: source });
    return {};
  });
  s3Mock.on(DeleteObjectCommand).callsFake(async (input: DeleteObjectCommandInput) => {
    objects.delete(input.Key ?? '');
    events.push({ call: 'delete', key: input.Key ?? '' });
    return {};
  });
  s3Mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    objects.set(input.Key ?? '', Buffer.from(input.Body as string));
    return {};
  });
  let putCall = 0;
  firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
    const error = options.putErrors?.get(++putCall);
    if (error !== undefined) throw error;
    const responses: PutRecordBatchResponseEntry[] = (input.Records ?? []).map((record, index) => {
      const data = Buffer.from(record.Data ?? []).toString();
      const left = refusals.get(data) ?? 0;
      if (left > 0) {
        refusals.set(data, left - 1);
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      }
      accepted.push(data);
      const key = data.slice(0, data.lastIndexOf('#'));
      const last = events.at(-1);
      if (last?.call === 'put' && last.key === key) last.accepted += 1;
      else events.push({ call: 'put', key, accepted: 1 });
      return { RecordId: `record-${index}` };
    });
    const failed = responses.filter((response) => response.ErrorCode !== undefined).length;
    return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses };
  });
  return { objects, events, accepted };
}

const deps = { s3, firehose, now: () => NOW, retry: { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 } };

function redrive(request: Partial<RedriveRequest> = {}): Promise<RedriveReport> {
  return redriveErrorPrefix(deps, {
    bucket: BUCKET,
    prefix: 'errors/',
    deliveryStreamName: STREAM,
    ...request,
  });
}

/** The records each PutRecordBatch call carried, as text. */
function putCalls(): string[][] {
  return firehoseMock
    .commandCalls(PutRecordBatchCommand)
    .map((call) =>
      (call.args[0].input.Records ?? []).map((record) => Buffer.from(record.Data ?? []).toString()),
    );
}

const KEY = 'errors/processing-failed/2026/11/23/10/vigil-logs-1-2026-11-23-10-00-00-abc';

test('re-puts every record, moves the object to redriven/ and reports it', async () => {
  const archive = installArchive({ [KEY]: errorObject(KEY, 3) });
  const report = await redrive();
  expect(putCalls()).toEqual([[recordOf(KEY, 0), recordOf(KEY, 1), recordOf(KEY, 2)]]);
  expect(firehoseMock.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe(STREAM);
  expect(report.objects).toEqual([{ key: KEY, records: 3, reput: 3, failed: 0, malformed: [], moved: true }]);
  expect(archive.objects.has(KEY)).toBe(false);
  expect(archive.objects.get(`redriven/${KEY}`)?.toString()).toBe(errorObject(KEY, 3));
  expect(s3Mock.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
    Bucket: BUCKET,
    Key: `redriven/${KEY}`,
    CopySource: `${BUCKET}/${KEY}`,
  });
});

test('retries only the records Firehose refused, until they are accepted', async () => {
  const archive = installArchive(
    { [KEY]: errorObject(KEY, 5) },
    {
      refusals: new Map([
        [recordOf(KEY, 1), 1],
        [recordOf(KEY, 3), 2],
      ]),
    },
  );
  const report = await redrive();
  expect(putCalls()).toEqual([
    [0, 1, 2, 3, 4].map((index) => recordOf(KEY, index)),
    [recordOf(KEY, 1), recordOf(KEY, 3)],
    [recordOf(KEY, 3)],
  ]);
  expect(archive.accepted.sort()).toEqual([0, 1, 2, 3, 4].map((index) => recordOf(KEY, index)));
  expect(report.objects[0]).toMatchObject({ records: 5, reput: 5, failed: 0, moved: true });
});

test('a record that keeps being refused keeps its object where it is', async () => {
  const archive = installArchive(
    { [KEY]: errorObject(KEY, 3) },
    { refusals: new Map([[recordOf(KEY, 2), Number.POSITIVE_INFINITY]]) },
  );
  const report = await redrive();
  // Bounded: the three attempts the test configures, then the object is given up on.
  expect(putCalls()).toEqual([
    [recordOf(KEY, 0), recordOf(KEY, 1), recordOf(KEY, 2)],
    [recordOf(KEY, 2)],
    [recordOf(KEY, 2)],
  ]);
  expect(report.objects).toEqual([
    {
      key: KEY,
      records: 3,
      reput: 2,
      failed: 1,
      malformed: [],
      moved: false,
      error: '1 of 3 records still refused after 3 attempts (last: ServiceUnavailableException: Slow down.)',
    },
  ]);
  expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
  expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  expect(archive.objects.has(KEY)).toBe(true);
});

test('later batches of an object are not sent once a batch is given up on', async () => {
  installArchive(
    { [KEY]: errorObject(KEY, 700) },
    { refusals: new Map([[recordOf(KEY, 0), Number.POSITIVE_INFINITY]]) },
  );
  const report = await redrive();
  expect(putCalls().map((records) => records.length)).toEqual([500, 1, 1]);
  expect(report.objects[0]).toMatchObject({ records: 700, reput: 499, failed: 201, moved: false });
});

test('malformed lines are reported with their line numbers and keep the object', async () => {
  const text = `${errorLine(recordOf(KEY, 0))}\nnot json\n${JSON.stringify({ rawData: '%%%' })}\n${errorLine(recordOf(KEY, 1))}\n`;
  const archive = installArchive({ [KEY]: text });
  const report = await redrive();
  expect(putCalls()).toEqual([[recordOf(KEY, 0), recordOf(KEY, 1)]]);
  expect(report.objects).toEqual([
    {
      key: KEY,
      records: 2,
      reput: 2,
      failed: 0,
      malformed: [
        { line: 2, reason: expect.stringMatching(/^not JSON: /) },
        { line: 3, reason: 'rawData is not valid base64' },
      ],
      moved: false,
    },
  ]);
  expect(archive.objects.has(KEY)).toBe(true);
  expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
});

test('no object is deleted before the last of its records was accepted', async () => {
  const keys = ['errors/processing-failed/a', 'errors/processing-failed/b', 'errors/decompression-failed/c'];
  const archive = installArchive(Object.fromEntries(keys.map((key) => [key, errorObject(key, 1_200)])), {
    refusals: new Map([
      [recordOf(keys[0] ?? '', 1_199), 2],
      [recordOf(keys[1] ?? '', 0), 1],
    ]),
  });
  await redrive();
  for (const key of keys) {
    const deleted = archive.events.findIndex((event) => event.call === 'delete' && event.key === key);
    const lastPut = archive.events.findLastIndex((event) => event.call === 'put' && event.key === key);
    const copied = archive.events.findIndex((event) => event.call === 'copy' && event.key === key);
    expect(deleted).toBeGreaterThan(lastPut);
    expect(deleted).toBeGreaterThan(copied);
    expect(copied).toBeGreaterThan(lastPut);
  }
  expect(archive.accepted).toHaveLength(3_600);
});

test('batches hold at most 500 records', async () => {
  installArchive({ [KEY]: errorObject(KEY, 1_001) });
  await redrive();
  expect(putCalls().map((records) => records.length)).toEqual([500, 500, 1]);
  expect(putCalls().flat()).toEqual(Array.from({ length: 1_001 }, (_, index) => recordOf(KEY, index)));
});

test('batches hold at most 4 MiB of record data', async () => {
  // 900 KiB records: four fit in 4 MiB, a fifth would not.
  const big = (index: number) => `${recordOf(KEY, index)}#`.padEnd(900 * 1024, 'x');
  const text = Array.from({ length: 10 }, (_, index) => `${errorLine(big(index))}\n`).join('');
  installArchive({ [KEY]: text });
  const report = await redrive();
  const batches = firehoseMock
    .commandCalls(PutRecordBatchCommand)
    .map((call) => call.args[0].input.Records ?? []);
  expect(batches.map((records) => records.length)).toEqual([4, 4, 2]);
  for (const records of batches) {
    expect(records.reduce((bytes, record) => bytes + (record.Data?.length ?? 0), 0)).toBeLessThanOrEqual(
      4 * 1024 * 1024,
    );
  }
  expect(report.objects[0]).toMatchObject({ records: 10, reput: 10, moved: true });
});

test('follows ListObjectsV2 pages, and stops at maxObjects', async () => {
  const keys = Array.from({ length: 7 }, (_, index) => `errors/processing-failed/2026/11/23/object-${index}`);
  installArchive(Object.fromEntries(keys.map((key) => [key, errorObject(key, 1)])), { pageSize: 2 });

  const all = await redrive();
  expect(all.objects.map((object) => object.key)).toEqual(keys);
  expect(all.truncated).toBe(false);
  expect(
    s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.ContinuationToken),
  ).toEqual([undefined, '2', '4', '6']);

  installArchive(Object.fromEntries(keys.map((key) => [key, errorObject(key, 1)])), { pageSize: 2 });
  const some = await redrive({ maxObjects: 3 });
  expect(some.objects.map((object) => object.key)).toEqual(keys.slice(0, 3));
  expect(some.truncated).toBe(true);
  expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(2);
});

test('a wide prefix leaves moved objects, reports and folder markers alone', async () => {
  installArchive({
    [KEY]: errorObject(KEY, 1),
    [`redriven/${KEY}`]: errorObject(KEY, 1),
    'redrive-reports/2026-11-22T10:00:00.000Z.json': '{}',
    'errors/': '',
  });
  const report = await redrive({ prefix: '' });
  expect(report.objects.map((object) => object.key)).toEqual([KEY]);
});

test('a dry run puts, copies and deletes nothing, and still writes its report', async () => {
  const archive = installArchive({ [KEY]: `${errorObject(KEY, 4)}oops\n` });
  const report = await redrive({ dryRun: true });
  expect(firehoseMock.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
  expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  expect(report).toMatchObject({
    dryRun: true,
    objects: [
      {
        key: KEY,
        records: 4,
        reput: 0,
        failed: 0,
        malformed: [{ line: 5, reason: expect.any(String) }],
        moved: false,
      },
    ],
  });
  expect(JSON.parse(archive.objects.get(REPORT_KEY)?.toString() ?? '')).toEqual(report);
});

test('the report, with its totals, is written under the report prefix', async () => {
  const good = 'errors/processing-failed/good';
  const broken = 'errors/processing-failed/broken';
  const refused = 'errors/processing-failed/refused';
  const archive = installArchive(
    {
      [good]: errorObject(good, 3),
      [broken]: `${errorObject(broken, 2)}{}\n[]\n`,
      [refused]: errorObject(refused, 4),
    },
    { refusals: new Map([[recordOf(refused, 3), Number.POSITIVE_INFINITY]]) },
  );
  const report = await redrive();
  expect(report.totals).toEqual({
    objects: 3,
    records: 9,
    reput: 8,
    failed: 1,
    malformed: 2,
    moved: 1,
    errors: 1,
  });
  expect(report).toMatchObject({
    bucket: BUCKET,
    prefix: 'errors/',
    deliveryStreamName: STREAM,
    dryRun: false,
    startedAt: NOW.toISOString(),
    reportKey: REPORT_KEY,
    truncated: false,
  });
  const written = s3Mock.commandCalls(PutObjectCommand);
  expect(written).toHaveLength(1);
  expect(written[0]?.args[0].input).toMatchObject({
    Bucket: BUCKET,
    Key: REPORT_KEY,
    ContentType: 'application/json',
  });
  expect(JSON.parse(archive.objects.get(REPORT_KEY)?.toString() ?? '')).toEqual(report);
});

test('the report prefix can be changed', async () => {
  const archive = installArchive({ [KEY]: errorObject(KEY, 1) });
  const report = await redrive({ reportPrefix: 'ops/redrive/' });
  expect(report.reportKey).toBe('ops/redrive/2026-11-23T10:00:00.000Z.json');
  expect(archive.objects.has(report.reportKey)).toBe(true);
});

test('an object that cannot be read is reported, and the others still go', async () => {
  const unreadable = 'errors/processing-failed/a-unreadable';
  const fine = 'errors/processing-failed/b-fine';
  const archive = installArchive(
    { [unreadable]: errorObject(unreadable, 2), [fine]: errorObject(fine, 2) },
    { unreadable: [unreadable] },
  );
  const report = await redrive();
  expect(report.objects).toEqual([
    {
      key: unreadable,
      records: 0,
      reput: 0,
      failed: 0,
      malformed: [],
      moved: false,
      error: 'InternalError: We encountered an internal error.',
    },
    { key: fine, records: 2, reput: 2, failed: 0, malformed: [], moved: true },
  ]);
  expect(archive.objects.has(unreadable)).toBe(true);
});

test('a PutRecordBatch error stops its object only, keeping the count of what was accepted', async () => {
  const first = 'errors/processing-failed/a';
  const second = 'errors/processing-failed/b';
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ServiceUnavailableException' });
  installArchive(
    { [first]: errorObject(first, 600), [second]: errorObject(second, 1) },
    { putErrors: new Map([[2, throttled]]) },
  );
  const report = await redrive();
  expect(report.objects[0]).toEqual({
    key: first,
    records: 600,
    reput: 500,
    failed: 100,
    malformed: [],
    moved: false,
    error: 'ServiceUnavailableException: Rate exceeded',
  });
  expect(report.objects[1]).toMatchObject({ key: second, reput: 1, moved: true });
});

test('a response entry without a RecordId is not taken as accepted', async () => {
  installArchive({ [KEY]: errorObject(KEY, 2) });
  firehoseMock
    .on(PutRecordBatchCommand)
    .resolvesOnce({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r0' }] })
    .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r1' }] });
  const report = await redrive();
  expect(putCalls()).toEqual([[recordOf(KEY, 0), recordOf(KEY, 1)], [recordOf(KEY, 1)]]);
  expect(report.objects[0]).toMatchObject({ reput: 2, moved: true });
});

test('a failed delete after the copy is reported and the object counts as not moved', async () => {
  const archive = installArchive({ [KEY]: errorObject(KEY, 1) });
  s3Mock.on(DeleteObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  const report = await redrive();
  expect(report.objects[0]).toMatchObject({
    reput: 1,
    moved: false,
    error: `Error: copied to redriven/${KEY} but not deleted: AccessDenied: Access Denied`,
  });
  expect(archive.objects.has(KEY)).toBe(true);
});

test('reads error objects that Firehose compressed with gzip', async () => {
  installArchive({ [KEY]: gzipSync(errorObject(KEY, 2)) });
  const report = await redrive();
  expect(putCalls()).toEqual([[recordOf(KEY, 0), recordOf(KEY, 1)]]);
  expect(report.objects[0]).toMatchObject({ records: 2, moved: true });
});

test('keys are URL-encoded in CopySource', async () => {
  const key = 'errors/processing-failed/a b+c%é.gz';
  installArchive({ [key]: errorObject(key, 1) });
  await redrive();
  expect(s3Mock.commandCalls(CopyObjectCommand)[0]?.args[0].input.CopySource).toBe(
    `${BUCKET}/errors/processing-failed/a%20b%2Bc%25%C3%A9.gz`,
  );
});

test('a report that cannot be written fails the run', async () => {
  installArchive({ [KEY]: errorObject(KEY, 1) });
  s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  await expect(redrive()).rejects.toThrow('Access Denied');
});

describe('property', () => {
  /** A line of an error object: a record Firehose refuses `refusals` times first, or a broken line. */
  const line = fc.oneof(
    { weight: 4, arbitrary: fc.record({ refusals: fc.integer({ min: 0, max: 4 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        malformed: fc.constantFrom('not json', '{}', '{"rawData":"@@"}', '[1]', 'null'),
      }),
    },
  );
  const objectLines = fc.array(line, { minLength: 0, maxLength: 8 });
  // Whole calls failing and objects that cannot be read, as well as refused records.
  const putErrors = fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 3 });
  const unreadable = fc.array(fc.boolean(), { minLength: 5, maxLength: 5 });

  test('an object is deleted only when all its records were accepted and no line was malformed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(objectLines, { minLength: 1, maxLength: 5 }),
        putErrors,
        unreadable,
        async (objects, failingCalls, unreadableFlags) => {
          const keys = objects.map((_, index) => `errors/processing-failed/object-${index}`);
          const refusals = new Map<string, number>();
          const bodies = objects.map((lines, objectIndex) => {
            const key = keys[objectIndex] ?? '';
            return lines
              .map((entry, index) => {
                if ('malformed' in entry) return `${entry.malformed}\n`;
                refusals.set(recordOf(key, index), entry.refusals);
                return `${errorLine(recordOf(key, index))}\n`;
              })
              .join('');
          });
          const throttled = Object.assign(new Error('Rate exceeded'), {
            name: 'ServiceUnavailableException',
          });
          const archive = installArchive(
            Object.fromEntries(keys.map((key, index) => [key, bodies[index] ?? ''])),
            {
              refusals,
              putErrors: new Map(failingCalls.map((call) => [call, throttled])),
              unreadable: keys.filter((_, index) => unreadableFlags[index]),
            },
          );

          const report = await redrive();

          keys.forEach((key, index) => {
            const lines = objects[index] ?? [];
            const records = lines.filter((entry) => !('malformed' in entry)).map((_, i) => i);
            const recordData = lines.flatMap((entry, i) => ('malformed' in entry ? [] : [recordOf(key, i)]));
            const allAccepted =
              !unreadableFlags[index] && recordData.every((data) => archive.accepted.includes(data));
            const hasMalformed = lines.some((entry) => 'malformed' in entry);
            const deleted = archive.events.findIndex((event) => event.call === 'delete' && event.key === key);
            const lastPut = archive.events.findLastIndex(
              (event) => event.call === 'put' && event.key === key,
            );
            const outcome = report.objects.find((object) => object.key === key);

            expect(deleted >= 0).toBe(allAccepted && !hasMalformed);
            expect(outcome?.moved).toBe(deleted >= 0);
            if (deleted >= 0) expect(deleted).toBeGreaterThan(lastPut);
            expect(archive.objects.has(key)).toBe(deleted < 0);
            if (unreadableFlags[index]) {
              expect(outcome).toMatchObject({ records: 0, reput: 0, error: expect.any(String) });
              return;
            }
            expect(outcome?.records).toBe(records.length);
            expect(outcome?.reput).toBe(recordData.filter((data) => archive.accepted.includes(data)).length);
            expect((outcome?.reput ?? 0) + (outcome?.failed ?? 0)).toBe(records.length);
            expect(outcome?.malformed).toHaveLength(lines.length - records.length);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
