import '../support/test-environment';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
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
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { ProgressMarker } from '../../../lambda/firehose-redrive/progress';
import {
  type RedriveDependencies,
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

/** Record data naming its object and line, so the Firehose mock knows whose record it accepted. */
const recordOf = (key: string, line: number) => `${key}#${line}`;

/** An error object of `count` records named after its key, line 1 first. */
function errorObject(key: string, count: number): string {
  return Array.from({ length: count }, (_, index) => `${errorLine(recordOf(key, index + 1))}\n`).join('');
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
  /** Bytes per chunk of a GetObject body. @default 16 KiB */
  readonly chunkBytes?: number;
  /** How many times DeleteObject of a key is denied before it works. */
  readonly deleteDenials?: ReadonlyMap<string, number>;
  /** Called before each PutRecordBatch is answered, e.g. to move a clock. */
  readonly onPut?: () => void;
}

const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

/** A body as a socket delivers it: chunks, each on a later turn of the event loop. */
function networkStream(body: Buffer, chunkBytes: number): Readable {
  return Readable.from(
    (async function* chunks() {
      for (let at = 0; at < body.length; at += chunkBytes) {
        await new Promise((resolve) => setImmediate(resolve));
        yield body.subarray(at, at + chunkBytes);
      }
    })(),
    { objectMode: false },
  );
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
  const unreadable = new Set(options.unreadable);
  const putErrors = new Map(options.putErrors);

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
    if (unreadable.has(input.Key ?? '')) {
      throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' });
    }
    if (body === undefined) {
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    }
    return { Body: networkStream(body, options.chunkBytes ?? 16 * 1024), ETag: etagOf(body) };
  });
  s3Mock.on(CopyObjectCommand).callsFake(async (input: CopyObjectCommandInput) => {
    const source = decodeURIComponent((input.CopySource ?? '').slice(`${input.Bucket}/`.length));
    const body = objects.get(source);
    if (body === undefined) throw new Error(`copy of missing ${source}`);
    objects.set(input.Key ?? '', body);
    events.push({ call: 'copy', key: source });
    return {};
  });
  const deleteDenials = new Map(options.deleteDenials);
  s3Mock.on(DeleteObjectCommand).callsFake(async (input: DeleteObjectCommandInput) => {
    const denials = deleteDenials.get(input.Key ?? '') ?? 0;
    if (denials > 0) {
      deleteDenials.set(input.Key ?? '', denials - 1);
      throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    }
    objects.delete(input.Key ?? '');
    events.push({ call: 'delete', key: input.Key ?? '' });
    return {};
  });
  // With S3's conditional writes: If-None-Match: * and If-Match: <ETag> answer 412 when not met.
  s3Mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    const existing = objects.get(input.Key ?? '');
    const unmet =
      (input.IfNoneMatch === '*' && existing !== undefined) ||
      (input.IfMatch !== undefined && (existing === undefined || etagOf(existing) !== input.IfMatch));
    if (unmet) {
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
      });
    }
    const body = Buffer.from(input.Body as string);
    objects.set(input.Key ?? '', body);
    return { ETag: etagOf(body) };
  });
  let putCall = 0;
  firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
    options.onPut?.();
    archive.onPut?.();
    const error = putErrors.get(++putCall);
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
  const archive = {
    /** Called before each PutRecordBatch is answered; a test may set it after installing. */
    onPut: undefined as (() => void) | undefined,
    objects,
    events,
    accepted,
    /** PutRecordBatch calls so far. */
    puts: () => putCall,
    /** Firehose accepts everything from now on. */
    heal: () => {
      refusals.clear();
      unreadable.clear();
      putErrors.clear();
    },
    marker: (key: string) => {
      const body = objects.get(`redrive-progress/${key}.json`);
      return body === undefined ? undefined : (JSON.parse(body.toString()) as ProgressMarker);
    },
    /** Every entry of every `failed/` part of an object, in key order. */
    failed: (key: string) =>
      [...objects.entries()]
        .filter(([name]) => name.startsWith(`failed/${key}/`))
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([, body]) =>
          body
            .toString()
            .split('\n')
            .filter((line) => line !== '')
            .map(
              (line) =>
                JSON.parse(line) as { source: string; line: number; reason: string; content?: string },
            ),
        ),
  };
  return archive;
}

const noWait = async () => undefined;
const deps: RedriveDependencies = {
  s3,
  firehose,
  now: () => NOW,
  retry: { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 },
  sleep: noWait,
};

function redrive(request: Partial<RedriveRequest> = {}, extra: Partial<RedriveDependencies> = {}) {
  return redriveErrorPrefix(
    { ...deps, ...extra },
    { bucket: BUCKET, prefix: 'errors/', deliveryStreamName: STREAM, ...request },
  );
}

/** The records each PutRecordBatch call carried, as text. */
function putCalls(): string[][] {
  return firehoseMock
    .commandCalls(PutRecordBatchCommand)
    .map((call) =>
      (call.args[0].input.Records ?? []).map((record) => Buffer.from(record.Data ?? []).toString()),
    );
}

/** ListObjectsV2 calls for error objects, not for progress markers. */
const errorListings = () =>
  s3Mock
    .commandCalls(ListObjectsV2Command)
    .map((call) => call.args[0].input)
    .filter((input) => !input.Prefix?.startsWith('redrive-progress/'));

const records = (key: string, lines: readonly number[]) => lines.map((line) => recordOf(key, line));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
const duplicates = (values: readonly string[]) =>
  values.filter((value, index) => values.indexOf(value) !== index);

const KEY =
  'errors/service=predictor/processing-failed/year=2026/month=11/day=23/vigil-logs-1-2026-11-23-abc';

test('re-puts every record, moves the object to redriven/, leaves no marker and reports it', async () => {
  const archive = installArchive({ [KEY]: errorObject(KEY, 3) });
  const report = await redrive();
  expect(putCalls()).toEqual([records(KEY, [1, 2, 3])]);
  expect(firehoseMock.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe(STREAM);
  expect(report.objects).toEqual([
    {
      key: KEY,
      status: 'handled',
      records: 3,
      reput: 3,
      refused: 0,
      setAside: 0,
      setAsideLines: [],
      skipped: 0,
      moved: true,
      resumeAfterLine: 3,
      failedParts: [],
    },
  ]);
  expect(archive.objects.has(KEY)).toBe(false);
  expect(archive.objects.get(`redriven/${KEY}`)?.toString()).toBe(errorObject(KEY, 3));
  expect(archive.marker(KEY)).toBeUndefined();
  expect(s3Mock.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
    Bucket: BUCKET,
    Key: `redriven/${KEY}`,
    // Each segment URL-encoded (`=` as %3D), as CopySource is.
    CopySource: `${BUCKET}/${KEY.replaceAll('=', '%3D')}`,
  });
});

describe('a 5 MB line', () => {
  // rawData of 3,932,160 bytes: 5 MiB of base64, a line of 5 MiB and some.
  const huge = errorLine(Buffer.alloc(3_932_160, 0x61));
  const body = `${errorLine(recordOf(KEY, 1))}\n${huge}\n${errorLine(recordOf(KEY, 3))}\n`;

  test('is set aside by its length, unread, and the good lines around it go', async () => {
    const archive = installArchive({ [KEY]: body });
    const report = await redrive();
    expect(putCalls()).toEqual([records(KEY, [1, 3])]);
    expect(report.objects[0]).toMatchObject({ status: 'handled', reput: 2, setAside: 1, moved: true });
    const [entry] = archive.failed(KEY);
    expect(entry).toEqual({
      source: KEY,
      line: 2,
      reason: expect.stringMatching(/^line is 5243\d+ bytes, longer than any line holding a record/),
    });
  });

  test('read whole under a larger line limit, it is set aside as a record too large for Firehose', async () => {
    const archive = installArchive({ [KEY]: body });
    const report = await redrive({}, { maxLineBytes: 8 * 1024 * 1024 });
    expect(putCalls()).toEqual([records(KEY, [1, 3])]);
    expect(report.objects[0]).toMatchObject({ status: 'handled', reput: 2, setAside: 1 });
    expect(archive.failed(KEY)).toEqual([
      expect.objectContaining({
        line: 2,
        reason: 'rawData is 3932160 bytes, more than the 1024000 bytes Firehose accepts in a record',
        content: huge,
      }),
    ]);
  });
});

test('a malformed line among good ones, run three times: each good record once, the line once in failed/', async () => {
  const text = `${errorLine(recordOf(KEY, 1))}\nnot json\n${JSON.stringify({ rawData: '%%%' })}\n${errorLine(recordOf(KEY, 4))}\n`;
  // The move fails twice (DeleteObject denied), so the object is still there for runs 2 and 3.
  const archive = installArchive({ [KEY]: text }, { deleteDenials: new Map([[KEY, 2]]) });

  const first = await redrive();
  const second = await redrive();
  const third = await redrive();

  expect(archive.accepted).toEqual(records(KEY, [1, 4]));
  expect(first.objects[0]).toMatchObject({
    status: 'error',
    reput: 2,
    setAside: 2,
    setAsideLines: [
      { line: 2, reason: expect.stringMatching(/^not JSON: /) },
      { line: 3, reason: 'rawData is not valid base64' },
    ],
    error: expect.stringContaining('but not deleted: AccessDenied'),
  });
  expect(second.objects[0]).toMatchObject({ status: 'error', records: 0, reput: 0, setAside: 0, skipped: 4 });
  expect(third.objects[0]).toMatchObject({
    status: 'handled',
    records: 0,
    reput: 0,
    skipped: 4,
    moved: true,
  });
  expect(archive.failed(KEY).map(({ line, content }) => ({ line, content }))).toEqual([
    { line: 2, content: 'not json' },
    { line: 3, content: JSON.stringify({ rawData: '%%%' }) },
  ]);
  expect(archive.objects.has(KEY)).toBe(false);
  expect(archive.marker(KEY)).toBeUndefined();
});

test('an object with a malformed line is moved once its good lines went: a second run finds nothing', async () => {
  const archive = installArchive({ [KEY]: `${errorObject(KEY, 2)}oops\n` });
  const first = await redrive();
  const second = await redrive();
  expect(first.objects[0]).toMatchObject({ status: 'handled', reput: 2, setAside: 1, moved: true });
  expect(first.objects[0]?.failedParts).toEqual([`failed/${KEY}/line-000000003.ndjson`]);
  expect(second.objects).toEqual([]);
  expect(archive.accepted).toEqual(records(KEY, [1, 2]));
});

test('a partial PutRecordBatch failure: only the refused records are sent again, until accepted', async () => {
  const archive = installArchive(
    { [KEY]: errorObject(KEY, 5) },
    {
      refusals: new Map([
        [recordOf(KEY, 2), 1],
        [recordOf(KEY, 4), 2],
      ]),
    },
  );
  const report = await redrive();
  expect(putCalls()).toEqual([records(KEY, [1, 2, 3, 4, 5]), records(KEY, [2, 4]), records(KEY, [4])]);
  expect(archive.accepted.sort()).toEqual(records(KEY, [1, 2, 3, 4, 5]));
  expect(report.objects[0]).toMatchObject({
    status: 'handled',
    records: 5,
    reput: 5,
    refused: 0,
    moved: true,
  });
});

test('retries wait with backoff between attempts, and no longer than the time left allows', async () => {
  installArchive({ [KEY]: errorObject(KEY, 2) }, { refusals: new Map([[recordOf(KEY, 2), 10]]) });
  const waits: number[] = [];
  const sleep = async (delayMs: number) => {
    waits.push(delayMs);
  };
  await redrive({}, { retry: { attempts: 4, firstDelayMs: 100, maxDelayMs: 250 }, sleep });
  expect(waits).toHaveLength(3);
  waits.forEach((wait, index) => {
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(wait).toBeLessThanOrEqual(Math.min(250, 100 * 2 ** index));
  });

  installArchive({ [KEY]: errorObject(KEY, 2) }, { refusals: new Map([[recordOf(KEY, 2), 10]]) });
  const report = await redrive(
    {},
    { retry: { attempts: 4, firstDelayMs: 1_000, maxDelayMs: 1_000 }, remainingTimeMs: () => 30_000 },
  );
  // Exactly the 30 s reserve is left: a batch may still start, but no retry may wait.
  expect(putCalls()).toEqual([records(KEY, [1, 2])]);
  expect(report.objects[0]).toMatchObject({
    status: 'unfinished',
    stoppedBy: 'refused',
    reput: 1,
    refused: 1,
  });
});

test('records still refused after the retries are sent by the next run, and nothing else twice', async () => {
  const archive = installArchive(
    { [KEY]: errorObject(KEY, 700) },
    {
      refusals: new Map([
        [recordOf(KEY, 3), Number.POSITIVE_INFINITY],
        [recordOf(KEY, 7), Number.POSITIVE_INFINITY],
      ]),
    },
  );
  const first = await redrive();
  // Three attempts at the first batch, then the object stops: the second batch is not sent.
  expect(putCalls().map((batch) => batch.length)).toEqual([500, 2, 2]);
  expect(first.objects[0]).toMatchObject({
    status: 'unfinished',
    stoppedBy: 'refused',
    records: 500,
    reput: 498,
    refused: 2,
    resumeAfterLine: 2,
    moved: false,
  });
  expect(archive.marker(KEY)).toMatchObject({
    handledThrough: 2,
    sentAfter: [4, 5, 6, ...range(8, 500)],
    reput: 498,
  });

  archive.heal();
  firehoseMock.resetHistory();
  const second = await redrive();
  expect(putCalls()).toEqual([records(KEY, [3, 7, ...range(501, 700)])]);
  expect(second.objects[0]).toMatchObject({ status: 'handled', reput: 202, skipped: 498, moved: true });
  expect(duplicates(archive.accepted)).toEqual([]);
  expect(archive.accepted.sort()).toEqual(records(KEY, range(1, 700)).sort());
});

test('a timeout mid-object stops cleanly with a report of what is left; a rerun finishes it', async () => {
  const other = `${KEY}-other`;
  // 100 s left at the start, 30 s less with every PutRecordBatch: after the third, 10 s are left,
  // under the 30 s reserve, so the fourth batch is not sent.
  let left = 100_000;
  const archive = installArchive(
    { [KEY]: errorObject(KEY, 1_600), [other]: errorObject(other, 3) },
    { onPut: () => (left -= 30_000) },
  );

  const first = await redrive({}, { remainingTimeMs: () => left });
  expect(first).toMatchObject({ stoppedForTime: true, notStarted: [other] });
  expect(first.objects).toEqual([
    expect.objectContaining({
      key: KEY,
      status: 'unfinished',
      stoppedBy: 'time',
      reput: 1_500,
      resumeAfterLine: 1_500,
      moved: false,
    }),
  ]);
  expect(first.totals).toMatchObject({ objects: 1, unfinished: 1, reput: 1_500, notStarted: 1 });
  // The report was written although the run stopped early.
  expect(JSON.parse(archive.objects.get(REPORT_KEY)?.toString() ?? '')).toEqual(first);
  expect(archive.marker(KEY)).toMatchObject({ handledThrough: 1_500, sentAfter: [], reput: 1_500 });

  firehoseMock.resetHistory();
  const second = await redrive({}, { remainingTimeMs: () => 300_000 });
  expect(putCalls()).toEqual([records(KEY, range(1_501, 1_600)), records(other, [1, 2, 3])]);
  expect(second.objects.map(({ key, status, skipped }) => ({ key, status, skipped }))).toEqual([
    { key: KEY, status: 'handled', skipped: 1_500 },
    { key: other, status: 'handled', skipped: 0 },
  ]);
  expect(second.stoppedForTime).toBe(false);
  expect(duplicates(archive.accepted)).toEqual([]);
  expect(archive.accepted).toHaveLength(1_603);
});

test('a run that starts with too little time left touches no object and still reports', async () => {
  const archive = installArchive({ [KEY]: errorObject(KEY, 1) });
  const report = await redrive({}, { remainingTimeMs: () => 10_000 });
  expect(report).toMatchObject({ stoppedForTime: true, objects: [], notStarted: [KEY] });
  expect(putCalls()).toEqual([]);
  expect(archive.objects.has(REPORT_KEY)).toBe(true);
});

test('a PutRecordBatch error stops its object at its last checkpoint; the rerun sends the rest once', async () => {
  const first = 'errors/service=predictor/processing-failed/a';
  const second = 'errors/service=predictor/processing-failed/b';
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ServiceUnavailableException' });
  const archive = installArchive(
    { [first]: errorObject(first, 600), [second]: errorObject(second, 1) },
    { putErrors: new Map([[2, throttled]]) },
  );
  const report = await redrive();
  expect(report.objects[0]).toMatchObject({
    key: first,
    status: 'error',
    records: 600,
    reput: 500,
    resumeAfterLine: 500,
    moved: false,
    error: 'ServiceUnavailableException: Rate exceeded',
  });
  expect(report.objects[1]).toMatchObject({ key: second, reput: 1, moved: true });
  archive.heal();
  const rerun = await redrive();
  expect(rerun.objects[0]).toMatchObject({ key: first, status: 'handled', reput: 100, skipped: 500 });
  expect(duplicates(archive.accepted)).toEqual([]);
  expect(archive.accepted).toHaveLength(601);
});

test('a call that fails on a retry keeps what the earlier attempt got accepted: the rerun sends only the rest', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ServiceUnavailableException' });
  const archive = installArchive(
    { [KEY]: errorObject(KEY, 3) },
    { refusals: new Map([[recordOf(KEY, 2), 1]]), putErrors: new Map([[2, throttled]]) },
  );
  const first = await redrive();
  expect(first.objects[0]).toMatchObject({
    status: 'unfinished',
    stoppedBy: 'refused',
    reput: 2,
    refused: 1,
  });
  expect(archive.marker(KEY)).toMatchObject({ handledThrough: 1, sentAfter: [3] });
  const second = await redrive();
  expect(second.objects[0]).toMatchObject({ status: 'handled', reput: 1, skipped: 2 });
  expect(archive.accepted).toEqual(records(KEY, [1, 3, 2]));
});

test('two runs on one object: the second stops at its first checkpoint, sending at most one batch twice', async () => {
  const archive = installArchive({ [KEY]: errorObject(KEY, 1_200) });
  // While this run waits for its first PutRecordBatch, another run records its own progress.
  let other = true;
  archive.onPut = () => {
    if (!other) return;
    other = false;
    archive.objects.set(
      `redrive-progress/${KEY}.json`,
      Buffer.from(JSON.stringify({ etag: 'x', handledThrough: 0, sentAfter: [], reput: 0, setAside: 0 })),
    );
  };
  const report = await redrive();
  expect(report.objects[0]).toMatchObject({
    status: 'error',
    reput: 500,
    moved: false,
    error: expect.stringMatching(/^ConcurrentRedriveError: another run changed the progress marker/),
  });
  expect(putCalls()).toHaveLength(1);
  expect(archive.objects.has(KEY)).toBe(true);
});

test('each marker write is conditional on the version this run read or wrote', async () => {
  installArchive({ [KEY]: errorObject(KEY, 1_200) });
  await redrive();
  const writes = s3Mock
    .commandCalls(PutObjectCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.Key?.startsWith('redrive-progress/'));
  expect(writes.map((input) => input.IfNoneMatch ?? input.IfMatch)).toEqual([
    '*',
    etagOf(Buffer.from(String(writes[0]?.Body))),
    etagOf(Buffer.from(String(writes[1]?.Body))),
  ]);
});

test('a marker written for other content under the key is ignored', async () => {
  const archive = installArchive({
    [KEY]: errorObject(KEY, 3),
    [`redrive-progress/${KEY}.json`]: JSON.stringify({
      etag: '"something-else"',
      handledThrough: 3,
      sentAfter: [],
      reput: 3,
      setAside: 0,
      updatedAt: NOW.toISOString(),
    }),
  });
  const report = await redrive();
  expect(report.objects[0]).toMatchObject({ status: 'handled', reput: 3, skipped: 0 });
  expect(archive.accepted).toEqual(records(KEY, [1, 2, 3]));
});

test('a response entry without a RecordId is not taken as accepted', async () => {
  installArchive({ [KEY]: errorObject(KEY, 2) });
  firehoseMock
    .on(PutRecordBatchCommand)
    .resolvesOnce({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r0' }] })
    .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r1' }] });
  const report = await redrive();
  expect(putCalls()).toEqual([records(KEY, [1, 2]), records(KEY, [2])]);
  expect(report.objects[0]).toMatchObject({ reput: 2, moved: true });
});

test('no object is deleted before the last of its records was accepted', async () => {
  const keys = ['errors/processing-failed/a', 'errors/processing-failed/b', 'errors/decompression-failed/c'];
  const archive = installArchive(Object.fromEntries(keys.map((key) => [key, errorObject(key, 1_200)])), {
    refusals: new Map([
      [recordOf(keys[0] ?? '', 1_200), 2],
      [recordOf(keys[1] ?? '', 1), 1],
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
  expect(putCalls().map((batch) => batch.length)).toEqual([500, 500, 1]);
  expect(putCalls().flat()).toEqual(records(KEY, range(1, 1_001)));
});

test('batches stay under 4 MB of request, counted on the base64 Firehose is sent', async () => {
  // 900 KiB records are 1.2 MB in base64: three fit in 4 MB, a fourth would not.
  const big = (line: number) => `${recordOf(KEY, line)}#`.padEnd(900 * 1024, 'x');
  const text = Array.from({ length: 10 }, (_, index) => `${errorLine(big(index + 1))}\n`).join('');
  installArchive({ [KEY]: text });
  const report = await redrive();
  const batches = firehoseMock
    .commandCalls(PutRecordBatchCommand)
    .map((call) => call.args[0].input.Records ?? []);
  expect(batches.map((batch) => batch.length)).toEqual([3, 3, 3, 1]);
  for (const batch of batches) {
    const base64 = batch.reduce(
      (bytes, record) => bytes + Buffer.from(record.Data ?? []).toString('base64').length,
      0,
    );
    expect(base64).toBeLessThanOrEqual(4_000_000);
  }
  expect(report.objects[0]).toMatchObject({ records: 10, reput: 10, moved: true });
});

test('reads error objects that Firehose compressed with gzip, in small chunks', async () => {
  installArchive({ [KEY]: gzipSync(errorObject(KEY, 200)) }, { chunkBytes: 7 });
  const report = await redrive();
  expect(putCalls()).toEqual([records(KEY, range(1, 200))]);
  expect(report.objects[0]).toMatchObject({ records: 200, moved: true });
});

test('a cut-off gzip object: the lines before the damage go, the rest is set aside once, and the object is done', async () => {
  const whole = gzipSync(errorObject(KEY, 300));
  const archive = installArchive({ [KEY]: whole.subarray(0, whole.length - 40) }, { chunkBytes: 1024 });
  const first = await redrive();
  const sent = archive.accepted.length;
  expect(sent).toBeGreaterThan(250);
  expect(sent).toBeLessThan(300);
  expect(archive.accepted).toEqual(records(KEY, range(1, sent)));
  expect(first.objects[0]).toMatchObject({ status: 'handled', reput: sent, setAside: 1, moved: true });
  expect(archive.failed(KEY)).toEqual([
    {
      source: KEY,
      line: sent + 1,
      reason: `gzip data is corrupt (Z_BUF_ERROR: unexpected end of file): nothing after line ${sent} can be read`,
    },
  ]);
  expect((await redrive()).objects).toEqual([]);
});

test('a damaged gzip object whose move failed is finished by the rerun without sending anything again', async () => {
  const whole = gzipSync(errorObject(KEY, 30));
  const archive = installArchive(
    { [KEY]: whole.subarray(0, whole.length - 12) },
    { deleteDenials: new Map([[KEY, 1]]) },
  );
  const first = await redrive();
  expect(first.objects[0]).toMatchObject({ status: 'error', setAside: 1 });
  const second = await redrive();
  expect(second.objects[0]).toMatchObject({ status: 'handled', records: 0, setAside: 0, moved: true });
  expect(duplicates(archive.accepted)).toEqual([]);
  expect(archive.failed(KEY)).toHaveLength(1);
});

test('follows ListObjectsV2 pages, and stops at maxObjects', async () => {
  const keys = Array.from({ length: 7 }, (_, index) => `errors/processing-failed/2026/11/23/object-${index}`);
  installArchive(Object.fromEntries(keys.map((key) => [key, errorObject(key, 1)])), { pageSize: 2 });

  const all = await redrive();
  expect(all.objects.map((object) => object.key)).toEqual(keys);
  expect(all.truncated).toBe(false);
  expect(errorListings().map((input) => input.ContinuationToken)).toEqual([undefined, '2', '4', '6']);

  installArchive(Object.fromEntries(keys.map((key) => [key, errorObject(key, 1)])), { pageSize: 2 });
  const some = await redrive({ maxObjects: 3 });
  expect(some.objects.map((object) => object.key)).toEqual(keys.slice(0, 3));
  expect(some.truncated).toBe(true);
  expect(errorListings()).toHaveLength(2);
});

test("a wide prefix leaves the function's own objects and folder markers alone", async () => {
  installArchive({
    [KEY]: errorObject(KEY, 1),
    [`redriven/${KEY}`]: errorObject(KEY, 1),
    [`failed/${KEY}/line-000000001.ndjson`]: '{}\n',
    [`redrive-progress/${KEY}-gone.json`]: '{}',
    'redrive-reports/2026-11-22T10:00:00.000Z.json': '{}',
    'errors/': '',
  });
  const report = await redrive({ prefix: '' });
  expect(report.objects.map((object) => object.key)).toEqual([KEY]);
});

test('a dry run puts, writes and moves nothing but its report, and counts what a run would do', async () => {
  const archive = installArchive({ [KEY]: `${errorObject(KEY, 4)}oops\n` });
  const before = new Map(archive.objects);
  const report = await redrive({ dryRun: true });
  expect(putCalls()).toEqual([]);
  expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
  expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([REPORT_KEY]);
  expect(report).toMatchObject({
    dryRun: true,
    objects: [
      {
        key: KEY,
        status: 'handled',
        records: 4,
        reput: 0,
        setAside: 1,
        setAsideLines: [{ line: 5, reason: expect.stringMatching(/^not JSON/) }],
        moved: false,
      },
    ],
  });
  archive.objects.delete(REPORT_KEY);
  expect(archive.objects).toEqual(before);
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
    { refusals: new Map([[recordOf(refused, 4), Number.POSITIVE_INFINITY]]) },
  );
  const report = await redrive();
  expect(report.totals).toEqual({
    objects: 3,
    handled: 2,
    unfinished: 1,
    errors: 0,
    records: 9,
    reput: 8,
    refused: 1,
    setAside: 2,
    skipped: 0,
    notStarted: 0,
  });
  expect(report).toMatchObject({
    bucket: BUCKET,
    prefix: 'errors/',
    deliveryStreamName: STREAM,
    dryRun: false,
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    reportKey: REPORT_KEY,
    truncated: false,
    stoppedForTime: false,
    notStarted: [],
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
  expect(report.objects[0]).toMatchObject({
    key: unreadable,
    status: 'error',
    records: 0,
    resumeAfterLine: 0,
    error: 'InternalError: We encountered an internal error.',
  });
  expect(report.objects[1]).toMatchObject({ key: fine, status: 'handled', reput: 2, moved: true });
  expect(archive.objects.has(unreadable)).toBe(true);
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
  s3Mock
    .on(PutObjectCommand, { Key: REPORT_KEY })
    .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
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
    { weight: 1, arbitrary: fc.constant({ blank: true as const }) },
  );
  const objectLines = fc.array(line, { minLength: 0, maxLength: 12 });

  test('runs repeated until done re-put each record exactly once and set each broken line aside exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(objectLines, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        // Time budgets: how many PutRecordBatch calls each run gets before its time runs out.
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        async (objects, failingCalls, unreadableFlags, budgets, chunkBytes) => {
          const keys = objects.map((_, index) => `errors/processing-failed/object-${index}`);
          const refusals = new Map<string, number>();
          const expectedRecords: string[] = [];
          const expectedBroken: string[] = [];
          const bodies = objects.map((lines, objectIndex) => {
            const key = keys[objectIndex] ?? '';
            return lines
              .map((entry, index) => {
                if ('blank' in entry) return '\n';
                if ('malformed' in entry) {
                  expectedBroken.push(`${key}#${index + 1}`);
                  return `${entry.malformed}\n`;
                }
                refusals.set(recordOf(key, index + 1), entry.refusals);
                expectedRecords.push(recordOf(key, index + 1));
                return `${errorLine(recordOf(key, index + 1))}\n`;
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
              chunkBytes,
            },
          );
          for (const budget of budgets) {
            const start = archive.puts();
            await redrive({}, { remainingTimeMs: () => (archive.puts() - start < budget ? 60_000 : 0) });
          }
          archive.heal();
          for (let run = 0; run < 3; run += 1) await redrive();

          expect(duplicates(archive.accepted)).toEqual([]);
          expect([...archive.accepted].sort()).toEqual([...expectedRecords].sort());
          const broken = keys.flatMap((key) =>
            archive.failed(key).map((entry) => `${entry.source}#${entry.line}`),
          );
          expect(duplicates(broken)).toEqual([]);
          expect(broken.sort()).toEqual([...expectedBroken].sort());
          for (const key of keys) {
            expect(archive.objects.has(key)).toBe(false);
            expect(archive.objects.has(`redriven/${key}`)).toBe(true);
            expect(archive.marker(key)).toBeUndefined();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
