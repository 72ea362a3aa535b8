import type { MetricIdentity, MetricSeries, MetricStat } from './alarm-definition';
import type { Datapoint, MetricSource } from './compiled-metric';
import { aggregateSorted, parseStatistic, type Statistic } from './statistics';

/**
 * Recorded samples as a {@link MetricSource}: every window of every metric aggregated on demand.
 *
 * Which samples a `MetricStat` reads follows CloudWatch's identity rules: the namespace, the
 * metric name and the complete set of dimensions must all match ("you must include all of the
 * dimensions for the custom metric in addition to the metric namespace and metric name",
 * AlarmThatSendsEmail.md, "Common features of CloudWatch alarms"), and when the stat names a unit
 * only samples published with that unit count (PutMetricAlarm `Unit`). A sample published without
 * a unit has CloudWatch's default unit, `None` (PutMetricData `Unit`).
 *
 * A backtest reads each metric tens of thousands of times, so the series are indexed once: samples
 * sorted by time in typed arrays, windows found by a search that starts from the previous answer,
 * and sums and extremes of long windows read from prefix sums and per-block extremes.
 */
export class SeriesMetricSource implements MetricSource {
  private readonly metrics = new Map<string, IndexedMetric>();
  private readonly resolved = new WeakMap<MetricStat, ResolvedStat>();

  constructor(private readonly recorded: readonly MetricSeries[]) {
    const byKey = new Map<string, MetricSeries[]>();
    for (const series of recorded) {
      const key = identityKey(series);
      const list = byKey.get(key);
      if (list) list.push(series);
      else byKey.set(key, [series]);
    }
    for (const [key, list] of byKey) this.metrics.set(key, indexMetric(list));
  }

  /** `stat` over `[end - stat.period s, end)`; undefined when no sample fell in it. */
  datapoint(stat: MetricStat, end: number): Datapoint | undefined {
    const { columns, statistic } = this.resolve(stat);
    return columns?.window(statistic, end - stat.period * 1000, end);
  }

  /** `datapoint` for one stat, its metric and statistic looked up once rather than on every call. */
  reader(stat: MetricStat): (end: number) => Datapoint | undefined {
    const { columns, statistic } = this.resolve(stat);
    if (!columns) return () => undefined;
    const periodMs = stat.period * 1000;
    return (end) => columns.window(statistic, end - periodMs, end);
  }

  /** Every series held, as given. */
  series(): readonly MetricSeries[] {
    return this.recorded;
  }

  private resolve(stat: MetricStat): ResolvedStat {
    const known = this.resolved.get(stat);
    if (known) return known;
    const statistic = parseStatistic(stat.stat);
    if (statistic.kind === 'unsupported') {
      throw new Error(`statistic ${statistic.name} is not supported: ${statistic.problem}`);
    }
    const metric = this.metrics.get(identityKey(stat.metric));
    const columns = stat.unit === undefined ? metric?.all : metric?.byUnit.get(stat.unit);
    const resolved = { columns, statistic };
    this.resolved.set(stat, resolved);
    return resolved;
  }
}

/**
 * Reads one stat's windows from any source: through {@link SeriesMetricSource.reader} when the
 * source is one, else through `datapoint`.
 */
export function readerOf(source: MetricSource, stat: MetricStat): (end: number) => Datapoint | undefined {
  return source instanceof SeriesMetricSource ? source.reader(stat) : (end) => source.datapoint(stat, end);
}

interface ResolvedStat {
  readonly columns: SampleColumns | undefined;
  readonly statistic: Statistic;
}

interface IndexedMetric {
  readonly all: SampleColumns;
  readonly byUnit: ReadonlyMap<string, SampleColumns>;
}

const NO_UNIT = 'None';

/** Namespace, name and the full dimension set, insensitive to the order dimensions were written in. */
function identityKey(identity: MetricIdentity): string {
  const dimensions = Object.keys(identity.dimensions)
    .sort()
    .map((name) => [name, identity.dimensions[name]]);
  return JSON.stringify([identity.namespace, identity.metricName, dimensions]);
}

function indexMetric(list: readonly MetricSeries[]): IndexedMetric {
  const all = SampleColumns.of(list);
  const units = new Map<string, MetricSeries[]>();
  for (const series of list) {
    const unit = series.unit ?? NO_UNIT;
    const same = units.get(unit);
    if (same) same.push(series);
    else units.set(unit, [series]);
  }
  const byUnit = new Map<string, SampleColumns>();
  for (const [unit, same] of units) byUnit.set(unit, units.size === 1 ? all : SampleColumns.of(same));
  return { all, byUnit };
}

// Windows up to this many samples are summed and scanned directly: as fast as a prefix-sum lookup,
// and exact in the order the samples have (a difference of two large prefix sums is not).
const DIRECT_LIMIT = 256;
const BLOCK = 64;

/** The samples of one metric sorted by time (then value), with lazily built indexes for long windows. */
class SampleColumns {
  private prefix: Float64Array | undefined;
  private blockMinimum: Float64Array | undefined;
  private blockMaximum: Float64Array | undefined;
  // Evaluations advance through time, so the next window starts and ends near the previous one.
  private startHint = 0;
  private endHint = 0;

  private constructor(
    private readonly times: Float64Array,
    private readonly values: Float64Array,
  ) {}

  /** The samples of several series of one metric, merged and sorted. */
  static of(list: readonly MetricSeries[]): SampleColumns {
    let total = 0;
    for (const series of list) total += series.samples.length;
    const times = new Float64Array(total);
    const values = new Float64Array(total);
    let i = 0;
    for (const series of list) {
      const samples = series.samples;
      for (let j = 0; j < samples.length; j++) {
        const sample = samples[j] as readonly [number, number];
        times[i] = sample[0];
        values[i] = sample[1];
        i++;
      }
    }
    if (isSorted(times, values)) return new SampleColumns(times, values);
    const sorted = sortByTimeThenValue(times, values);
    return new SampleColumns(sorted.times, sorted.values);
  }

  /** Index of the first sample at or after `time`. */
  private startIndex(time: number): number {
    this.startHint = lowerBound(this.times, time, this.startHint);
    return this.startHint;
  }

  /** Index of the first sample at or after `time`, i.e. just past a window ending (exclusively) there. */
  private endIndex(time: number): number {
    this.endHint = lowerBound(this.times, time, this.endHint);
    return this.endHint;
  }

  /** The statistic over the samples in [start, end); undefined when there is none or no value. */
  window(statistic: Statistic, start: number, end: number): Datapoint | undefined {
    const from = this.startIndex(start);
    const to = this.endIndex(end);
    if (to <= from) return undefined;
    const value = this.aggregate(statistic, from, to);
    return value === undefined ? undefined : { value, sampleCount: to - from };
  }

  /** The statistic over samples [from, to), a non-empty range. */
  private aggregate(statistic: Statistic, from: number, to: number): number | undefined {
    switch (statistic.kind) {
      case 'SampleCount':
        return to - from;
      case 'Sum':
        return this.sum(from, to);
      case 'Average':
        return this.sum(from, to) / (to - from);
      case 'Minimum':
        return this.extreme(from, to, -1);
      case 'Maximum':
        return this.extreme(from, to, 1);
      default:
        return aggregateSorted(statistic, sortedWindow(this.values, from, to), to - from);
    }
  }

  private sum(from: number, to: number): number {
    if (to - from <= DIRECT_LIMIT) {
      let total = 0;
      for (let i = from; i < to; i++) total += at(this.values, i);
      return total;
    }
    this.prefix ??= prefixSums(this.values);
    return at(this.prefix, to) - at(this.prefix, from);
  }

  /** The minimum (sign -1) or maximum (sign 1) over [from, to). */
  private extreme(from: number, to: number, sign: 1 | -1): number {
    const values = this.values;
    if (to - from <= DIRECT_LIMIT) return scanExtreme(values, from, to, sign);
    if (!this.blockMinimum || !this.blockMaximum) {
      this.blockMinimum = blockExtremes(values, -1);
      this.blockMaximum = blockExtremes(values, 1);
    }
    const blocks = sign === 1 ? this.blockMaximum : this.blockMinimum;
    const firstFull = Math.ceil(from / BLOCK);
    const lastFull = Math.floor(to / BLOCK);
    let best = scanExtreme(values, from, Math.min(firstFull * BLOCK, to), sign);
    for (let block = firstFull; block < lastFull; block++) best = pick(best, at(blocks, block), sign);
    return pick(best, scanExtreme(values, Math.max(lastFull * BLOCK, from), to, sign), sign);
  }
}

// Percentile-family windows are sorted in one reused buffer: they are read once per evaluation.
let windowBuffer = new Float64Array(1024);

/** The window's own samples, sorted, at the start of a buffer valid until the next call. */
function sortedWindow(values: Float64Array, from: number, to: number): Float64Array {
  const count = to - from;
  if (windowBuffer.length < count) windowBuffer = new Float64Array(Math.max(count, windowBuffer.length * 2));
  const window = windowBuffer;
  if (count > INSERTION_SORT_LIMIT) {
    const sorted = values.slice(from, to).sort();
    window.set(sorted);
    return window;
  }
  for (let i = 0; i < count; i++) {
    const value = at(values, from + i);
    let j = i - 1;
    while (j >= 0 && at(window, j) > value) {
      window[j + 1] = at(window, j);
      j--;
    }
    window[j + 1] = value;
  }
  return window;
}

const INSERTION_SORT_LIMIT = 32;

function isSorted(times: Float64Array, values: Float64Array): boolean {
  for (let i = 1; i < times.length; i++) {
    const previous = at(times, i - 1);
    const current = at(times, i);
    if (previous > current || (previous === current && at(values, i - 1) > at(values, i))) return false;
  }
  return true;
}

// Ties on time are ordered by value so that the same samples, given in any order, index identically.
function sortByTimeThenValue(
  times: Float64Array,
  values: Float64Array,
): { times: Float64Array; values: Float64Array } {
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => at(times, a) - at(times, b) || at(values, a) - at(values, b));
  const sortedTimes = new Float64Array(order.length);
  const sortedValues = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const source = order[i] as number;
    sortedTimes[i] = at(times, source);
    sortedValues[i] = at(values, source);
  }
  return { times: sortedTimes, values: sortedValues };
}

/**
 * The first index whose time is at or after `time`, searched outwards from `hint` with doubling
 * steps and then halved: O(1) when the answer moved a little since the last search, O(log n) always.
 */
function lowerBound(times: Float64Array, time: number, hint: number): number {
  const n = times.length;
  // Invariant: the answer is in (low, high]; times[low] < time (or low = -1), times[high] >= time (or high = n).
  let low: number;
  let high: number;
  if (hint < n && at(times, hint) < time) {
    low = hint;
    let step = 1;
    high = hint + 1;
    while (high < n && at(times, high) < time) {
      low = high;
      step *= 2;
      high = low + step;
    }
    high = Math.min(high, n);
  } else {
    high = Math.min(hint, n);
    let step = 1;
    low = high - 1;
    while (low >= 0 && at(times, low) >= time) {
      high = low;
      step *= 2;
      low = high - step;
    }
    low = Math.max(low, -1);
  }
  while (high - low > 1) {
    const middle = low + ((high - low) >> 1);
    if (at(times, middle) < time) low = middle;
    else high = middle;
  }
  return high;
}

function prefixSums(values: Float64Array): Float64Array {
  const prefix = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) prefix[i + 1] = at(prefix, i) + at(values, i);
  return prefix;
}

function blockExtremes(values: Float64Array, sign: 1 | -1): Float64Array {
  const blocks = new Float64Array(Math.ceil(values.length / BLOCK));
  for (let block = 0; block < blocks.length; block++) {
    blocks[block] = scanExtreme(values, block * BLOCK, Math.min((block + 1) * BLOCK, values.length), sign);
  }
  return blocks;
}

function scanExtreme(values: Float64Array, from: number, to: number, sign: 1 | -1): number {
  let best = sign === 1 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (let i = from; i < to; i++) best = pick(best, at(values, i), sign);
  return best;
}

function pick(a: number, b: number, sign: 1 | -1): number {
  return sign === 1 ? (b > a ? b : a) : b < a ? b : a;
}

/** Reads an index the caller has bounds-checked (typed arrays are typed `number | undefined` here). */
function at(values: Float64Array, index: number): number {
  return values[index] as number;
}
