import type {
  ComparisonOperator,
  MetricAlarmDefinition,
  MetricStat,
  UnsupportedFeature,
} from './alarm-definition';
import { compileMetricQueries } from './compile-queries';
import type { AlarmDatapoint, CompiledAlarmMetric, Datapoint, MetricSource } from './compiled-metric';
import { readerOf } from './metric-source';
import { parseStatistic, percentileFraction } from './statistics';

const MISSING: AlarmDatapoint = Object.freeze({ value: undefined });

const BAND_OPERATORS: ReadonlySet<ComparisonOperator> = new Set([
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
]);

/**
 * Compiles what a metric alarm compares: its single metric here, a `Metrics` array (metric math,
 * Metrics Insights, anomaly band) through {@link compileMetricQueries}. An alarm that PutMetricAlarm
 * would reject, or that reads a statistic the engine does not compute, comes back as the list of
 * reasons instead, so it is left out of the results rather than evaluated wrongly.
 */
export function compileAlarmMetric(alarm: MetricAlarmDefinition): CompiledAlarmMetric | UnsupportedFeature[] {
  const problems = definitionProblems(alarm).map((feature) => ({ alarm: alarm.name, feature }));
  if (problems.length > 0) return problems;
  if (alarm.metrics) return compileMetricQueries(alarm);
  const stat = alarm.metricStat as MetricStat;
  const statistic = parseStatistic(stat.stat);
  // A backtest reads one source for its whole run: resolve the stat against it once.
  let reading: MetricSource | undefined;
  let read: (end: number) => Datapoint | undefined = () => undefined;
  return {
    period: stat.period,
    approximate: false,
    dynamoDb: stat.metric.namespace === 'AWS/DynamoDB',
    percentile: statistic.kind === 'unsupported' ? undefined : percentileFraction(statistic),
    datapoint: (source, end) => {
      if (source !== reading) {
        reading = source;
        read = readerOf(source, stat);
      }
      return read(end) ?? MISSING;
    },
  };
}

/** What PutMetricAlarm would refuse (its documented constraints), and statistics the engine cannot compute. */
function definitionProblems(alarm: MetricAlarmDefinition): string[] {
  const problems: string[] = [];
  if ((alarm.metricStat === undefined) === (alarm.metrics === undefined)) {
    problems.push('an alarm needs exactly one of a single metric and a Metrics array');
  }
  const periods = alarm.evaluationPeriods;
  if (!Number.isInteger(periods) || periods < 1) {
    problems.push(`EvaluationPeriods must be a whole number of at least 1 (got ${periods})`);
  }
  const toAlarm = alarm.datapointsToAlarm ?? periods;
  if (!Number.isInteger(toAlarm) || toAlarm < 1 || toAlarm > periods) {
    problems.push(`DatapointsToAlarm must be between 1 and EvaluationPeriods (${periods}) (got ${toAlarm})`);
  }
  if (BAND_OPERATORS.has(alarm.comparisonOperator)) {
    if (alarm.thresholdMetricId === undefined) {
      problems.push(`${alarm.comparisonOperator} compares with an anomaly band and needs ThresholdMetricId`);
    }
  } else if (alarm.threshold === undefined) {
    problems.push(`${alarm.comparisonOperator} needs a Threshold`);
  }
  const stats = alarm.metricStat
    ? [alarm.metricStat]
    : (alarm.metrics ?? []).flatMap((query) => query.metricStat ?? []);
  for (const stat of stats) {
    const statistic = parseStatistic(stat.stat);
    if (statistic.kind === 'unsupported') problems.push(`statistic ${statistic.name}: ${statistic.problem}`);
    // MetricStat `Period`: "Valid values are 10, 20, 30, and any multiple of 60" (PutMetricAlarm).
    if (
      !(
        stat.period === 10 ||
        stat.period === 20 ||
        stat.period === 30 ||
        (stat.period > 0 && stat.period % 60 === 0)
      )
    ) {
      problems.push(`period ${stat.period} s: must be 10, 20, 30 or a multiple of 60`);
    }
    // "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms with a
    // period of less than one hour (3,600 seconds), the total evaluation period can't be longer than
    // one day (86,400 seconds)." (PutMetricAlarm `Period`)
    const span = stat.period * periods;
    if (span > 604_800 || (stat.period < 3600 && span > 86_400)) {
      problems.push(`Period × EvaluationPeriods (${span} s) is over PutMetricAlarm's limit`);
    }
  }
  return problems;
}
