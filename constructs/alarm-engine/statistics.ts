/**
 * CloudWatch statistics over raw samples, as the "CloudWatch statistics definitions" page of the
 * CloudWatch user guide defines them (Statistics-definitions.md): SampleCount, Sum, Average,
 * Minimum, Maximum, percentiles `pNN`, percentile rank `PR(lo:hi)`, trimmed mean `TM`/`tmNN`,
 * interquartile mean `IQM`, winsorized mean `WM`/`wmNN`, trimmed count `TC`/`tcNN` and trimmed
 * sum `TS`/`tsNN`.
 *
 * CloudWatch computes the percentile family from an approximate, interpolated summary of the
 * samples (the page says of trimmed count: "it is an interpolated, approximate value and can give
 * fractional results"). The engine computes them exactly over the raw samples instead, with the
 * rank conventions written next to each function; on large samples both agree closely, on a
 * handful of samples they can differ.
 */

/** A statistic whose value needs only the count, sum, minimum and maximum of the samples. */
export interface SimpleStatistic {
  readonly kind: 'SampleCount' | 'Sum' | 'Average' | 'Minimum' | 'Maximum';
  readonly name: string;
}

/** `pNN`: the value at a percentile (0–100). */
export interface PercentileStatistic {
  readonly kind: 'percentile';
  readonly name: string;
  readonly percentile: number;
}

/** `PR(lo:hi)`: the percentage of samples in (lo, hi]; a missing side is unbounded. */
export interface PercentileRankStatistic {
  readonly kind: 'percentileRank';
  readonly name: string;
  readonly lower?: number;
  readonly upper?: number;
}

/** The boundaries of a trimmed statistic: percentiles (0–100) or fixed values; a missing side is open. */
export interface TrimBounds {
  readonly percent: boolean;
  readonly lower?: number;
  readonly upper?: number;
}

/** Trimmed mean, winsorized mean, trimmed count or trimmed sum between two boundaries. */
export interface TrimmedStatistic {
  readonly kind: 'trimmedMean' | 'winsorizedMean' | 'trimmedCount' | 'trimmedSum';
  readonly name: string;
  readonly bounds: TrimBounds;
}

/** A statistic the engine computes. */
export type Statistic = SimpleStatistic | PercentileStatistic | PercentileRankStatistic | TrimmedStatistic;

/** A statistic name the engine does not recognise, with why. */
export interface UnsupportedStatistic {
  readonly kind: 'unsupported';
  readonly name: string;
  readonly problem: string;
}

const SIMPLE = new Set(['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum']);

const TRIMMED_KINDS = {
  tm: 'trimmedMean',
  wm: 'winsorizedMean',
  tc: 'trimmedCount',
  ts: 'trimmedSum',
} as const satisfies Record<string, TrimmedStatistic['kind']>;

// "You define the boundaries as one or two numbers between 0 and 100, up to 10 decimal places."
const NUMBER = String.raw`\d+(?:\.\d{1,10})?`;
const PERCENTILE_RE = new RegExp(`^p(${NUMBER})$`);
const SHORT_TRIMMED_RE = new RegExp(`^(tm|wm|tc|ts)(${NUMBER})$`);
const RANGE_RE = new RegExp(`^(TM|WM|TC|TS|PR)\\((?:(${NUMBER})(%?))?:(?:(${NUMBER})(%?))?\\)$`);

/**
 * Parses a statistic as CloudWatch spells it. The syntax rules are those of the "Syntax" section
 * of Statistics-definitions.md: a range in parentheses only in upper case (`TM(5%:95%)`), one
 * number only in lower case (`tm99`, the same as `TM(:99%)`), `IQM` for `TM(25%:75%)`.
 */
export function parseStatistic(name: string): Statistic | UnsupportedStatistic {
  if (SIMPLE.has(name)) return { kind: name as SimpleStatistic['kind'], name };
  if (name === 'IQM') return { kind: 'trimmedMean', name, bounds: { percent: true, lower: 25, upper: 75 } };

  const percentile = PERCENTILE_RE.exec(name);
  if (percentile) {
    const value = Number(percentile[1]);
    if (value > 100) return unsupported(name, 'a percentile must be between p0 and p100');
    return { kind: 'percentile', name, percentile: value };
  }

  const short = SHORT_TRIMMED_RE.exec(name);
  if (short) {
    const upper = Number(short[2]);
    if (upper > 100) return unsupported(name, 'a percentage must be between 0 and 100');
    return {
      kind: TRIMMED_KINDS[short[1] as keyof typeof TRIMMED_KINDS],
      name,
      bounds: { percent: true, upper },
    };
  }

  const range = RANGE_RE.exec(name);
  if (!range) return unsupported(name, 'not a CloudWatch statistic the engine knows');
  const [, family, lowerText, lowerPercent, upperText, upperPercent] = range;
  if (lowerText === undefined && upperText === undefined)
    return unsupported(name, 'a range needs a boundary');
  const lower = lowerText === undefined ? undefined : Number(lowerText);
  const upper = upperText === undefined ? undefined : Number(upperText);
  if (lower !== undefined && upper !== undefined && lower > upper) {
    return unsupported(name, 'the lower boundary is above the upper one');
  }

  if (family === 'PR') {
    // PR's boundaries are values: "PR(:300) returns the percentage of data points that have a value of 300 or less".
    if (lowerPercent || upperPercent)
      return unsupported(name, 'percentile rank boundaries are values, not percentages');
    return { kind: 'percentileRank', name, lower, upper };
  }
  const percent = lowerPercent === '%' || upperPercent === '%';
  const mixed =
    (lowerText !== undefined && (lowerPercent === '%') !== percent) ||
    (upperText !== undefined && (upperPercent === '%') !== percent);
  if (mixed) return unsupported(name, 'both boundaries must be percentages or both values');
  if (percent && ((lower ?? 0) > 100 || (upper ?? 0) > 100)) {
    return unsupported(name, 'a percentage must be between 0 and 100');
  }
  const kind = TRIMMED_KINDS[(family as string).toLowerCase() as keyof typeof TRIMMED_KINDS];
  return { kind, name, bounds: { percent, lower, upper } };
}

function unsupported(name: string, problem: string): UnsupportedStatistic {
  return { kind: 'unsupported', name, problem };
}

/**
 * The statistic over `values` (in any order): the same values in any order give the same result,
 * because everything is computed from the sorted values. Undefined when CloudWatch would have no
 * datapoint: no samples, a trimmed mean or winsorized mean whose range holds no sample, or a
 * percentile-family statistic over a negative sample.
 */
export function aggregate(statistic: Statistic, values: ArrayLike<number>): number | undefined {
  const sorted = Float64Array.from(values).sort();
  return aggregateSorted(statistic, sorted);
}

/** {@link aggregate} over the first `n` values of `sorted`, already in ascending order. */
export function aggregateSorted(
  statistic: Statistic,
  sorted: Float64Array,
  n = sorted.length,
): number | undefined {
  if (n === 0) return undefined;
  switch (statistic.kind) {
    case 'SampleCount':
      return n;
    case 'Sum':
      return sumOf(sorted, 0, n);
    case 'Average':
      return sumOf(sorted, 0, n) / n;
    case 'Minimum':
      return at(sorted, 0);
    case 'Maximum':
      return at(sorted, n - 1);
  }
  // "these type of statistics are not available for metrics when any of the metric values are
  // negative numbers" (Statistics-definitions.md, requirements).
  if (at(sorted, 0) < 0) return undefined;
  switch (statistic.kind) {
    case 'percentile':
      return at(sorted, percentileIndex(statistic.percentile, n));
    case 'percentileRank':
      return (100 * (upperIndex(sorted, n, statistic.upper) - lowerIndex(sorted, n, statistic.lower))) / n;
    default:
      return trimmed(statistic, sorted, n);
  }
}

/**
 * 0-based index of the nearest-rank percentile: the smallest sample with at least p% of the
 * samples at or below it, rank ⌈p·n/100⌉. CloudWatch's own method is not documented; this one
 * matches its description of p99 as "the maximum value of the remaining 99%" once the highest 1%
 * is set aside, and always returns an actual sample.
 */
function percentileIndex(percentile: number, n: number): number {
  const rank = Math.ceil((percentile * n) / 100 - RANK_EPSILON);
  return Math.min(Math.max(rank, 1), n) - 1;
}

// Guards ⌈x⌉ and ⌊x⌋ of p·n/100 against x landing a rounding error off an integer (29·100/100).
const RANK_EPSILON = 1e-9;

function trimmed(statistic: TrimmedStatistic, sorted: Float64Array, n: number): number | undefined {
  const { from, to } = statistic.bounds.percent
    ? percentRange(statistic.bounds, n)
    : {
        from: lowerIndex(sorted, n, statistic.bounds.lower),
        to: upperIndex(sorted, n, statistic.bounds.upper),
      };
  const count = Math.max(to - from, 0);
  switch (statistic.kind) {
    case 'trimmedCount':
      return count;
    case 'trimmedSum':
      return count === 0 ? 0 : sumOf(sorted, from, to);
    case 'trimmedMean':
      return count === 0 ? undefined : sumOf(sorted, from, to) / count;
    case 'winsorizedMean':
      return statistic.bounds.percent
        ? winsorizedByRank(sorted, n, from, to)
        : winsorizedByValue(sorted, n, statistic.bounds.lower, statistic.bounds.upper);
  }
}

/**
 * The 0-based index range [from, to) kept by percent boundaries: ranks in (lower%·n, upper%·n],
 * i.e. the lowest ⌊lower%·n⌋ and the samples above rank ⌈upper%·n⌉ are set aside. The upper end
 * is the nearest-rank percentile of {@link percentileIndex}, so `tm99` averages exactly the samples
 * `p99` is the maximum of; the lower end is exclusive like the documented value boundaries
 * ("does not include values equal to the lower boundary").
 */
function percentRange(bounds: TrimBounds, n: number): { from: number; to: number } {
  const from = bounds.lower === undefined ? 0 : Math.floor((bounds.lower * n) / 100 + RANK_EPSILON);
  const to = bounds.upper === undefined ? n : Math.ceil((bounds.upper * n) / 100 - RANK_EPSILON);
  return { from: Math.min(from, n), to: Math.min(to, n) };
}

/** Samples below the range count as its lowest kept sample, above it as its highest. */
function winsorizedByRank(sorted: Float64Array, n: number, from: number, to: number): number | undefined {
  if (to <= from) return undefined;
  const low = at(sorted, from);
  const high = at(sorted, to - 1);
  const total = from * low + sumOf(sorted, from, to) + (n - to) * high;
  return total / n;
}

/** Samples at or below `lower` count as `lower`, above `upper` as `upper` (the boundary values themselves). */
function winsorizedByValue(sorted: Float64Array, n: number, lower?: number, upper?: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let value = at(sorted, i);
    if (lower !== undefined && value < lower) value = lower;
    if (upper !== undefined && value > upper) value = upper;
    total += value;
  }
  return total / n;
}

/** Index of the first sample above `lower` (value boundaries exclude the lower one). */
function lowerIndex(sorted: Float64Array, n: number, lower: number | undefined): number {
  if (lower === undefined) return 0;
  return firstAbove(sorted, n, lower);
}

/** Index after the last sample at or below `upper` (value boundaries include the upper one). */
function upperIndex(sorted: Float64Array, n: number, upper: number | undefined): number {
  if (upper === undefined) return n;
  return firstAbove(sorted, n, upper);
}

/** Binary search over the first `n` sorted values: the index of the first one above `bound`. */
function firstAbove(sorted: Float64Array, n: number, bound: number): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (at(sorted, middle) > bound) high = middle;
    else low = middle + 1;
  }
  return low;
}

function sumOf(values: Float64Array, from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += at(values, i);
  return total;
}

/** Reads an index the caller has bounds-checked (typed arrays are typed `number | undefined` here). */
function at(values: Float64Array, index: number): number {
  return values[index] as number;
}

/**
 * The percentile of a `pNN` statistic as a fraction (0.99 for p99), for the low-sample rule of
 * percentile alarms; undefined for every other statistic.
 */
export function percentileFraction(statistic: Statistic): number | undefined {
  return statistic.kind === 'percentile' ? statistic.percentile / 100 : undefined;
}
