import type { ScoredBatch } from './scoring-types';

/** How scored rows are written: NDJSON (`{"id":"…","probability":0.123457}`) or CSV (`id,0.123457`). */
export type ScoredRowsFormat = 'ndjson' | 'csv';

/** The first line of a CSV results file. */
export const CSV_HEADER = 'ID,arrest_probability\n';

/** Decimals kept of a probability: the model's float32 output holds about seven significant digits. */
const DECIMALS = 6;
const SCALE = 10 ** DECIMALS;

const NDJSON_BEFORE_ID = Buffer.from('{"id":');
const NDJSON_BEFORE_PROBABILITY = Buffer.from(',"probability":');
const NDJSON_END = Buffer.from('}\n');
// Longest text of a probability and the row's fixed parts: "0.123456" and the NDJSON punctuation.
const ROW_OVERHEAD_BYTES = 40;

/**
 * A batch's rows as the UTF-8 bytes of their lines, with each probability rounded to six decimals
 * (`Math.round(p * 1e6) / 1e6`): in NDJSON the JSON number of the rounded value, in CSV all six
 * decimals (its `toFixed(6)`). Written straight into one buffer per batch: building a
 * string per row made results files the slowest part of scoring (the garbage of a million rows'
 * strings took more time than parsing them). An ID of digits and spaces, as every scored row's is,
 * is copied as it is; any other is escaped as JSON.
 */
export function scoredRowsText(batch: ScoredBatch, format: ScoredRowsFormat): Buffer {
  const { size, ids, probabilities } = batch;
  let capacity = 0;
  for (let i = 0; i < size; i++) capacity += 6 * (ids[i] as string).length + ROW_OVERHEAD_BYTES;
  const out = Buffer.allocUnsafe(capacity);
  let at = 0;
  for (let i = 0; i < size; i++) {
    const id = ids[i] as string;
    const probability = Math.round((probabilities[i] as number) * SCALE);
    if (format === 'ndjson') {
      at += NDJSON_BEFORE_ID.copy(out, at);
      at += out.write(plainId(id) ? `"${id}"` : JSON.stringify(id), at, 'utf8');
      at += NDJSON_BEFORE_PROBABILITY.copy(out, at);
      at = writeScaled(out, at, probability, false);
      at += NDJSON_END.copy(out, at);
    } else {
      at += out.write(plainId(id) ? id : csvQuoted(id), at, 'utf8');
      out[at++] = COMMA;
      at = writeScaled(out, at, probability, true);
      out[at++] = LINE_FEED;
    }
  }
  return out.subarray(0, at);
}

const COMMA = 0x2c;
const LINE_FEED = 0x0a;
const ZERO = 0x30;
const POINT = 0x2e;

function plainId(id: string): boolean {
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if ((code < ZERO || code > ZERO + 9) && code !== 0x20) return false;
  }
  return true;
}

function csvQuoted(id: string): string {
  return /[",\r\n]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id;
}

/**
 * Writes `scaled / 10^6` (scaled an integer from 0 to 10^6): all six decimals when `fixed`, else
 * as JavaScript prints the number, without trailing zeros, "0" and "1" for the ends. Anything else
 * (not a probability) is written as JSON.stringify and toFixed write NaN: `null`, `NaN`.
 */
function writeScaled(out: Buffer, at: number, scaled: number, fixed: boolean): number {
  if (!(scaled >= 0 && scaled <= SCALE)) return at + out.write(fixed ? 'NaN' : 'null', at, 'latin1');
  if (scaled === SCALE) {
    out[at++] = ZERO + 1;
    if (!fixed) return at;
    out[at++] = POINT;
    out.fill(ZERO, at, at + DECIMALS);
    return at + DECIMALS;
  }
  out[at++] = ZERO;
  let decimals = DECIMALS;
  if (!fixed) {
    if (scaled === 0) return at;
    while (scaled % 10 === 0) {
      scaled /= 10;
      decimals--;
    }
  }
  out[at++] = POINT;
  for (let digit = decimals - 1; digit >= 0; digit--) {
    out[at + digit] = ZERO + (scaled % 10);
    scaled = Math.floor(scaled / 10);
  }
  return at + decimals;
}
