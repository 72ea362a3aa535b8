/**
 * What the alarm engine evaluates: alarm definitions shaped like CloudFormation's
 * `AWS::CloudWatch::Alarm` and `AWS::CloudWatch::CompositeAlarm` (so a synthesized template, or a
 * team's own template, maps onto them field for field), and raw metric samples.
 *
 * The engine makes no AWS call and imports nothing from aws-cdk-lib: the tests, the backtest CLI
 * and the local run of the whole loop share it.
 */

/** The three states of a CloudWatch alarm. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Every {@link AlarmState}, in the order CloudWatch documents them (for validating input). */
export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** `TreatMissingData` as PutMetricAlarm spells it; `missing` is CloudWatch's default. */
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** `ComparisonOperator` as PutMetricAlarm spells it (the last three are for anomaly bands). */
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold'
  | 'LessThanLowerOrGreaterThanUpperThreshold'
  | 'LessThanLowerThreshold'
  | 'GreaterThanUpperThreshold';

/** One metric: namespace, name and the full set of dimensions (CloudWatch matches all of them exactly). */
export interface MetricIdentity {
  /** The metric's namespace, e.g. `AWS/Lambda` (CloudWatch `Namespace`). */
  readonly namespace: string;
  /** The metric's name, e.g. `Errors` (CloudWatch `MetricName`). */
  readonly metricName: string;
  /**
   * Dimension name to value (CloudWatch `Dimensions`); `{}` for a metric without dimensions. A
   * sample is read only when its dimension set is exactly this one.
   */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Raw samples of one metric, as published (not aggregated). Times are epoch milliseconds. */
export interface MetricSeries extends MetricIdentity {
  /** The unit the samples were published with. @default none */
  readonly unit?: string;
  /** `[epochMs, value]` pairs in any order; several samples may share a timestamp. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

/** A metric with its period, statistic and optional unit filter (`MetricStat`). */
export interface MetricStat {
  /** The metric read (`MetricStat.Metric`). */
  readonly metric: MetricIdentity;
  /** Seconds: 10, 20, 30 or a multiple of 60. */
  readonly period: number;
  /** `Sum`, `Average`, `p99`, `PR(0:1000)`, `TM(10%:90%)`, ... as CloudWatch spells it. */
  readonly stat: string;
  /** Only samples published with this unit count. @default every unit */
  readonly unit?: string;
}

/** One entry of an alarm's `Metrics` array (a `MetricDataQuery`). */
export interface MetricDataQuery {
  /** The query's `Id`: how expressions and `thresholdMetricId` refer to it. */
  readonly id: string;
  /** A metric-math expression or a Metrics Insights query. Exactly one of this and `metricStat`. */
  readonly expression?: string;
  /** The metric this query reads (`MetricStat`). Exactly one of this and `expression`. */
  readonly metricStat?: MetricStat;
  /** Whether this query's result is what the alarm compares. @default true */
  readonly returnData?: boolean;
  /** Period of an expression's result, in seconds (required for Metrics Insights). @default the metrics' period */
  readonly period?: number;
  /** The query's `Label`, kept for display; it does not change evaluation. @default none */
  readonly label?: string;
}

/** A metric alarm: one metric (`metricStat`) or a set of queries (`metrics`). */
export interface MetricAlarmDefinition {
  /** Tells a metric alarm from a {@link CompositeAlarmDefinition}. */
  readonly kind: 'metric';
  /** The alarm's name (`AlarmName`); unique among the alarms given to one engine. */
  readonly name: string;
  /** The alarm's ARN when known; composite rules may name alarms by ARN. @default derived from the name */
  readonly arn?: string;
  /** The alarm's `AlarmDescription`, kept as given; it does not change evaluation. @default none */
  readonly description?: string;
  /** A single-metric alarm's metric. Exactly one of this and `metrics`. */
  readonly metricStat?: MetricStat;
  /** A metric-math, Metrics Insights or anomaly-band alarm's queries (`Metrics`). Exactly one of this and `metricStat`. */
  readonly metrics?: readonly MetricDataQuery[];
  /** Required unless `thresholdMetricId` names an anomaly band. */
  readonly threshold?: number;
  /** The id of the `ANOMALY_DETECTION_BAND` query that is the threshold. @default none */
  readonly thresholdMetricId?: string;
  /** How the compared value is tested against the threshold or band (`ComparisonOperator`). */
  readonly comparisonOperator: ComparisonOperator;
  /** How many of the most recent periods each evaluation looks at (`EvaluationPeriods`). */
  readonly evaluationPeriods: number;
  /** How many of those periods must breach to go to ALARM (`DatapointsToAlarm`, "M out of N"). @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default 'missing' */
  /** How a period without data counts (`TreatMissingData`). @default 'missing' */
  readonly treatMissingData?: TreatMissingData;
  /** Percentile alarms only: `evaluate` or `ignore` a period with too few samples. @default 'evaluate' */
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
}

/** A composite alarm: a rule over other alarms' states. */
export interface CompositeAlarmDefinition {
  /** Tells a composite alarm from a {@link MetricAlarmDefinition}. */
  readonly kind: 'composite';
  /** The alarm's name (`AlarmName`); unique among the alarms given to one engine. */
  readonly name: string;
  /** The alarm's ARN when known; other composite rules may name it by ARN. @default derived from the name */
  readonly arn?: string;
  /** The alarm's `AlarmDescription`, kept as given; it does not change evaluation. @default none */
  readonly description?: string;
  /** The `AlarmRule` text, names or ARNs already resolved. */
  readonly rule: string;
  /** Alarm whose ALARM state suppresses this one's actions (`ActionsSuppressor`). @default none */
  readonly actionsSuppressor?: string;
}

/** Any alarm the engine evaluates, told apart by `kind`. */
export type AlarmDefinition = MetricAlarmDefinition | CompositeAlarmDefinition;

/** A change of an alarm's state, worded like CloudWatch's `StateReason`. */
export interface AlarmTransition {
  /** Epoch milliseconds of the evaluation that changed the state. */
  readonly at: number;
  /** The state before the evaluation. */
  readonly from: AlarmState;
  /** The state after it; never equal to `from`. */
  readonly to: AlarmState;
  /** Why, in the words CloudWatch's `StateReason` uses (e.g. "Threshold Crossed: 3 out of the last 3 datapoints ..."). */
  readonly reason: string;
}

/**
 * A feature the engine does not evaluate (an expression function, a Metrics Insights clause, a
 * statistic). The alarm using it is left out of the results and named here, never approximated
 * in silence.
 */
export interface UnsupportedFeature {
  /** The name of the alarm left out. */
  readonly alarm: string;
  /** What the engine cannot evaluate, e.g. the expression function or statistic by name. */
  readonly feature: string;
}
