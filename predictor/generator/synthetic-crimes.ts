import Papa from 'papaparse';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { EXPORT_COLUMNS } from '../features/columns';
import {
  CRIME_TYPES,
  DISTRICTS,
  PLACES,
  STREETS,
  UNSEEN_PLACES,
  UNSEEN_PRIMARY_TYPES,
} from './crime-catalogue';

/** Shares of rows with the gaps and surprises real exports have (DATA.md). */
const MISSING_COORDINATES = 0.015;
const MISSING_DISTRICT = 0.003;
const MISSING_WARD = 0.005;
const MISSING_COMMUNITY_AREA = 0.005;
const UNSEEN_TYPE = 0.002;
const UNSEEN_PLACE = 0.01;

// Incidents by hour of day, shaped like city crime: quiet before dawn, busiest afternoon and evening.
const HOUR_WEIGHTS = [
  5, 4, 3.5, 3, 2.5, 2, 2.5, 3, 4, 4.5, 5, 5, 6, 5.5, 5.5, 6, 6, 6.5, 6.5, 6, 6, 5.5, 5.5, 5,
];

const FIRST_DAY = Date.UTC(2015, 0, 1);
const DAYS = 11 * 365;

/** Picks from weighted options with one uniform draw. */
class WeightedChoice<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(
    private readonly options: readonly T[],
    weight: (option: T) => number,
  ) {
    let sum = 0;
    for (const option of options) {
      sum += weight(option);
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  pick(uniform: number): T {
    const target = uniform * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.cumulative[mid] ?? 0) <= target) low = mid + 1;
      else high = mid;
    }
    return this.options[low] as T;
  }
}

const crimeTypes = new WeightedChoice(CRIME_TYPES, (type) => type.share);
const places = new WeightedChoice(PLACES, (place) => place.share);
const hours = new WeightedChoice(
  HOUR_WEIGHTS.map((_, hour) => hour),
  (hour) => HOUR_WEIGHTS[hour] ?? 0,
);

const pad = (value: number, width: number) => String(value).padStart(width, '0');

function exportDate(epochMs: number): string {
  const date = new Date(epochMs);
  const hour = date.getUTCHours();
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  return (
    `${pad(date.getUTCMonth() + 1, 2)}/${pad(date.getUTCDate(), 2)}/${date.getUTCFullYear()} ` +
    `${pad(hour12, 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)} ${hour < 12 ? 'AM' : 'PM'}`
  );
}

export interface SyntheticCrimeOptions {
  /** Seed of the random generator: the same seed yields the same rows. */
  readonly seed: number;
  /** ID of the first row. @default 10000000 */
  readonly firstId?: number;
}

/**
 * Synthetic incidents in the exact column layout of the Chicago crimes export. Arrest follows a
 * hidden logistic relation to crime type, place, district, hour, weekday and domestic flag, so a
 * model has something real to learn. Every figure computed from these rows is synthetic.
 */
export class SyntheticCrimes {
  private readonly rng;
  private nextId: number;

  constructor(options: SyntheticCrimeOptions) {
    this.rng = xoroshiro128plus(options.seed);
    this.nextId = options.firstId ?? 10_000_000;
  }

  private uniform(): number {
    return uniformFloat64(this.rng);
  }

  private integer(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  /** The next row, one string per export column, in export order. */
  nextRow(): string[] {
    const type = crimeTypes.pick(this.uniform());
    const variant = type.variants[this.integer(0, type.variants.length - 1)] ?? {
      iucr: '0000',
      description: '',
    };
    const unseenType = this.uniform() < UNSEEN_TYPE;
    const primaryType = unseenType
      ? (UNSEEN_PRIMARY_TYPES[this.integer(0, UNSEEN_PRIMARY_TYPES.length - 1)] ?? 'OTHER')
      : type.primaryType;
    const place = places.pick(this.uniform());
    const unseenPlace = this.uniform() < UNSEEN_PLACE;
    const placeDescription = unseenPlace
      ? (UNSEEN_PLACES[this.integer(0, UNSEEN_PLACES.length - 1)] ?? '')
      : place.description;
    const district = DISTRICTS[this.integer(0, DISTRICTS.length - 1)] ?? DISTRICTS[0];
    if (!district) throw new Error('no districts');

    const hour = hours.pick(this.uniform());
    const day = this.integer(0, DAYS - 1);
    const when = FIRST_DAY + day * 86_400_000 + hour * 3_600_000 + this.integer(0, 3599) * 1000;
    const weekday = (new Date(when).getUTCDay() + 6) % 7;
    const domestic = variant.description.startsWith('DOMESTIC') || this.uniform() < 0.08;

    const night = hour >= 20 || hour < 4 ? 0.5 : 0;
    const weekend = weekday >= 5 ? 0.2 : 0;
    const logOdds =
      (unseenType ? -1 : type.arrestLogOdds) +
      (unseenPlace ? 0 : place.effect) +
      district.effect +
      night +
      weekend +
      (domestic ? 0.3 : 0);
    const arrest = this.uniform() < 1 / (1 + Math.exp(-logOdds));

    const hasCoordinates = this.uniform() >= MISSING_COORDINATES;
    const latitude = district.latitude + (this.uniform() - 0.5) * 0.04;
    const longitude = district.longitude + (this.uniform() - 0.5) * 0.04;
    const beat = district.district * 100 + this.integer(11, 35);
    const id = this.nextId++;
    const year = new Date(when).getUTCFullYear();

    return [
      String(id),
      `J${String.fromCharCode(65 + this.integer(0, 25))}${pad(this.integer(0, 999_999), 6)}`,
      exportDate(when),
      `${pad(this.integer(0, 120), 3)}XX ${STREETS[this.integer(0, STREETS.length - 1)]}`,
      variant.iucr,
      primaryType,
      variant.description,
      placeDescription,
      String(arrest),
      String(domestic),
      pad(beat, 4),
      this.uniform() < MISSING_DISTRICT ? '' : pad(district.district, 3),
      this.uniform() < MISSING_WARD ? '' : String(this.integer(1, 50)),
      this.uniform() < MISSING_COMMUNITY_AREA ? '' : String(this.integer(1, 77)),
      type.fbiCode,
      hasCoordinates ? String(Math.round(1_176_000 + (longitude + 87.63) * 274_000)) : '',
      hasCoordinates ? String(Math.round(1_900_000 + (latitude - 41.88) * 364_000)) : '',
      String(year),
      exportDate(when + this.integer(1, 30) * 86_400_000),
      hasCoordinates ? latitude.toFixed(9) : '',
      hasCoordinates ? longitude.toFixed(9) : '',
      hasCoordinates ? `(${latitude.toFixed(9)}, ${longitude.toFixed(9)})` : '',
    ];
  }

  /** The next `count` rows. */
  nextRows(count: number): string[][] {
    return Array.from({ length: count }, () => this.nextRow());
  }
}

/** The export's header line. */
export function exportHeader(): string {
  return Papa.unparse([Array.from(EXPORT_COLUMNS)], { newline: '\n' });
}

/** Rows as export CSV lines (quoted where a field holds a comma or quote), each ending in a newline. */
export function toExportCsv(rows: readonly string[][]): string {
  return rows.length === 0 ? '' : `${Papa.unparse(rows as string[][], { newline: '\n' })}\n`;
}
