import type {
  AlarmDefinition,
  AlarmState,
  MetricIdentity,
  MetricSeries,
  MetricStat,
} from './alarm-definition';
import { AlarmEngine, type AlarmEngineOptions, type EngineTransition } from './alarm-engine';
import type { Datapoint, MetricSource } from './compiled-metric';
import { aggregateSorted, parseStatistic, type Statistic } from './statistics';

/** A clock that moves only when told to: an hour of incident takes no time at all. */
export class SimulatedClock {
  private current: number;

  constructor(start: number | string) {
    this.current = typeof start === 'string' ? Date.parse(start) : start;
    if (!Number.isFinite(this.current)) throw new Error(`not a time: ${String(start)}`);
  }

  /** Epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** Moves the clock forward (never back) and returns the new time. */
  advance(milliseconds: number): number {
    if (!(milliseconds >= 0)) throw new Error(`the clock only moves forward (got ${milliseconds} ms)`);
    this.current += milliseconds;
    return this.current;
  }

  /** Moves the clock to `at`, which must not be in the past. */
  set(at: number): void {
    this.advance(at - this.current);
  }
}

/**
 * Samples published while a simulation runs, as a {@link MetricSource}. Samples may arrive in any
 * order; windows are read by binary search over each metric's samples kept sorted by time.
 */
export class MetricFeed implements MetricSource {
  private readonly metrics = new Map<string, FeedMetric>();
  private readonly statistics = new Map<string, Statistic>();

  /** Publishes one sample of a metric at `at` (epoch ms), like one PutMetricData value. */
  put(identity: MetricIdentity, at: number, value: number, unit?: string): void {
    const key = identityKey(identity);
    let metric = this.metrics.get(key);
    if (!metric) {
      metric = { identity, unit, times: [], values: [] };
      this.metrics.set(key, metric);
    }
    let index = metric.times.length;
    while (index > 0 && (metric.times[index - 1] as number) > at) index--;
    metric.times.splice(index, 0, at);
    metric.values.splice(index, 0, value);
  }

  /** `stat` over `[end - period, end)`; undefined when no sample fell in it. */
  datapoint(stat: MetricStat, end: number): Datapoint | undefined {
    const metric = this.metrics.get(identityKey(stat.metric));
    if (!metric || (stat.unit !== undefined && (metric.unit ?? 'None') !== stat.unit)) return undefined;
    const from = lowerBound(metric.times, end - stat.period * 1000);
    const to = lowerBound(metric.times, end);
    if (to <= from) return undefined;
    const sorted = Float64Array.from(metric.values.slice(from, to)).sort();
    const value = aggregateSorted(this.statistic(stat.stat), sorted);
    return value === undefined ? undefined : { value, sampleCount: to - from };
  }

  /** Everything published so far, in the backtest's `--metrics` shape. */
  series(): MetricSeries[] {
    return [...this.metrics.values()].map((metric) => ({
      ...metric.identity,
      ...(metric.unit === undefined ? {} : { unit: metric.unit }),
      samples: metric.times.map((time, index) => [time, metric.values[index] as number] as const),
    }));
  }

  private statistic(name: string): Statistic {
    const known = this.statistics.get(name);
    if (known) return known;
    const parsed = parseStatistic(name);
    if (parsed.kind === 'unsupported')
      throw new Error(`statistic ${name} is not supported: ${parsed.problem}`);
    this.statistics.set(name, parsed);
    return parsed;
  }
}

interface FeedMetric {
  readonly identity: MetricIdentity;
  readonly unit: string | undefined;
  readonly times: number[];
  readonly values: number[];
}

/**
 * The alarm engine, a clock and a feed together: traffic is published on the clock, and every
 * evaluation CloudWatch would run happens as the clock passes it.
 */
export class AlarmSimulation {
  /** The simulation's time, starting at the `start` given to the constructor; `run` moves it. */
  readonly clock: SimulatedClock;
  /** Where traffic publishes samples (`feed.put`); the engine reads its alarms' metrics from it. */
  readonly feed = new MetricFeed();
  /** The engine evaluating the alarms: subscribe with `onTransition`/`onEvaluation`, or read `state(name)`. */
  readonly engine: AlarmEngine;
  /** Every transition so far, in order. */
  readonly transitions: EngineTransition[] = [];

  constructor(
    definitions: readonly AlarmDefinition[],
    start: number | string,
    options: AlarmEngineOptions = {},
  ) {
    this.clock = new SimulatedClock(start);
    this.engine = new AlarmEngine(definitions, options);
    if (this.engine.unsupported.length > 0) {
      const named = this.engine.unsupported.map((entry) => `${entry.alarm} (${entry.feature})`).join('; ');
      throw new Error(`the simulation cannot evaluate: ${named}`);
    }
    this.engine.onTransition((transition) => this.transitions.push(transition));
  }

  /**
   * Moves the clock to `until` in steps of `step` ms; before each step `traffic(from, to)` publishes
   * what happened in `[from, to)`. Evaluations due on the way run in time order.
   */
  run(until: number, traffic: (from: number, to: number) => void = () => {}, step = 1_000): void {
    while (this.clock.now() < until) {
      const from = this.clock.now();
      const to = Math.min(until, from + step);
      traffic(from, to);
      this.clock.set(to);
      this.engine.advanceTo(this.feed, to, this.started ? undefined : from);
      this.started = true;
    }
  }

  /** Runs until `alarm` is in `state` (checking after each step), or until `deadline`; the time it got there. */
  runUntilState(
    alarm: string,
    state: AlarmState,
    deadline: number,
    traffic: (from: number, to: number) => void = () => {},
    step = 1_000,
  ): number | undefined {
    while (this.clock.now() < deadline) {
      this.run(Math.min(deadline, this.clock.now() + step), traffic, step);
      if (this.engine.state(alarm) === state) {
        const last = [...this.transitions].reverse().find((transition) => transition.alarm === alarm);
        return last?.at ?? this.clock.now();
      }
    }
    return undefined;
  }

  private started = false;
}

function identityKey(identity: MetricIdentity): string {
  const dimensions = Object.keys(identity.dimensions)
    .sort()
    .map((name) => `${name}=${identity.dimensions[name]}`)
    .join(',');
  return `${identity.namespace}\u0000${identity.metricName}\u0000${dimensions}`;
}

function lowerBound(times: readonly number[], value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((times[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
