/** A record Firehose wrote to its error output, holding the data as Firehose first received it. */
export interface ErrorRecord {
  /** Line of the error object it came from, counted from 1. */
  readonly line: number;
  readonly rawData: Uint8Array;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** A line that cannot be re-put, and why: the object holding it is left for a person to look at. */
export interface MalformedLine {
  /** Counted from 1. */
  readonly line: number;
  readonly reason: string;
}

/** One error object's lines, split into records to re-put and lines that cannot be. */
export interface ParsedErrorObject {
  readonly records: readonly ErrorRecord[];
  readonly malformed: readonly MalformedLine[];
}

/** Firehose refuses a record larger than 1,000 KiB (before base64), so re-putting one cannot succeed. */
export const MAX_RECORD_BYTES = 1_000 * 1024;

// Strict, padded base64 as Firehose writes it. Buffer.from would quietly skip anything else and
// re-put a corrupted record.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses the newline-delimited JSON of one error object (`errors/processing-failed/…`). Every line
 * ends up either as a record or as a malformed line; blank lines are neither, since Firehose ends
 * each record with a newline.
 */
export function parseErrorRecords(text: string): ParsedErrorObject {
  const records: ErrorRecord[] = [];
  const malformed: MalformedLine[] = [];
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    const parsed = parseLine(content);
    if ('reason' in parsed) malformed.push({ line, reason: parsed.reason });
    else records.push({ line, ...parsed });
  });
  return { records, malformed };
}

function parseLine(content: string): Omit<ErrorRecord, 'line'> | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    return { reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: 'not a JSON object' };
  }
  const fields = value as Record<string, unknown>;
  const rawData = decodeRawData(fields.rawData);
  if (typeof rawData === 'string') return { reason: rawData };
  return {
    rawData,
    ...(typeof fields.errorCode === 'string' && { errorCode: fields.errorCode }),
    ...(typeof fields.errorMessage === 'string' && { errorMessage: fields.errorMessage }),
  };
}

/** The record's bytes, or why there are none to re-put. */
function decodeRawData(rawData: unknown): Uint8Array | string {
  if (rawData === undefined) return 'no rawData';
  if (typeof rawData !== 'string') return 'rawData is not a string';
  // Zero bytes would be re-put as an empty record: more likely a broken line than a real one.
  if (rawData === '') return 'rawData is empty';
  if (!BASE64.test(rawData)) return 'rawData is not valid base64';
  const bytes = Buffer.from(rawData, 'base64');
  if (bytes.length > MAX_RECORD_BYTES) {
    return `rawData is ${bytes.length} bytes, more than the ${MAX_RECORD_BYTES} bytes Firehose accepts in a record`;
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
