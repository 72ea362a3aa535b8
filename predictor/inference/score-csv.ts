import type { Readable } from 'node:stream';
import { encodeIncidentBytes } from '../features/incident-bytes';
import {
  type ColumnIndex,
  encodeIncident,
  FEATURE_COUNT,
  type RowRejection,
  resolveColumns,
} from '../features/incident-features';
import type { ArrestModel } from './arrest-model';
import type { CsvRowCursor } from './csv-fast-path';
import { csvBytes } from './csv-input';
import { csvRowCursors } from './csv-records';
import { InputError, type RejectedRowSample, type ScoredBatch, type ScoreSummary } from './scoring-types';
import { arrestModelInWorker } from './worker-arrest-model';

export interface ScoreCsvOptions {
  /** Largest accepted upload, in bytes as received (compressed when gzip). @default 512 MiB */
  readonly maxBytes?: number;
  /** Largest share of rejected rows before the whole file fails. @default 0.05 */
  readonly maxRejectedShare?: number;
  /** Receives each scored batch in file order; awaited, so a slow writer slows the reader. */
  readonly onScored?: (batch: ScoredBatch) => void | Promise<void>;
  /** How many rejected rows are kept as examples. @default 20 */
  readonly rejectedSampleSize?: number;
}

export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_REJECTED_SHARE = 0.05;

// Large enough that one ONNX call amortises its fixed cost, small enough to keep memory flat.
export const BATCH_ROWS = 16_384;

/**
 * Scores a Chicago crimes export (plain CSV or gzip) as it streams in. Memory does not grow with
 * the file: rows are encoded into two fixed batch buffers, one being scored while the next fills.
 * Every data row ends up counted as scored or rejected. Throws {@link InputError} when the file as
 * a whole cannot be scored.
 */
export async function scoreCsv(input: Readable, options: ScoreCsvOptions = {}): Promise<ScoreSummary> {
  // Reading starts at once and the model loads meanwhile: a stream left unread while the worker
  // starts could fail with nobody listening, which would crash the process instead of this call.
  const run = new ScoringRun(arrestModelInWorker(), options);
  try {
    const bytes = csvBytes(input, options.maxBytes ?? DEFAULT_MAX_BYTES);
    for await (const rows of csvRowCursors(bytes, featurePositions)) {
      while (rows.next()) {
        if (run.add(rows)) await run.flush();
      }
    }
  } catch (error) {
    // The batch being scored must not outlive the call: its late failure would go unhandled.
    await run.settle();
    throw error;
  }
  return run.finish();
}

class Batch {
  readonly features = new Float32Array(BATCH_ROWS * FEATURE_COUNT);
  readonly ids: string[] = new Array(BATCH_ROWS);
  size = 0;
}

class ScoringRun {
  private readonly started = performance.now();
  private header: { columns: ColumnIndex; length: number } | undefined;
  private filling = new Batch();
  private spare = new Batch();
  private inFlight: Promise<void> = Promise.resolve();
  private rows = 0;
  private scored = 0;
  private rejected = 0;
  private probabilitySum = 0;
  private readonly samples: RejectedRowSample[] = [];

  constructor(
    private readonly model: Promise<ArrestModel>,
    private readonly options: ScoreCsvOptions,
  ) {
    // A load failure is reported by the first await of the model; until then it is not unhandled.
    model.catch(() => undefined);
  }

  /** Takes the cursor's current row; returns true when the batch is full and must be flushed. */
  add(row: CsvRowCursor): boolean {
    if (this.header === undefined) {
      this.header = readHeader(row.fields as readonly string[]);
      return false;
    }
    this.rows++;
    const { columns, length } = this.header;
    if (row.fieldCount < length) {
      this.reject(row.fields, columns, 'row', `has ${row.fieldCount} fields, the header has ${length}`);
      return false;
    }
    const batch = this.filling;
    const rejection = encodeRow(row, columns, batch.features, batch.size * FEATURE_COUNT);
    if (rejection) {
      this.reject(row.fields, columns, rejection.column, rejection.reason);
      return false;
    }
    // Only a caller of the scored rows needs the IDs: without one, a row costs no string at all.
    if (this.options.onScored) batch.ids[batch.size] = row.field(columns.ID) as string;
    batch.size++;
    return batch.size === BATCH_ROWS;
  }

  /** Starts scoring the full batch once the previous one is done, and returns without waiting for it. */
  async flush(): Promise<void> {
    await this.inFlight;
    const batch = this.filling;
    this.filling = this.spare;
    this.spare = batch;
    this.inFlight = this.score(batch);
  }

  /** Waits for the batch in flight, whatever its outcome: the caller already has an error to report. */
  async settle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }

  async finish(): Promise<ScoreSummary> {
    if (this.header === undefined)
      throw new InputError('EMPTY_FILE', 'The file has no header row and no data.');
    await this.flush();
    await this.inFlight;
    const summary = this.summary((await this.model).modelVersion);
    if (this.rows === 0)
      throw new InputError('EMPTY_FILE', 'The file has a header but no data rows.', summary);
    const maxShare = this.options.maxRejectedShare ?? DEFAULT_MAX_REJECTED_SHARE;
    if (this.rejected / this.rows > maxShare) {
      const first = this.samples[0];
      const example = first ? ` First: line ${first.line}, ${first.column} ${first.reason}.` : '';
      throw new InputError(
        'TOO_MANY_REJECTED',
        `${this.rejected} of ${this.rows} rows (${percent(this.rejected / this.rows)}) were rejected, ` +
          `more than the ${percent(maxShare)} allowed.${example}`,
        summary,
      );
    }
    return summary;
  }

  private async score(batch: Batch): Promise<void> {
    const size = batch.size;
    if (size === 0) return;
    const probabilities = await (await this.model).predict(batch.features, size);
    let sum = 0;
    for (let i = 0; i < size; i++) sum += probabilities[i] ?? 0;
    this.probabilitySum += sum;
    this.scored += size;
    if (this.options.onScored) await this.options.onScored({ size, ids: batch.ids, probabilities });
    batch.size = 0;
  }

  private reject(
    fields: readonly (string | undefined)[],
    columns: ColumnIndex,
    column: string,
    reason: string,
  ): void {
    this.rejected++;
    if (this.samples.length < (this.options.rejectedSampleSize ?? 20)) {
      // Line numbers assume one line per row, which holds for the export (no line breaks in fields).
      this.samples.push({ line: this.rows + 1, id: fields[columns.ID], column, reason });
    }
  }

  private summary(modelVersion: string): ScoreSummary {
    return {
      rows: this.rows,
      scored: this.scored,
      rejected: this.rejected,
      meanProbability: this.scored > 0 ? this.probabilitySum / this.scored : null,
      modelVersion,
      seconds: (performance.now() - this.started) / 1000,
      rejectedSamples: [...this.samples],
    };
  }
}

/**
 * Encodes the cursor's current data row, which has every column of the header: from its bytes when
 * they are in the export's own forms, else from its decoded text, which accepts or rejects it.
 */
export function encodeRow(
  row: CsvRowCursor,
  columns: ColumnIndex,
  out: Float32Array,
  offset: number,
): RowRejection | undefined {
  const spans = row.spans;
  if (spans !== undefined && encodeIncidentBytes(spans, columns, out, offset)) return undefined;
  return encodeIncident(row.fields as readonly string[], columns, out, offset);
}

/** The positions of the model's columns in a header; none when some are missing (the file fails). */
function featurePositions(header: readonly string[]): readonly number[] {
  const resolved = resolveColumns(header);
  return 'columns' in resolved ? Object.values(resolved.columns) : [];
}

function readHeader(fields: readonly string[]): { columns: ColumnIndex; length: number } {
  if (fields.length < 2 || fields.some(looksBinary)) {
    throw new InputError(
      'NOT_CSV',
      'The file is not a CSV export: its first line is not a comma-separated header.',
    );
  }
  const resolved = resolveColumns(fields);
  if ('missing' in resolved) {
    throw new InputError(
      'MISSING_COLUMNS',
      `The header lacks required column(s): ${resolved.missing.join(', ')}.`,
    );
  }
  return { columns: resolved.columns, length: fields.length };
}

/** Control characters or undecodable bytes (U+FFFD) mean binary data, not a CSV header. */
function looksBinary(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 0xfffd) return true;
  }
  return false;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}
