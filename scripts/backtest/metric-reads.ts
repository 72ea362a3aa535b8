import type {
  AlarmDefinition,
  MetricAlarmDefinition,
  MetricStat,
  UnsupportedFeature,
} from '../../constructs/alarm-engine/alarm-definition';
import { type InsightsSelection, isInsightsQuery, parseInsightsSelection } from './insights-query';

/** A metric an alarm reads, with the alarm's period and statistic. */
export interface StatRead {
  readonly alarm: string;
  readonly stat: MetricStat;
}

/** A Metrics Insights query an alarm runs, whose series are found with ListMetrics. */
export interface InsightsRead {
  readonly alarm: string;
  readonly selection: InsightsSelection;
  /** Seconds: the query's `Period`. */
  readonly period: number;
}

/** Every metric the metric alarms read, and the queries whose series must be discovered. */
export interface MetricReads {
  readonly stats: readonly StatRead[];
  readonly insights: readonly InsightsRead[];
  /** Alarms whose reads cannot be worked out (an Insights query this reader does not understand). */
  readonly unsupported: readonly UnsupportedFeature[];
}

/** The CloudWatch statistic whose one-minute datapoints re-aggregate into each Insights function. */
export const INSIGHTS_STATISTIC: Readonly<Record<string, string>> = {
  SUM: 'Sum',
  MAX: 'Maximum',
  MIN: 'Minimum',
  AVG: 'Average',
  COUNT: 'SampleCount',
};

/** What the metric alarms among `definitions` read. */
export function metricReads(definitions: readonly AlarmDefinition[]): MetricReads {
  const stats: StatRead[] = [];
  const insights: InsightsRead[] = [];
  const unsupported: UnsupportedFeature[] = [];
  for (const definition of definitions) {
    if (definition.kind !== 'metric') continue;
    if (definition.metricStat) stats.push({ alarm: definition.name, stat: definition.metricStat });
    for (const query of definition.metrics ?? []) {
      if (query.metricStat) stats.push({ alarm: definition.name, stat: query.metricStat });
      if (query.expression === undefined || !isInsightsQuery(query.expression)) continue;
      const selection = parseInsightsSelection(query.expression);
      const period = query.period ?? alarmPeriod(definition);
      if (typeof selection === 'string' || INSIGHTS_STATISTIC[selection.fn] === undefined || !period) {
        const why = typeof selection === 'string' ? selection : `function ${selection.fn}`;
        unsupported.push({
          alarm: definition.name,
          feature: `--live cannot find the series of Metrics Insights query ${query.id} (${period ? why : 'no Period'})`,
        });
        continue;
      }
      insights.push({ alarm: definition.name, selection, period });
    }
  }
  return { stats, insights, unsupported };
}

/** The period of a metric alarm's datapoints: its metric's, or the first query's that states one. */
export function alarmPeriod(definition: MetricAlarmDefinition): number | undefined {
  if (definition.metricStat) return definition.metricStat.period;
  for (const query of definition.metrics ?? []) {
    const period = query.period ?? query.metricStat?.period;
    if (period !== undefined) return period;
  }
  return undefined;
}

/**
 * How far before the first evaluation its datapoints reach. "CloudWatch attempts to retrieve a
 * higher number of data points than the number specified as Evaluation Periods" (AlarmThatSendsEmail.md,
 * "How alarm state is evaluated when data is missing"); the guide does not give the rule, only an
 * example of 5 for 3. Not documented: we read max(N + 2, 2N) periods, which holds that example.
 */
export function lookbackMs(definitions: readonly AlarmDefinition[]): number {
  let longest = 0;
  for (const definition of definitions) {
    if (definition.kind !== 'metric') continue;
    const period = alarmPeriod(definition) ?? 60;
    const n = definition.evaluationPeriods;
    longest = Math.max(longest, period * Math.max(n + 2, 2 * n));
  }
  return longest * 1000;
}
