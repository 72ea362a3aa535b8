import type { Line } from './line-reader';

/**
 * A line of a Firehose error object, holding a record as Firehose first received it. The format is
 * Firehose's ("Handle failure in data transformation",
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html:
 * `attemptsMade`, `arrivalTimestamp`, `errorCode`, `errorMessage`, `attemptEndingTimestamp`,
 * `rawData` in base64, …); format-conversion failures spell `ErrorCode` and `ErrorMessage`
 * capitalised (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html).
 */
export interface ErrorRecord {
  /** Line of the error object it came from, counted from 1. */
  readonly line: number;
  readonly rawData: Buffer;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** When Firehose first received it (epoch ms), as the line says. */
  readonly arrivalTimestamp?: number;
}

/** A line that can never be re-put, and why: it is set aside under `failed/`, not retried. */
export interface UnsendableLine {
  /** Counted from 1. */
  readonly line: number;
  readonly reason: string;
  /** The line as it was, when it is short enough to keep (see MAX_LINE_BYTES). */
  readonly content?: string;
  readonly errorCode?: string;
  readonly arrivalTimestamp?: number;
}

export type ParsedLine =
  | { readonly kind: 'blank' }
  | { readonly kind: 'record'; readonly record: ErrorRecord }
  | { readonly kind: 'unsendable'; readonly unsendable: UnsendableLine };

/**
 * Firehose refuses a record larger than 1,000 KiB before base64 (the Record type's `Data`, "Maximum
 * length of 1024000", https://docs.aws.amazon.com/firehose/latest/APIReference/API_Record.html), so
 * re-putting one cannot succeed.
 */
export const MAX_RECORD_BYTES = 1_000 * 1024;

/**
 * The longest line kept whole. A record at Firehose's limit is 1,365,336 characters of base64; the
 * other fields add well under a KiB. A longer line cannot hold a record Firehose would take, so it is
 * only measured and set aside, never read into memory.
 */
export const MAX_LINE_BYTES = 2 * 1024 * 1024;

/** Sorts one line of an error object into blank, a record to re-put, or a line that never can be. */
export function parseErrorLine(line: Line): ParsedLine {
  if ('oversized' in line) {
    return {
      kind: 'unsendable',
      unsendable: {
        line: line.number,
        reason: `line is ${line.length} bytes, longer than any line holding a record Firehose accepts (${MAX_LINE_BYTES} bytes kept)`,
      },
    };
  }
  const text = line.bytes.toString('utf8').trim();
  // Blank lines are neither: Firehose ends each record with a newline, and CRLF leaves a bare \r.
  if (text === '') return { kind: 'blank' };
  const unsendable = (reason: string, fields: Record<string, unknown> = {}): ParsedLine => ({
    kind: 'unsendable',
    unsendable: { line: line.number, reason, content: text, ...describedBy(fields) },
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return unsendable(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return unsendable('not a JSON object');
  }
  const fields = value as Record<string, unknown>;
  const rawData = decodeRawData(fields.rawData);
  if (typeof rawData === 'string') return unsendable(rawData, fields);
  const errorMessage = fields.errorMessage ?? fields.ErrorMessage;
  return {
    kind: 'record',
    record: {
      line: line.number,
      rawData,
      ...describedBy(fields),
      ...(typeof errorMessage === 'string' && { errorMessage }),
    },
  };
}

function describedBy(fields: Record<string, unknown>): { errorCode?: string; arrivalTimestamp?: number } {
  const errorCode = fields.errorCode ?? fields.ErrorCode;
  return {
    ...(typeof errorCode === 'string' && { errorCode }),
    ...(typeof fields.arrivalTimestamp === 'number' && { arrivalTimestamp: fields.arrivalTimestamp }),
  };
}

/** The record's bytes, or why there are none to re-put. */
function decodeRawData(rawData: unknown): Buffer | string {
  if (rawData === undefined) return 'no rawData';
  if (typeof rawData !== 'string') return 'rawData is not a string';
  // Zero bytes would be re-put as an empty record: more likely a broken line than a real one.
  if (rawData === '') return 'rawData is empty';
  if (!isStrictBase64(rawData)) return 'rawData is not valid base64';
  // Measured before decoding, so an oversized record is never allocated.
  const bytes = decodedLength(rawData);
  if (bytes > MAX_RECORD_BYTES) {
    return `rawData is ${bytes} bytes, more than the ${MAX_RECORD_BYTES} bytes Firehose accepts in a record`;
  }
  return Buffer.from(rawData, 'base64');
}

const PAD = 0x3d;

/**
 * Strict, padded base64 as Firehose writes it, checked one character at a time: Buffer.from would
 * quietly skip anything else and re-put a corrupted record, and a regular expression over a line of
 * megabytes overflows V8's backtracking stack ("Maximum call stack size exceeded").
 */
export function isStrictBase64(text: string): boolean {
  const length = text.length;
  if (length % 4 !== 0) return false;
  let padding = 0;
  if (length > 0 && text.charCodeAt(length - 1) === PAD)
    padding = text.charCodeAt(length - 2) === PAD ? 2 : 1;
  for (let index = 0; index < length - padding; index += 1) {
    if (!isBase64Character(text.charCodeAt(index))) return false;
  }
  return true;
}

function isBase64Character(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2b || // +
    code === 0x2f // /
  );
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}
