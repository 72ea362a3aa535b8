/**
 * An APPROXIMATION of CloudWatch's anomaly detection band. CloudWatch's model is not public: the
 * User Guide says only that it "applies machine learning algorithms to the metric's past data",
 * "assesses both trends and hourly, daily, and weekly patterns", "trains on up to two weeks of
 * metric data", that a higher threshold "produces a thicker band", and that a band for a
 * statistic that can't be negative "will never extend below zero" (CloudWatch_Anomaly_Detection.md,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html).
 *
 * What we compute instead (our assumption, not CloudWatch's algorithm): for the window starting in
 * UTC hour h of the day, the mean ± k·σ (population standard deviation) of the metric's datapoints
 * that started in the same hour of the day on each of the 14 previous days. Every alarm using it
 * is flagged `approximate`.
 */
import type { MetricSource } from './compiled-metric';
import type { Evaluate } from './metric-math';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** "The algorithm trains on up to two weeks of metric data" (CloudWatch_Anomaly_Detection.md). */
export const TRAINING_DAYS = 14;
/**
 * Not documented: how much history a new model needs. We assume 3 datapoints; with fewer the
 * band is missing, which the alarm sees as a missing datapoint.
 */
export const MIN_TRAINING_DATAPOINTS = 3;
/** "If you don't specify this argument, the default of 2 is used" (using-metric-math, ANOMALY_DETECTION_BAND). */
export const DEFAULT_BAND_DEVIATIONS = 2;

/** Lower and upper limits of the expected values. */
export type Band = readonly [lower: number, upper: number];

/**
 * The band for each window of `input` (period `periodSeconds`), `deviations` standard deviations
 * wide on each side. Bands are cached per source and hour, input values per source and window.
 */
export function anomalyBand(
  input: Evaluate<number | undefined>,
  periodSeconds: number,
  deviations: number,
): Evaluate<Band | undefined> {
  const periodMs = periodSeconds * 1000;
  const values = new WeakMap<MetricSource, Map<number, number | undefined>>();
  const bands = new WeakMap<MetricSource, Map<number, Band | undefined>>();

  const valueAt = (source: MetricSource, end: number): number | undefined => {
    let cache = values.get(source);
    if (cache === undefined) {
      cache = new Map();
      values.set(source, cache);
    }
    if (cache.has(end)) return cache.get(end);
    const value = input(source, end);
    cache.set(end, value);
    return value;
  };

  const train = (source: MetricSource, hourStart: number): Band | undefined => {
    const history: number[] = [];
    for (let day = 1; day <= TRAINING_DAYS; day++) {
      const from = hourStart - day * DAY_MS;
      // Windows on the period grid (aligned to the epoch) that start within that hour.
      for (let start = Math.ceil(from / periodMs) * periodMs; start < from + HOUR_MS; start += periodMs) {
        const value = valueAt(source, start + periodMs);
        if (value !== undefined) history.push(value);
      }
    }
    if (history.length < MIN_TRAINING_DATAPOINTS) return undefined;
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    const variance = history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length;
    const spread = deviations * Math.sqrt(variance);
    const neverNegative = history.every((v) => v >= 0);
    return [neverNegative ? Math.max(0, mean - spread) : mean - spread, mean + spread];
  };

  return (source, end) => {
    const hourStart = Math.floor((end - periodMs) / HOUR_MS) * HOUR_MS;
    let cache = bands.get(source);
    if (cache === undefined) {
      cache = new Map();
      bands.set(source, cache);
    }
    if (cache.has(hourStart)) return cache.get(hourStart);
    const band = train(source, hourStart);
    cache.set(hourStart, band);
    return band;
  };
}
