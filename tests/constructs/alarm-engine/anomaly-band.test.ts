import { anomalyBand, TRAINING_DAYS } from '../../../constructs/alarm-engine/anomaly-band';
import type { MetricSource } from '../../../constructs/alarm-engine/compiled-metric';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PERIOD_S = 300;
const source: MetricSource = { datapoint: () => undefined, series: () => [] };
const END = 30 * DAY + 10 * HOUR + 5 * 60_000; // a window starting at 10:00 UTC

describe('anomaly band (approximation of CloudWatch_Anomaly_Detection)', () => {
  it('is mean ± k·σ of the same hour of day over the previous 14 days', () => {
    // 10:00–11:00 UTC alternates 90 and 110 by day; every other hour is 1000 (not the same hour).
    const input = (_s: MetricSource, end: number) => {
      const start = end - PERIOD_S * 1000;
      if (Math.floor((start % DAY) / HOUR) !== 10) return 1000;
      return Math.floor(start / DAY) % 2 === 0 ? 90 : 110;
    };
    const [lower, upper] = anomalyBand(input, PERIOD_S, 2)(source, END) ?? [Number.NaN, Number.NaN];
    expect(lower).toBeCloseTo(80);
    expect(upper).toBeCloseTo(120);
  });

  it('reads only the 14 days before the window, never the window itself or later', () => {
    const read: number[] = [];
    const input = (_s: MetricSource, end: number) => {
      read.push(end);
      return 5;
    };
    anomalyBand(input, PERIOD_S, 2)(source, END);
    expect(Math.max(...read)).toBeLessThanOrEqual(END - DAY + HOUR);
    expect(Math.min(...read)).toBeGreaterThanOrEqual(END - TRAINING_DAYS * DAY - HOUR);
    expect(read).toHaveLength(TRAINING_DAYS * 12);
  });

  it('a wider threshold gives a thicker band; a never-negative metric never gets a negative lower limit', () => {
    const input = (_s: MetricSource, end: number) => (Math.floor(end / DAY) % 2 === 0 ? 0 : 10);
    const narrow = anomalyBand(input, PERIOD_S, 1)(source, END);
    const wide = anomalyBand(input, PERIOD_S, 4)(source, END);
    expect(narrow).toEqual([0, 10]);
    expect(wide).toEqual([0, 25]);
  });

  it('has no band before there is enough history', () => {
    // Two datapoints in 14 days: fewer than the 3 we require.
    const input = (_s: MetricSource, end: number) =>
      end === END - DAY || end === END - 2 * DAY ? 1 : undefined;
    expect(anomalyBand(input, PERIOD_S, 2)(source, END)).toBeUndefined();
  });
});
