import { FIELD_DOUBLED_QUOTES, type FieldSpans } from '../inference/csv-fast-path';
import {
  type ColumnIndex,
  LATITUDE_RANGE,
  LONGITUDE_RANGE,
  type LocalTime,
  localTime,
  writeFeatures,
} from './incident-features';
import { FBI_CODES, LOCATION_DESCRIPTIONS, PRIMARY_TYPES, UNKNOWN_CODE, vocabularyCodes } from './vocabulary';

/**
 * {@link encodeIncident}'s fast path, reading a row's fields straight from the parser's bytes so a
 * row costs no string. It takes only the forms the export writes (digits, `true`/`false`, the
 * date's one layout, plain decimals) and returns false for anything else, without judging it: the
 * caller then encodes the row's decoded text with `encodeIncident`, which accepts or rejects it.
 * When it returns true it has written exactly what `encodeIncident` writes for the same row; a
 * property test holds it to that.
 */
export function encodeIncidentBytes(
  row: FieldSpans,
  columns: ColumnIndex,
  out: Float32Array,
  offset: number,
): boolean {
  const { bytes, starts, ends } = row;

  let at = columns.ID;
  if (integerAt(bytes, starts[at] as number, ends[at] as number) < 0) return false;

  at = columns.Date;
  const when = exportDateAt(bytes, starts[at] as number, ends[at] as number);
  if (when === undefined) return false;

  at = columns.Domestic;
  const domestic = booleanAt(bytes, starts[at] as number, ends[at] as number);
  if (domestic < 0) return false;

  at = columns.Beat;
  const beat = integerAt(bytes, starts[at] as number, ends[at] as number);
  if (beat < 0) return false;
  at = columns.District;
  const district = optionalIntegerAt(bytes, starts[at] as number, ends[at] as number);
  if (district < -1) return false;
  at = columns.Ward;
  const ward = optionalIntegerAt(bytes, starts[at] as number, ends[at] as number);
  if (ward < -1) return false;
  at = columns['Community Area'];
  const communityArea = optionalIntegerAt(bytes, starts[at] as number, ends[at] as number);
  if (communityArea < -1) return false;

  const latitudeStart = starts[columns.Latitude] as number;
  const latitudeEnd = ends[columns.Latitude] as number;
  const longitudeStart = starts[columns.Longitude] as number;
  const longitudeEnd = ends[columns.Longitude] as number;
  let latitude = 0;
  let longitude = 0;
  const hasCoordinates = latitudeStart !== latitudeEnd || longitudeStart !== longitudeEnd;
  if (hasCoordinates) {
    latitude = decimalAt(bytes, latitudeStart, latitudeEnd);
    longitude = decimalAt(bytes, longitudeStart, longitudeEnd);
    // NaN (not a plain decimal) fails these comparisons too.
    if (!(latitude >= LATITUDE_RANGE[0] && latitude <= LATITUDE_RANGE[1])) return false;
    if (!(longitude >= LONGITUDE_RANGE[0] && longitude <= LONGITUDE_RANGE[1])) return false;
  }

  writeFeatures(
    out,
    offset,
    codeAt(PRIMARY_TYPE_BYTES, row, columns['Primary Type']),
    codeAt(LOCATION_BYTES, row, columns['Location Description']),
    codeAt(FBI_CODE_BYTES, row, columns['FBI Code']),
    domestic === 1,
    when,
    beat,
    district,
    ward,
    communityArea,
    latitude,
    longitude,
    hasCoordinates,
  );
  return true;
}

/**
 * A vocabulary looked up by a field's UTF-8 bytes. The parser hands over only valid UTF-8, whose
 * bytes are equal exactly when the texts are, so the code is the one the text's lookup gives.
 */
export class ByteVocabulary {
  private readonly entries: { readonly bytes: Buffer; readonly code: number }[] = [];
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(codes: ReadonlyMap<string, number>) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(8, codes.size * 4)));
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (const [text, code] of codes) {
      const bytes = Buffer.from(text, 'utf8');
      let slot = hashOf(bytes, 0, bytes.length) & this.mask;
      while ((this.slots[slot] as number) >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = this.entries.length;
      this.entries.push({ bytes, code });
    }
  }

  /**
   * The code of the field in bytes[start..end) with the parser's `flags`, {@link UNKNOWN_CODE} when
   * it is not in the vocabulary. A field with doubled quotes (`CTA ""L"" PLATFORM`) is looked up as
   * its text, with one quote for two.
   */
  codeOf(bytes: Uint8Array, start: number, end: number, flags = 0): number {
    if (flags & FIELD_DOUBLED_QUOTES) {
      const length = undoubleQuotes(bytes, start, end);
      return this.codeOf(unquoted, 0, length);
    }
    const length = end - start;
    for (let slot = hashOf(bytes, start, end) & this.mask; ; slot = (slot + 1) & this.mask) {
      const index = this.slots[slot] as number;
      if (index < 0) return UNKNOWN_CODE;
      const entry = this.entries[index] as { readonly bytes: Buffer; readonly code: number };
      if (entry.bytes.length === length && sameBytes(entry.bytes, bytes, start, length)) return entry.code;
    }
  }
}

/** The code of the category in field `at` of the row. */
function codeAt(vocabulary: ByteVocabulary, row: FieldSpans, at: number): number {
  return vocabulary.codeOf(
    row.bytes,
    row.starts[at] as number,
    row.ends[at] as number,
    row.flags[at] as number,
  );
}

const PRIMARY_TYPE_BYTES = new ByteVocabulary(vocabularyCodes(PRIMARY_TYPES));
const LOCATION_BYTES = new ByteVocabulary(vocabularyCodes(LOCATION_DESCRIPTIONS));
const FBI_CODE_BYTES = new ByteVocabulary(vocabularyCodes(FBI_CODES));

// Where a field's bytes are copied with one quote for two; fields that long are rare, so it is
// shared and grown as needed.
let unquoted = new Uint8Array(256);

/** Copies bytes[start..end) into `unquoted`, each doubled quote as one; returns the length. */
function undoubleQuotes(bytes: Uint8Array, start: number, end: number): number {
  if (unquoted.length < end - start) unquoted = new Uint8Array(2 * (end - start));
  let length = 0;
  for (let at = start; at < end; at++) {
    const byte = bytes[at] as number;
    unquoted[length++] = byte;
    if (byte === QUOTE && bytes[at + 1] === QUOTE) at++;
  }
  return length;
}

const QUOTE = 0x22;

function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = end - start;
  for (let at = start; at < end; at++) hash = (Math.imul(hash, 31) + (bytes[at] as number)) | 0;
  return hash ^ (hash >>> 15);
}

function sameBytes(entry: Uint8Array, bytes: Uint8Array, start: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (entry[i] !== bytes[start + i]) return false;
  return true;
}

const ZERO = 0x30;
const SPACE = 0x20;

/** As `encodeIncident` reads a non-negative integer (surrounding spaces allowed, ≤ 9 digits), or -1. */
function integerAt(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && bytes[start] === SPACE) start++;
  while (end > start && bytes[end - 1] === SPACE) end--;
  if (start === end || end - start > 9) return -1;
  let value = 0;
  for (let at = start; at < end; at++) {
    const digit = (bytes[at] as number) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** -1 for an empty field, the integer for digits; -2 for anything else (blank space included). */
function optionalIntegerAt(bytes: Uint8Array, start: number, end: number): number {
  if (start === end) return -1;
  const value = integerAt(bytes, start, end);
  return value < 0 ? -2 : value;
}

/** 1 for `true`, 0 for `false` (any case), -1 for anything else. */
function booleanAt(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  // ASCII letters differ from their capitals only in bit 0x20.
  const lower = (at: number) => (bytes[start + at] as number) | 0x20;
  if (length === 4 && lower(0) === 0x74 && lower(1) === 0x72 && lower(2) === 0x75 && lower(3) === 0x65)
    return 1;
  if (
    length === 5 &&
    lower(0) === 0x66 &&
    lower(1) === 0x61 &&
    lower(2) === 0x6c &&
    lower(3) === 0x73 &&
    lower(4) === 0x65
  )
    return 0;
  return -1;
}

function twoDigitsAt(bytes: Uint8Array, at: number): number {
  const tens = (bytes[at] as number) - ZERO;
  const ones = (bytes[at + 1] as number) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

const SLASH = 0x2f;
const LETTER_A = 0x41;
const LETTER_P = 0x50;
const LETTER_M = 0x4d;

/** `MM/DD/YYYY hh:mm:ss AM|PM`, as `parseExportDate` reads it. */
function exportDateAt(bytes: Uint8Array, start: number, end: number): LocalTime | undefined {
  if (end - start !== 22) return undefined;
  if (bytes[start + 2] !== SLASH || bytes[start + 5] !== SLASH) return undefined;
  if (bytes[start + 10] !== SPACE || bytes[start + 19] !== SPACE || bytes[start + 21] !== LETTER_M)
    return undefined;
  const meridiem = bytes[start + 20];
  if (meridiem !== LETTER_A && meridiem !== LETTER_P) return undefined;
  const century = twoDigitsAt(bytes, start + 6);
  const yearInCentury = twoDigitsAt(bytes, start + 8);
  if (century < 0 || yearInCentury < 0) return undefined;
  return localTime(
    century * 100 + yearInCentury,
    twoDigitsAt(bytes, start),
    twoDigitsAt(bytes, start + 3),
    twoDigitsAt(bytes, start + 11),
    twoDigitsAt(bytes, start + 14),
    twoDigitsAt(bytes, start + 17),
    meridiem === LETTER_P,
  );
}

const MINUS = 0x2d;
const POINT = 0x2e;
// Exact powers of ten: 10^22 is the largest a double holds exactly.
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, power) => 10 ** power);
// Up to 15 digits the digits as an integer are exact in a double.
const MAX_DIGITS = 15;

/**
 * A plain decimal (`-?digits` or `-?digits.digits`, at most 15 digits) as `Number` reads it, NaN
 * for anything else. With the digits and the power of ten both exact, one division rounds once,
 * correctly, to the double nearest the decimal: the value `Number` gives (Clinger's fast path).
 */
export function decimalAt(bytes: Uint8Array, start: number, end: number): number {
  const negative = bytes[start] === MINUS;
  let at = negative ? start + 1 : start;
  let digits = 0;
  let mantissa = 0;
  let fractionDigits = -1;
  for (; at < end; at++) {
    const byte = bytes[at] as number;
    if (byte === POINT && fractionDigits < 0 && digits > 0) {
      fractionDigits = 0;
      continue;
    }
    const digit = byte - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    mantissa = mantissa * 10 + digit;
    digits++;
    if (fractionDigits >= 0) fractionDigits++;
  }
  if (digits === 0 || digits > MAX_DIGITS || fractionDigits === 0) return Number.NaN;
  const value = fractionDigits > 0 ? mantissa / (POWERS_OF_TEN[fractionDigits] as number) : mantissa;
  return negative ? -value : value;
}
