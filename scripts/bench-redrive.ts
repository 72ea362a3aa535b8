import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FirehoseClient, PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import type { S3Client } from '@aws-sdk/client-s3';
import { redriveErrorPrefix } from '../lambda/firehose-redrive/redrive';

/**
 * `npm run bench:redrive`: one generated 128 MiB error object (NDJSON as Firehose writes it, records
 * of 200 B to 16 KiB and one in 1,800 of 900 KiB) streamed through the redrive's own code path — GetObject
 * body, gunzip, line reader, parser, batches, PutRecordBatch, progress markers, move — with S3 and
 * Firehose answered in process. Prints time, MB/s of the object and peak RSS against the function's
 * 512 MB. The object is generated while it is read, never held whole, so the RSS is the redrive's.
 * Each variant runs in its own process, so its peak RSS is its own.
 */
const OBJECT_BYTES = 128 * 1024 * 1024;
const FUNCTION_MEMORY_MB = 512;
const KEY = 'errors/service=bench/processing-failed/year=2026/month=11/day=23/bench-object';

/** Record sizes, cycled: log batches of 200 B to 16 KiB. */
const SIZES = [200, 1_000, 4_000, 16_000, 600, 2_000, 8_000, 300];
/** One line in this many carries a record of 900 KiB, near Firehose's 1,000 KiB limit. */
const BIG_EVERY = 1_800;
const BIG_BYTES = 900 * 1024;

/** The error object's lines, made as they are read: `OBJECT_BYTES` of NDJSON. */
function* errorLines(): Generator<Buffer> {
  const payloads = SIZES.map((size, index) => Buffer.alloc(size, 97 + index));
  const big = Buffer.alloc(BIG_BYTES, 122);
  let made = 0;
  for (let line = 0; made < OBJECT_BYTES; line += 1) {
    const payload = line % BIG_EVERY === BIG_EVERY - 1 ? big : payloads[line % SIZES.length];
    const text = `${JSON.stringify({
      attemptsMade: 4,
      arrivalTimestamp: 1_795_000_000_000 + line,
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
      attemptEndingTimestamp: 1_795_000_060_000 + line,
      rawData: (payload as Buffer).toString('base64'),
    })}\n`;
    const bytes = Buffer.from(text);
    made += bytes.length;
    yield bytes;
  }
}

/** The object as S3 would send it: 64 KiB chunks, gzip-compressed or not. */
function objectBody(gzip: boolean): Readable {
  async function* chunks() {
    let pending: Buffer[] = [];
    let size = 0;
    for (const line of errorLines()) {
      pending.push(line);
      size += line.length;
      if (size >= 64 * 1024) {
        yield Buffer.concat(pending);
        pending = [];
        size = 0;
      }
    }
    if (size > 0) yield Buffer.concat(pending);
  }
  const plain = Readable.from(chunks(), { objectMode: false });
  return gzip ? plain.pipe(createGzip({ level: 1 })) : plain;
}

/** S3 and Firehose answered in process, keeping counts only (never the data they are sent). */
function clients(gzip: boolean) {
  const seen = { puts: 0, records: 0, recordBytes: 0, markers: 0 };
  const s3 = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input;
      switch (command.constructor.name) {
        case 'ListObjectsV2Command':
          return input.Prefix === 'errors/' ? { Contents: [{ Key: KEY }] } : { Contents: [] };
        case 'GetObjectCommand':
          return { Body: objectBody(gzip), ETag: '"bench"' };
        case 'PutObjectCommand':
          if (String(input.Key).startsWith('redrive-progress/')) seen.markers += 1;
          return {};
        default:
          return {};
      }
    },
  } as unknown as S3Client;
  const firehose = {
    send: async (command: { input: PutRecordBatchCommandInput }) => {
      const records = command.input.Records ?? [];
      seen.puts += 1;
      seen.records += records.length;
      for (const record of records) seen.recordBytes += record.Data?.length ?? 0;
      return { FailedPutCount: 0, RequestResponses: records.map((_, index) => ({ RecordId: `r${index}` })) };
    },
  } as unknown as FirehoseClient;
  return { s3, firehose, seen };
}

async function runVariant(gzip: boolean): Promise<void> {
  const { s3, firehose, seen } = clients(gzip);
  // What the process holds before the object is read: Node, tsx, the SDK and Powertools.
  const baselineRss = process.memoryUsage().rss;
  const started = performance.now();
  const report = await redriveErrorPrefix(
    { s3, firehose, remainingTimeMs: () => 900_000 },
    { bucket: 'bench', prefix: 'errors/', deliveryStreamName: 'bench' },
  );
  const seconds = (performance.now() - started) / 1000;
  const [object] = report.objects;
  if (object?.status !== 'handled') throw new Error(`object not handled: ${JSON.stringify(object)}`);
  process.stdout.write(
    `${JSON.stringify({
      variant: gzip ? 'gzip' : 'plain',
      seconds,
      objectMiBPerSecond: OBJECT_BYTES / 1024 / 1024 / seconds,
      baselineRssMiB: baselineRss / 1024 / 1024,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      records: seen.records,
      recordMiB: seen.recordBytes / 1024 / 1024,
      putRecordBatchCalls: seen.puts,
      progressMarkers: seen.markers,
    })}\n`,
  );
}

function main(): void {
  if (process.argv[2] === '--variant') {
    runVariant(process.argv[3] === 'gzip').catch((error) => {
      console.error(error);
      process.exit(1);
    });
    return;
  }
  console.log(`Redrive of one ${OBJECT_BYTES / 1024 / 1024} MiB error object, S3 and Firehose in process`);
  console.log('variant  seconds   MiB/s  RSS before MiB  peak RSS MiB  records  PutRecordBatch  markers');
  // The Lambda Node.js runtime sizes V8's heap from the function's memory (for 512 MB: 10 MB semi
  // space, 492 MB old space); the last row runs with those flags, the others with Node's defaults.
  const lambdaHeap = ['--max-semi-space-size=10', '--max-old-space-size=492'];
  const variants = [
    { name: 'plain', flags: [] as string[] },
    { name: 'gzip', flags: [] as string[] },
    { name: 'gzip', flags: lambdaHeap },
  ];
  for (const { name: variant, flags } of variants) {
    const child = spawnSync(
      process.execPath,
      [...flags, ...process.execArgv, __filename, '--variant', variant],
      {
        encoding: 'utf8',
        env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      },
    );
    if (child.status !== 0) throw new Error(`${variant} failed: ${child.stderr}`);
    const row = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
    console.log(
      [
        `${row.variant}${flags.length > 0 ? '*' : ''}`.padEnd(7),
        row.seconds.toFixed(1).padStart(8),
        row.objectMiBPerSecond.toFixed(1).padStart(7),
        row.baselineRssMiB.toFixed(0).padStart(15),
        row.peakRssMiB.toFixed(0).padStart(13),
        String(row.records).padStart(8),
        String(row.putRecordBatchCalls).padStart(15),
        String(row.progressMarkers).padStart(8),
      ].join(' '),
    );
    if (row.peakRssMiB > FUNCTION_MEMORY_MB * 0.8) {
      console.log(`  peak RSS above 80% of the function's ${FUNCTION_MEMORY_MB} MB`);
    }
  }
  console.log('* with the heap flags of a 512 MB Lambda function');
  console.log(
    `The function has ${FUNCTION_MEMORY_MB} MB; "RSS before" is Node, tsx, the SDK and Powertools before the object is read.`,
  );
}

main();
