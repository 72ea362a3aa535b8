import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { FEATURE_COUNT, resolveColumns } from '../features/incident-features';
import { loadArrestModel, modelPath } from '../inference/arrest-model';
import { csvBytes } from '../inference/csv-input';
import { csvRowCursors } from '../inference/csv-records';
import { CsvTextRows } from '../inference/csv-rows';
import { copyInOrder, similarRowsTogether } from '../inference/row-order';
import { BATCH_ROWS, encodeRow } from '../inference/score-csv';

/**
 * The per-stage profile: each stage of the scoring pipeline timed alone on one thread, over the
 * same file, in µs of CPU per row. Cumulative passes (inflate; + parse; + encode) are subtracted,
 * so each stage is measured as the pipeline runs it. Prints one JSON line for the driver.
 */

// Each pass is run this many times and the least CPU kept: other processes on the machine only
// ever add to a pass's CPU time (cache and core contention), so the minimum is the steadiest.
const REPEATS = 3;

async function timed(pass: () => Promise<number>): Promise<{ ms: number; rows: number }> {
  let least = Number.POSITIVE_INFINITY;
  let rows = 0;
  for (let i = 0; i < REPEATS; i++) {
    const started = process.cpuUsage();
    rows = await pass();
    const used = process.cpuUsage(started);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return { ms: least, rows };
}

/** Inflating alone: the floor of any parser. */
async function inflate(file: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of csvBytes(fs.createReadStream(file), Number.MAX_SAFE_INTEGER))
    bytes += chunk.length;
  return bytes;
}

function positions(header: readonly string[]): readonly number[] {
  const resolved = resolveColumns(header);
  return 'columns' in resolved ? Object.values(resolved.columns) : [];
}

/**
 * Inflate + the scorer's parser (fast path), optionally encoding each row as the scorer does into
 * `features` (a batch, overwritten in turn, which ends up holding real rows of the file).
 */
async function parse(file: string, features?: Float32Array): Promise<number> {
  let rows = 0;
  let columns: ReturnType<typeof resolveColumns> | undefined;
  let slot = 0;
  const bytes = csvBytes(fs.createReadStream(file), Number.MAX_SAFE_INTEGER);
  for await (const cursor of csvRowCursors(bytes, positions)) {
    while (cursor.next()) {
      if (columns === undefined) {
        columns = resolveColumns(cursor.fields as readonly string[]);
        continue;
      }
      rows++;
      if (features && 'columns' in columns) {
        encodeRow(cursor, columns.columns, features, slot * FEATURE_COUNT);
        slot = (slot + 1) % BATCH_ROWS;
      }
    }
  }
  return rows;
}

/** Inflate + UTF-8 decoding + papaparse: the reference parser, the one the scorer used before. */
async function papaparse(file: string): Promise<number> {
  const decoder = new StringDecoder('utf8');
  const parser = new CsvTextRows();
  let rows = 0;
  for await (const chunk of csvBytes(fs.createReadStream(file), Number.MAX_SAFE_INTEGER)) {
    rows += parser.parse(decoder.write(chunk)).length;
  }
  return rows + parser.parse(decoder.end()).length + parser.end().length - 1;
}

/** Grouping a batch's rows before it goes to the worker (row-order.ts), per row. */
function grouping(features: Float32Array): number {
  const target = new Float32Array(features.length);
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < REPEATS * 4; i++) {
    const started = process.cpuUsage();
    copyInOrder(features, similarRowsTogether(features, BATCH_ROWS), target);
    const used = process.cpuUsage(started);
    least = Math.min(least, (used.user + used.system) / BATCH_ROWS);
  }
  return least;
}

/**
 * ONNX alone, on one thread as the worker runs it, over a batch of the file's rows: tree walks cost
 * what the data's branches cost (rows of zeros score about three times faster than real ones), so
 * the rows are timed as read and grouped as the worker receives them.
 */
async function inference(rows: number, features: Float32Array): Promise<number> {
  const model = await loadArrestModel(modelPath(), { intraOpNumThreads: 1 });
  await model.predict(features, BATCH_ROWS);
  const batches = Math.max(1, Math.round(rows / BATCH_ROWS / 4));
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < REPEATS; i++) {
    const started = process.cpuUsage();
    for (let batch = 0; batch < batches; batch++) await model.predict(features, BATCH_ROWS);
    const used = process.cpuUsage(started);
    least = Math.min(least, (used.user + used.system) / 1000 / (batches * BATCH_ROWS));
  }
  return least;
}

function grouped(features: Float32Array): Float32Array {
  const target = new Float32Array(features.length);
  copyInOrder(features, similarRowsTogether(features, BATCH_ROWS), target);
  return target;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: stage-profile FILE');
  const inflated = await timed(() => inflate(file));
  const parsed = await timed(() => parse(file));
  const batch = new Float32Array(BATCH_ROWS * FEATURE_COUNT);
  const encoded = await timed(() => parse(file, batch));
  const reference = await timed(() => papaparse(file));
  const rows = parsed.rows;
  const perRow = (ms: number) => (ms * 1000) / rows;
  console.log(
    JSON.stringify({
      rows,
      inflateUs: perRow(inflated.ms),
      parseUs: perRow(parsed.ms - inflated.ms),
      encodeUs: perRow(encoded.ms - parsed.ms),
      groupUs: grouping(batch),
      onnxAsReadUs: (await inference(rows, batch)) * 1000,
      onnxUs: (await inference(rows, grouped(batch))) * 1000,
      papaparseUs: perRow(reference.ms - inflated.ms),
    }),
  );
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
