import { type ExportColumn, FEATURE_COLUMNS, type FeatureColumn } from './columns';
import { FBI_CODES, LOCATION_DESCRIPTIONS, PRIMARY_TYPES, UNKNOWN_CODE, vocabularyCodes } from './vocabulary';

/**
 * The model's inputs, in tensor order. This is the one definition of the features: serving encodes
 * with {@link encodeIncident}, and training reads matrices exported by the same function.
 */
export const FEATURES = [
  {
    name: 'primary_type',
    encoding: `Primary Type: code 1-${PRIMARY_TYPES.length} in PRIMARY_TYPES, 0 = unknown`,
  },
  {
    name: 'location_description',
    encoding: `Location Description: code 1-${LOCATION_DESCRIPTIONS.length} in LOCATION_DESCRIPTIONS, 0 = unknown or empty`,
  },
  { name: 'fbi_code', encoding: `FBI Code: code 1-${FBI_CODES.length} in FBI_CODES, 0 = unknown` },
  { name: 'domestic', encoding: 'Domestic: 1 = true, 0 = false' },
  { name: 'hour', encoding: 'hour of Date, 0-23 (local time)' },
  { name: 'day_of_week', encoding: 'weekday of Date, 0 = Monday … 6 = Sunday' },
  { name: 'month', encoding: 'month of Date, 1-12' },
  { name: 'beat', encoding: 'Beat as an integer (leading zeros dropped)' },
  { name: 'district', encoding: 'District as an integer, -1 = empty' },
  { name: 'ward', encoding: 'Ward as an integer, -1 = empty' },
  { name: 'community_area', encoding: 'Community Area as an integer, -1 = empty' },
  { name: 'latitude', encoding: 'Latitude in degrees, 0 = empty' },
  { name: 'longitude', encoding: 'Longitude in degrees, 0 = empty' },
  { name: 'has_coordinates', encoding: '1 when Latitude and Longitude are present, else 0' },
] as const;

export const FEATURE_COUNT = FEATURES.length;

/** Position of each column the model reads, in a file's header. */
export type ColumnIndex = Readonly<Record<FeatureColumn, number>>;

/** Why one row could not be scored. */
export interface RowRejection {
  readonly column: ExportColumn;
  readonly reason: string;
}

const primaryTypeCodes = vocabularyCodes(PRIMARY_TYPES);
const locationCodes = vocabularyCodes(LOCATION_DESCRIPTIONS);
const fbiCodes = vocabularyCodes(FBI_CODES);

// Chicago and a generous margin: a coordinate outside it is a data error, not a place.
export const LATITUDE_RANGE = [41.0, 42.5] as const;
export const LONGITUDE_RANGE = [-88.5, -87.0] as const;

/**
 * Finds the model's columns in a header row (any order; a UTF-8 byte-order mark and surrounding
 * spaces are ignored). Returns the columns that are missing when any is.
 */
export function resolveColumns(
  header: readonly string[],
): { columns: ColumnIndex } | { missing: FeatureColumn[] } {
  const positions = new Map<string, number>();
  header.forEach((name, index) => {
    const clean = (index === 0 ? name.replace(/^\uFEFF/, '') : name).trim();
    if (!positions.has(clean)) positions.set(clean, index);
  });
  const missing = FEATURE_COLUMNS.filter((column) => !positions.has(column));
  if (missing.length > 0) return { missing };
  return {
    columns: Object.fromEntries(
      FEATURE_COLUMNS.map((column) => [column, positions.get(column)]),
    ) as ColumnIndex,
  };
}

/**
 * Writes one row's features into `out` at `offset` (FEATURE_COUNT values). Returns why the row is
 * rejected, in which case what was written must be ignored. Runs for every row of every file:
 * no allocation on the success path.
 */
export function encodeIncident(
  fields: readonly string[],
  columns: ColumnIndex,
  out: Float32Array,
  offset: number,
): RowRejection | undefined {
  const id = fields[columns.ID];
  if (id === undefined || parseInteger(id) < 0)
    return { column: 'ID', reason: 'must be a non-negative integer' };

  const date = fields[columns.Date] ?? '';
  const when = parseExportDate(date);
  if (when === undefined) return { column: 'Date', reason: 'must be MM/DD/YYYY hh:mm:ss AM|PM' };

  const domestic = parseBoolean(fields[columns.Domestic]);
  if (domestic === undefined) return { column: 'Domestic', reason: 'must be true or false' };

  const beat = parseInteger(fields[columns.Beat] ?? '');
  if (beat < 0) return { column: 'Beat', reason: 'must be an integer' };
  const district = parseOptionalInteger(fields[columns.District]);
  if (Number.isNaN(district)) return { column: 'District', reason: 'must be an integer or empty' };
  const ward = parseOptionalInteger(fields[columns.Ward]);
  if (Number.isNaN(ward)) return { column: 'Ward', reason: 'must be an integer or empty' };
  const communityArea = parseOptionalInteger(fields[columns['Community Area']]);
  if (Number.isNaN(communityArea)) return { column: 'Community Area', reason: 'must be an integer or empty' };

  const latitudeText = (fields[columns.Latitude] ?? '').trim();
  const longitudeText = (fields[columns.Longitude] ?? '').trim();
  let latitude = 0;
  let longitude = 0;
  const hasCoordinates = latitudeText !== '' || longitudeText !== '';
  if (hasCoordinates) {
    latitude = Number(latitudeText);
    longitude = Number(longitudeText);
    if (latitudeText === '' || !(latitude >= LATITUDE_RANGE[0] && latitude <= LATITUDE_RANGE[1])) {
      return {
        column: 'Latitude',
        reason: `must be a number from ${LATITUDE_RANGE[0]} to ${LATITUDE_RANGE[1]}`,
      };
    }
    if (longitudeText === '' || !(longitude >= LONGITUDE_RANGE[0] && longitude <= LONGITUDE_RANGE[1])) {
      return {
        column: 'Longitude',
        reason: `must be a number from ${LONGITUDE_RANGE[0]} to ${LONGITUDE_RANGE[1]}`,
      };
    }
  }

  writeFeatures(
    out,
    offset,
    primaryTypeCodes.get(fields[columns['Primary Type']] ?? '') ?? UNKNOWN_CODE,
    locationCodes.get(fields[columns['Location Description']] ?? '') ?? UNKNOWN_CODE,
    fbiCodes.get(fields[columns['FBI Code']] ?? '') ?? UNKNOWN_CODE,
    domestic,
    when,
    beat,
    district,
    ward,
    communityArea,
    latitude,
    longitude,
    hasCoordinates,
  );
  return undefined;
}

/**
 * Writes one row's parsed values into `out` at `offset`, in {@link FEATURES}' order: the tensor
 * layout, for both encoders.
 */
export function writeFeatures(
  out: Float32Array,
  offset: number,
  primaryType: number,
  locationDescription: number,
  fbiCode: number,
  domestic: boolean,
  when: LocalTime,
  beat: number,
  district: number,
  ward: number,
  communityArea: number,
  latitude: number,
  longitude: number,
  hasCoordinates: boolean,
): void {
  out[offset] = primaryType;
  out[offset + 1] = locationDescription;
  out[offset + 2] = fbiCode;
  out[offset + 3] = domestic ? 1 : 0;
  out[offset + 4] = when.hour;
  out[offset + 5] = when.dayOfWeek;
  out[offset + 6] = when.month;
  out[offset + 7] = beat;
  out[offset + 8] = district;
  out[offset + 9] = ward;
  out[offset + 10] = communityArea;
  out[offset + 11] = latitude;
  out[offset + 12] = longitude;
  out[offset + 13] = hasCoordinates ? 1 : 0;
}

/** A non-negative decimal integer (surrounding spaces allowed), or -1. */
function parseInteger(text: string): number {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  if (start === end || end - start > 9) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** An integer, -1 for an empty field, NaN for anything else. */
function parseOptionalInteger(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return -1;
  const value = parseInteger(text);
  return value < 0 ? Number.NaN : value;
}

function parseBoolean(text: string | undefined): boolean | undefined {
  switch (text?.trim().toLowerCase()) {
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      return undefined;
  }
}

export interface LocalTime {
  readonly hour: number;
  readonly dayOfWeek: number;
  readonly month: number;
}

function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/** `MM/DD/YYYY hh:mm:ss AM|PM` → hour, weekday, month; undefined when malformed or impossible. */
export function parseExportDate(text: string): LocalTime | undefined {
  if (text.length !== 22 || text[2] !== '/' || text[5] !== '/' || text[10] !== ' ' || text[19] !== ' ') {
    return undefined;
  }
  const month = twoDigits(text, 0);
  const day = twoDigits(text, 3);
  const century = twoDigits(text, 6);
  const yearInCentury = twoDigits(text, 8);
  const hour12 = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const meridiem = text.slice(20);
  if (century < 0 || yearInCentury < 0 || (meridiem !== 'AM' && meridiem !== 'PM')) return undefined;
  return localTime(century * 100 + yearInCentury, month, day, hour12, minute, second, meridiem === 'PM');
}

/**
 * The features of a date and 12-hour time read from an export; undefined when a part is out of
 * range (-1 stands for a part that was not two digits) or the day does not exist.
 */
export function localTime(
  year: number,
  month: number,
  day: number,
  hour12: number,
  minute: number,
  second: number,
  pm: boolean,
): LocalTime | undefined {
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (month < 1 || month > 12 || hour12 < 1 || hour12 > 12) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const hour = (hour12 % 12) + (pm ? 12 : 0);
  return { hour, dayOfWeek: mondayBasedWeekday(year, month, day), month };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Sakamoto's method, shifted so Monday is 0.
const MONTH_OFFSETS = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4] as const;
function mondayBasedWeekday(year: number, month: number, day: number): number {
  const y = month < 3 ? year - 1 : year;
  const sundayBased =
    (y +
      Math.floor(y / 4) -
      Math.floor(y / 100) +
      Math.floor(y / 400) +
      (MONTH_OFFSETS[month - 1] ?? 0) +
      day) %
    7;
  return (sundayBased + 6) % 7;
}
