import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmMetricQuery } from '../../shared/alarm-change';
import type { BreachData, Datapoint } from '../enriched-alert';
import type { MetricAlarmView } from './alarm-target';
import { withValidQueryIds } from './query-ids';

const HOUR_MS = 3600_000;
const DEFAULT_PERIOD_SECONDS = 60;
/** Enough to read a trend in a chat message, few enough to fit in one. */
const MAX_DATAPOINTS = 30;
/** Three hours of one-minute data fit in one page; more pages mean something unexpected. */
const MAX_PAGES = 5;

export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

/** Three hours before the transition and one period after it, so the breaching period is in view. */
export function metricWindow(view: Pick<MetricAlarmView, 'changedAt' | 'metrics'>): TimeWindow {
  const changedAt = Date.parse(view.changedAt);
  const periods = view.metrics.map((query) => query.metricStat?.period ?? query.period ?? 0);
  const period = Math.max(DEFAULT_PERIOD_SECONDS, ...periods);
  return { start: new Date(changedAt - 3 * HOUR_MS), end: new Date(changedAt + period * 1000) };
}

/** The series the alarm compares, around the transition (GetMetricData, every page). */
export async function getBreachData(
  cloudWatch: CloudWatchClient,
  alarm: MetricAlarmView,
  signal: AbortSignal,
): Promise<BreachData> {
  // Queried, and its results matched, under ids GetMetricData accepts (an event's may be a UUID).
  const view = withValidQueryIds(alarm);
  const window = metricWindow(view);
  const series = new Map<string, Series>();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: view.metrics.map(toMetricDataQuery),
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    for (const result of response.MetricDataResults ?? []) {
      // A query can return several series under one id (an anomaly band is two), told apart by label.
      const key = `${result.Id}\u0000${result.Label ?? ''}`;
      const entry = series.get(key) ?? { id: result.Id ?? '', label: result.Label, points: [] };
      series.set(key, entry);
      (result.Timestamps ?? []).forEach((timestamp, i) => {
        const value = result.Values?.[i];
        if (value !== undefined) entry.points.push({ at: timestamp.getTime(), value });
      });
    }
    nextToken = response.NextToken;
    if (!nextToken) break;
  }

  const compared = view.metrics.find((query) => query.returnData && query.id !== view.thresholdMetricId);
  const comparedSeries = [...series.values()].find((entry) => entry.id === compared?.id);
  const datapoints: Datapoint[] = sortedPoints(comparedSeries)
    .slice(-MAX_DATAPOINTS)
    .map((point) => ({ timestamp: new Date(point.at).toISOString(), value: point.value }));
  const band = view.thresholdMetricId
    ? bandAt(
        [...series.values()].filter((entry) => entry.id === view.thresholdMetricId),
        Date.parse(view.changedAt),
      )
    : undefined;
  return {
    label: compared?.label ?? comparedSeries?.label ?? compared?.metricStat?.metricName ?? compared?.id ?? '',
    datapoints,
    period: periodOf(compared, view.metrics),
    threshold: view.threshold,
    lowerBound: band?.lower,
    upperBound: band?.upper,
  };
}

/** Seconds per datapoint of the compared entry: its own, or for an expression without one its inputs'. */
function periodOf(
  compared: AlarmMetricQuery | undefined,
  metrics: readonly AlarmMetricQuery[],
): number | undefined {
  const own = compared?.metricStat?.period ?? compared?.period;
  if (own !== undefined || compared === undefined) return own;
  const inputs = metrics.flatMap((query) => (query.metricStat ? [query.metricStat.period] : []));
  return inputs.length > 0 ? Math.max(...inputs) : undefined;
}

interface Series {
  readonly id: string;
  readonly label?: string;
  readonly points: { at: number; value: number }[];
}

function sortedPoints(series: Series | undefined): Series['points'] {
  return [...(series?.points ?? [])].sort((a, b) => a.at - b.at);
}

function toMetricDataQuery(query: AlarmMetricQuery): MetricDataQuery {
  const stat = query.metricStat;
  return {
    Id: query.id,
    Label: query.label,
    ReturnData: query.returnData,
    Expression: query.expression,
    // GetMetricData accepts a query-level period only for expressions.
    Period: query.expression ? query.period : undefined,
    MetricStat: stat && {
      Metric: {
        Namespace: stat.namespace,
        MetricName: stat.metricName,
        Dimensions: Object.entries(stat.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: stat.period,
      Stat: stat.stat,
      Unit: stat.unit as StandardUnit | undefined,
    },
  };
}

/**
 * The band's edges at the last point at or before the transition (the first, when all are after):
 * CloudWatch returns the band as two series under the band's id, and which is the upper one is read
 * from the values rather than from labels that vary with the metric's own label.
 */
function bandAt(band: readonly Series[], at: number): { lower: number; upper: number } | undefined {
  const [first, second] = band.map(sortedPoints);
  if (!first || !second) return undefined;
  const other = new Map(second.map((point) => [point.at, point.value]));
  const paired = first.filter((point) => other.has(point.at));
  const point = paired.filter((candidate) => candidate.at <= at).at(-1) ?? paired[0];
  const otherValue = point && other.get(point.at);
  if (point === undefined || otherValue === undefined) return undefined;
  return { lower: Math.min(point.value, otherValue), upper: Math.max(point.value, otherValue) };
}
