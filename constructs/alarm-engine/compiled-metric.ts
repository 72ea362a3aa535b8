import type { MetricSeries, MetricStat } from './alarm-definition';

/** One aggregated datapoint: the statistic's value over a window and how many samples it had. */
export interface Datapoint {
  /** The statistic's value over the window, in the unit the samples were published with. */
  readonly value: number;
  /** How many samples fell in the window (CloudWatch's `SampleCount`). */
  readonly sampleCount: number;
}

/** The metric samples an evaluation reads, aggregated over any window. */
export interface MetricSource {
  /** `stat` over the window `[end - stat.period s, end)`; undefined when no sample fell in it. */
  datapoint(stat: MetricStat, end: number): Datapoint | undefined;
  /** Every series held (Metrics Insights queries search them). */
  series(): readonly MetricSeries[];
}

/** What an alarm compares at one evaluation, for one datapoint window ending at `end`. */
export interface AlarmDatapoint {
  /** The value compared with the threshold; undefined when the datapoint is missing. */
  readonly value: number | undefined;
  /** The band, for an alarm whose threshold is an anomaly band. */
  readonly band?: readonly [lower: number, upper: number];
  /** Samples behind a single-metric percentile datapoint (for EvaluateLowSampleCountPercentile). */
  readonly sampleCount?: number;
}

/** An alarm's metric, single or math, compiled once and then read at any window end. */
export interface CompiledAlarmMetric {
  /** Seconds covered by one datapoint. */
  readonly period: number;
  /** True when a value is an approximation (anomaly bands): every output says so. */
  readonly approximate: boolean;
  /** Whether any metric read is in the `AWS/DynamoDB` namespace (missing data is always ignored). */
  readonly dynamoDb: boolean;
  /** Percentile of a single-metric percentile alarm (0.99 for p99), for the low-sample rule. */
  readonly percentile?: number;
  /** The value (or band) the alarm compares for the window ending at `end` (epoch ms), read from `source`. */
  datapoint(source: MetricSource, end: number): AlarmDatapoint;
}
