/**
 * Compiles the `Metrics` array of a metric alarm (metric math, Metrics Insights and anomaly bands)
 * into one CompiledAlarmMetric, parsing every expression once.
 *
 * Which query the alarm watches: PutMetricAlarm, `Metrics`/`ReturnData` — "specify True for the
 * one expression result to use as the alarm", and `ThresholdMetricId` — "the ID of the
 * ANOMALY_DETECTION_BAND function used as the threshold for the alarm"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
import type { MetricAlarmDefinition, MetricDataQuery, UnsupportedFeature } from './alarm-definition';
import { anomalyBand, type Band, DEFAULT_BAND_DEVIATIONS } from './anomaly-band';
import type { CompiledAlarmMetric, MetricSource } from './compiled-metric';
import {
  compileMetricMath,
  type Evaluate,
  type MathNode,
  MathProblem,
  type MathScope,
  type MathValue,
  MetricMathSyntaxError,
  parseMetricMath,
  unsupportedFunctions,
} from './metric-math';
import {
  compileMetricsInsights,
  isMetricsInsightsQuery,
  type MetricsInsightsQuery,
  MetricsInsightsSyntaxError,
  MetricsInsightsUnsupported,
  parseMetricsInsights,
} from './metrics-insights';

const DYNAMODB = 'AWS/DynamoDB';

type Parsed =
  | { readonly kind: 'stat'; readonly query: MetricDataQuery }
  | { readonly kind: 'math'; readonly query: MetricDataQuery; readonly tree: MathNode }
  | { readonly kind: 'insights'; readonly query: MetricDataQuery; readonly insights: MetricsInsightsQuery };

class Problems extends Error {
  constructor(readonly features: readonly string[]) {
    super(features.join('; '));
  }
}

function parseQuery(query: MetricDataQuery): Parsed {
  if (query.metricStat !== undefined && query.expression === undefined) return { kind: 'stat', query };
  const expression = query.expression;
  if (expression === undefined || query.metricStat !== undefined) {
    throw new Problems([`query "${query.id}" must have exactly one of Expression and MetricStat`]);
  }
  try {
    if (isMetricsInsightsQuery(expression)) {
      return { kind: 'insights', query, insights: parseMetricsInsights(expression) };
    }
    return { kind: 'math', query, tree: parseMetricMath(expression) };
  } catch (e) {
    if (e instanceof MetricMathSyntaxError || e instanceof MetricsInsightsSyntaxError) {
      throw new Problems([`query "${query.id}": invalid expression: ${e.message}`]);
    }
    if (e instanceof MetricsInsightsUnsupported) throw new Problems([`query "${query.id}": ${e.feature}`]);
    throw e;
  }
}

/** The query the alarm compares: exactly one query returns data, the band excepted. */
function returnedQuery(alarm: MetricAlarmDefinition, queries: readonly MetricDataQuery[]): MetricDataQuery {
  const returned = queries.filter((q) => q.returnData !== false && q.id !== alarm.thresholdMetricId);
  const [only] = returned;
  if (only === undefined || returned.length > 1) {
    throw new Problems([
      `exactly one query must have ReturnData (besides the ThresholdMetricId band), found ${returned.length}`,
    ]);
  }
  return only;
}

class QueryCompiler implements MathScope {
  readonly metricIds: readonly string[];
  /** Whether a compiled query reads AWS/DynamoDB. */
  dynamoDb = false;
  private readonly compiled = new Map<string, MathValue>();
  private readonly compiling = new Set<string>();

  constructor(
    private readonly parsed: ReadonlyMap<string, Parsed>,
    private readonly defaultPeriod: number | undefined,
  ) {
    this.metricIds = [...parsed.values()].filter((p) => p.kind === 'stat').map((p) => p.query.id);
  }

  metricPeriod(id: string): number | undefined {
    const p = this.parsed.get(id);
    return p?.kind === 'stat' ? p.query.metricStat?.period : undefined;
  }

  query(id: string): MathValue {
    const done = this.compiled.get(id);
    if (done !== undefined) return done;
    const p = this.parsed.get(id);
    if (p === undefined) throw new MathProblem(`unknown query id "${id}"`);
    if (this.compiling.has(id)) throw new MathProblem(`query "${id}" refers to itself`);
    this.compiling.add(id);
    const value = this.compile(p);
    this.compiling.delete(id);
    this.compiled.set(id, value);
    return value;
  }

  private compile(p: Parsed): MathValue {
    switch (p.kind) {
      case 'stat': {
        const stat = p.query.metricStat;
        if (stat === undefined) throw new MathProblem(`query "${p.query.id}" has no MetricStat`);
        if (stat.metric.namespace === DYNAMODB) this.dynamoDb = true;
        // An expression often reads a metric twice per window (invocations in IF's condition and
        // divisor); remember the last read so the source aggregates each window once.
        let lastSource: MetricSource | undefined;
        let lastEnd = Number.NaN;
        let lastValue: number | undefined;
        return {
          kind: 'series',
          at: (source, end) => {
            if (source !== lastSource || end !== lastEnd) {
              lastValue = source.datapoint(stat, end)?.value;
              lastSource = source;
              lastEnd = end;
            }
            return lastValue;
          },
        };
      }
      case 'insights': {
        // PutMetricAlarm: Period is required for a Metrics Insights query.
        const period = p.query.period;
        if (period === undefined)
          throw new MathProblem(`Metrics Insights query "${p.query.id}" has no Period`);
        if (p.insights.namespace === DYNAMODB) this.dynamoDb = true;
        return { kind: 'series', at: compileMetricsInsights(p.insights, period) };
      }
      case 'math': {
        const unsupported = unsupportedFunctions(p.tree);
        if (unsupported.length > 0) throw new Problems(unsupported.map((f) => `query "${p.query.id}": ${f}`));
        try {
          return compileMetricMath(p.tree, this);
        } catch (e) {
          if (e instanceof MathProblem) throw new Problems([`query "${p.query.id}": ${e.feature}`]);
          throw e;
        }
      }
    }
  }

  /** The period of query `id`'s datapoints. */
  periodOf(id: string): number | undefined {
    const p = this.parsed.get(id);
    return p?.query.period ?? p?.query.metricStat?.period ?? this.defaultPeriod;
  }
}

// ANOMALY_DETECTION_BAND(m1) or ANOMALY_DETECTION_BAND(m1, 4) (using-metric-math).
function bandArguments(p: Parsed | undefined): { readonly id: string; readonly deviations: number } {
  if (p?.kind !== 'math' || p.tree.kind !== 'call' || p.tree.name !== 'ANOMALY_DETECTION_BAND') {
    throw new Problems([
      'ThresholdMetricId must name a query whose expression is ANOMALY_DETECTION_BAND(...)',
    ]);
  }
  const [metric, deviations, extra] = p.tree.args;
  if (
    metric?.kind !== 'ref' ||
    extra !== undefined ||
    (deviations !== undefined && deviations.kind !== 'number')
  ) {
    throw new Problems([
      'ANOMALY_DETECTION_BAND takes a query id and an optional number of standard deviations',
    ]);
  }
  return { id: metric.id, deviations: deviations?.value ?? DEFAULT_BAND_DEVIATIONS };
}

function compile(alarm: MetricAlarmDefinition): CompiledAlarmMetric {
  const queries = alarm.metrics ?? [];
  if (queries.length === 0) throw new Problems(['the alarm has no Metrics']);
  const parsed = new Map<string, Parsed>();
  const problems: string[] = [];
  for (const query of queries) {
    if (parsed.has(query.id)) problems.push(`query id "${query.id}" is used twice`);
    try {
      parsed.set(query.id, parseQuery(query));
    } catch (e) {
      if (!(e instanceof Problems)) throw e;
      problems.push(...e.features);
    }
  }
  if (problems.length > 0) throw new Problems(problems);

  const returned = returnedQuery(alarm, queries);
  // Not documented: an expression without Period when its metrics' periods differ; we use the first
  // metric's period for the alarm's datapoints.
  const firstStat = queries.find((q) => q.metricStat !== undefined)?.metricStat?.period;
  const compiler = new QueryCompiler(parsed, firstStat);
  const value = compiler.query(returned.id);
  if (value.kind !== 'series') {
    // "The final result of any math expression must be a single time series" (using-metric-math),
    // and an alarm watches one.
    const what = value.kind === 'scalar' ? 'a scalar' : `an array of ${value.size} time series`;
    throw new Problems([`query "${returned.id}" returns ${what}; an alarm needs one time series`]);
  }
  const period = compiler.periodOf(returned.id);
  if (period === undefined) throw new Problems([`query "${returned.id}" has no period`]);

  let band: Evaluate<Band | undefined> | undefined;
  if (alarm.thresholdMetricId !== undefined) {
    const { id, deviations } = bandArguments(parsed.get(alarm.thresholdMetricId));
    const input = compiler.query(id);
    if (input.kind !== 'series')
      throw new Problems([`ANOMALY_DETECTION_BAND of "${id}", which is not one time series`]);
    band = anomalyBand(input.at, compiler.periodOf(id) ?? period, deviations);
  }

  const at = value.at;
  const bandAt = band;
  return {
    period,
    approximate: bandAt !== undefined,
    dynamoDb: compiler.dynamoDb,
    datapoint: bandAt
      ? (source, end) => {
          const b = bandAt(source, end);
          // Without a trained band there is nothing to compare with: the datapoint counts as missing.
          return b === undefined ? { value: undefined } : { value: at(source, end), band: b };
        }
      : (source, end) => ({ value: at(source, end) }),
  };
}

/**
 * Compiles an alarm with a `metrics` array, or names everything that keeps it from being
 * evaluated (unsupported functions and clauses, malformed expressions with their position).
 */
export function compileMetricQueries(
  alarm: MetricAlarmDefinition,
): CompiledAlarmMetric | UnsupportedFeature[] {
  try {
    return compile(alarm);
  } catch (e) {
    if (e instanceof Problems) return e.features.map((feature) => ({ alarm: alarm.name, feature }));
    // An unknown id or a cycle met outside any expression (ThresholdMetricId's band input).
    if (e instanceof MathProblem) return [{ alarm: alarm.name, feature: e.feature }];
    throw e;
  }
}
