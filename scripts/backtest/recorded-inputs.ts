import type {
  AlarmDefinition,
  MetricAlarmDefinition,
  MetricIdentity,
  MetricSeries,
  MetricStat,
  UnsupportedFeature,
} from '../../constructs/alarm-engine/alarm-definition';
import { compositeChildren, withCompositesAbove } from './composite-children';
import { insightsMatches, isInsightsQuery, parseInsightsSelection } from './insights-query';
import { INSIGHTS_STATISTIC } from './metric-reads';
import type { RecordedMetric } from './metrics-file';

/** What the engine is given, and what the CLI says about it. */
export interface EvaluationInputs {
  readonly definitions: readonly AlarmDefinition[];
  readonly series: readonly MetricSeries[];
  /** Alarms whose results are approximate because of how their data was recorded, and why. */
  readonly approximate: ReadonlyMap<string, string>;
  /** Alarms the recorded data cannot evaluate; left out of `definitions`. */
  readonly unsupported: readonly UnsupportedFeature[];
}

/**
 * Statistics whose one-minute datapoints re-aggregate exactly into any longer period: the Sum of
 * Sums, the Maximum of Maximums, the Minimum of Minimums, and SampleCount as the Sum of counts.
 * An Average of Averages weights every minute alike, and a percentile of percentiles is not the
 * percentile of the samples: alarms on those are approximate.
 */
const EXACT_STATISTICS = new Set(['Sum', 'Maximum', 'Minimum', 'SampleCount']);

/**
 * A dimension the engine matches like any other, keeping datapoints of two statistics of one metric
 * apart. It is never sent to AWS and only has to differ from every real dimension name.
 */
const STATISTIC_DIMENSION = 'vigil:statistic';

const key = (metric: MetricIdentity, unit: string | undefined) =>
  JSON.stringify([
    metric.namespace,
    metric.metricName,
    Object.entries(metric.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    unit ?? null,
  ]);

interface Group {
  readonly byStatistic: ReadonlyMap<string, RecordedMetric>;
  /** The statistic kept under the metric's own identity (what Metrics Insights queries see). */
  readonly own: string;
}

/**
 * The engine's inputs from recorded metrics. Raw samples pass through. Datapoints recorded with a
 * `statistic` become samples at their timestamps, and each alarm reading that metric is rewritten
 * to aggregate them the way that re-creates its statistic (SampleCount → Sum of counts).
 */
export function evaluationInputs(
  definitions: readonly AlarmDefinition[],
  recorded: readonly RecordedMetric[],
  alreadyUnsupported: readonly UnsupportedFeature[] = [],
): EvaluationInputs {
  const groups = groupAggregated(recorded);
  const series: MetricSeries[] = recorded.map((entry) => {
    const group = entry.statistic === undefined ? undefined : groups.get(key(entry, entry.unit));
    const { statistic, period, ...metric } = entry;
    if (group === undefined || statistic === group.own) return metric;
    return { ...metric, dimensions: { ...metric.dimensions, [STATISTIC_DIMENSION]: statistic ?? '' } };
  });
  const approximate = new Map<string, string>();
  const problems = new Map(alreadyUnsupported.map((entry) => [entry.alarm, entry.feature]));
  const rewritten = definitions.map((definition) => {
    if (definition.kind !== 'metric' || problems.has(definition.name)) return definition;
    const notes = { approximate: [] as string[], problems: [] as string[] };
    const result = rewriteAlarm(definition, groups, notes);
    if (notes.problems.length > 0) problems.set(definition.name, notes.problems.join('; '));
    else if (notes.approximate.length > 0) approximate.set(definition.name, notes.approximate.join('; '));
    return result;
  });

  const children = compositeChildren(definitions);
  const dropped = withCompositesAbove(new Set(problems.keys()), children);
  const unsupported: UnsupportedFeature[] = [...dropped].map(([alarm, over]) => ({
    alarm,
    feature: problems.get(alarm) ?? `rule reads alarms left out: ${over.join(', ')}`,
  }));
  for (const [composite, over] of withCompositesAbove(new Set(approximate.keys()), children)) {
    if (!approximate.has(composite))
      approximate.set(composite, `reads approximate alarms: ${over.join(', ')}`);
  }
  return {
    definitions: rewritten.filter((definition) => !dropped.has(definition.name)),
    series,
    approximate,
    unsupported,
  };
}

function groupAggregated(recorded: readonly RecordedMetric[]): Map<string, Group> {
  const byKey = new Map<string, Map<string, RecordedMetric>>();
  for (const entry of recorded) {
    if (entry.statistic === undefined) continue;
    const k = key(entry, entry.unit);
    const byStatistic = byKey.get(k) ?? new Map<string, RecordedMetric>();
    byStatistic.set(entry.statistic, entry);
    byKey.set(k, byStatistic);
  }
  const groups = new Map<string, Group>();
  for (const [k, byStatistic] of byKey) {
    const statistics = [...byStatistic.keys()].sort();
    const own =
      ['Sum', 'Maximum', 'Minimum', 'SampleCount'].find((s) => byStatistic.has(s)) ?? statistics[0] ?? '';
    groups.set(k, { byStatistic, own });
  }
  return groups;
}

function rewriteAlarm(
  definition: MetricAlarmDefinition,
  groups: ReadonlyMap<string, Group>,
  notes: { approximate: string[]; problems: string[] },
): MetricAlarmDefinition {
  const rewriteStat = (stat: MetricStat): MetricStat => {
    const group = groups.get(key(stat.metric, stat.unit));
    if (group === undefined) return stat;
    const entry = group.byStatistic.get(stat.stat);
    const name = `${stat.metric.namespace} ${stat.metric.metricName}`;
    if (entry?.period === undefined) {
      notes.problems.push(
        `reads ${stat.stat} of ${name}, recorded only as ${[...group.byStatistic.keys()].join(', ')} datapoints`,
      );
      return stat;
    }
    if (stat.period % entry.period !== 0) {
      notes.problems.push(
        `reads ${name} at a ${stat.period} s period; its datapoints were recorded at ${entry.period} s`,
      );
      return stat;
    }
    if (!EXACT_STATISTICS.has(stat.stat)) {
      notes.approximate.push(
        `${stat.stat} of ${name} recomputed from ${entry.period}-second ${stat.stat} datapoints`,
      );
    }
    return {
      ...stat,
      stat: stat.stat === 'SampleCount' ? 'Sum' : stat.stat,
      metric:
        stat.stat === group.own
          ? stat.metric
          : { ...stat.metric, dimensions: { ...stat.metric.dimensions, [STATISTIC_DIMENSION]: stat.stat } },
    };
  };
  for (const query of definition.metrics ?? []) {
    if (query.expression !== undefined && isInsightsQuery(query.expression)) {
      checkInsights(query.expression, groups, notes);
    }
  }
  return {
    ...definition,
    ...(definition.metricStat ? { metricStat: rewriteStat(definition.metricStat) } : {}),
    ...(definition.metrics
      ? {
          metrics: definition.metrics.map((query) =>
            query.metricStat ? { ...query, metricStat: rewriteStat(query.metricStat) } : query,
          ),
        }
      : {}),
  };
}

/** An Insights query aggregates whatever samples it finds: they must be datapoints of its function. */
function checkInsights(
  expression: string,
  groups: ReadonlyMap<string, Group>,
  notes: { approximate: string[]; problems: string[] },
): void {
  const selection = parseInsightsSelection(expression);
  if (typeof selection === 'string') return;
  const wanted = INSIGHTS_STATISTIC[selection.fn];
  for (const group of groups.values()) {
    const sample = group.byStatistic.values().next().value;
    if (sample === undefined || !insightsMatches(selection, sample)) continue;
    if (selection.fn === 'COUNT') {
      notes.problems.push(
        'COUNT() in a Metrics Insights query cannot be recomputed from recorded datapoints',
      );
      return;
    }
    if (group.own !== wanted) {
      notes.problems.push(
        `Metrics Insights ${selection.fn}(${selection.metricName}) reads ${group.own} datapoints, not ${wanted}`,
      );
      return;
    }
    if (!EXACT_STATISTICS.has(wanted ?? '')) {
      notes.approximate.push(
        `${selection.fn}(${selection.metricName}) recomputed from per-period ${wanted} datapoints`,
      );
      return;
    }
  }
}
