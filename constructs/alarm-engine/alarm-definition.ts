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
  readonly namespace: string;
  readonly metricName: string;
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
  readonly id: string;
  /** A metric-math expression or a Metrics Insights query. Exactly one of this and `metricStat`. */
  readonly expression?: string;
  readonly metricStat?: MetricStat;
  /** Whether this query's result is what the alarm compares. @default true */
  readonly returnData?: boolean;
  /** Period of an expression's result, in seconds (required for Metrics Insights). @default the metrics' period */
  readonly period?: number;
  readonly label?: string;
}

/** A metric alarm: one metric (`metricStat`) or a set of queries (`metrics`). */
export interface MetricAlarmDefinition {
  readonly kind: 'metric';
  readonly name: string;
  /** The alarm's ARN when known; composite rules may name alarms by ARN. @default derived from the name */
  readonly arn?: string;
  readonly description?: string;
  /** A single-metric alarm's metric. Exactly one of this and `metrics`. */
  readonly metricStat?: MetricStat;
  readonly metrics?: readonly MetricDataQuery[];
  /** Required unless `thresholdMetricId` names an anomaly band. */
  readonly threshold?: number;
  /** The id of the `ANOMALY_DETECTION_BAND` query that is the threshold. @default none */
  readonly thresholdMetricId?: string;
  readonly comparisonOperator: ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default 'missing' */
  readonly treatMissingData?: TreatMissingData;
  /** Percentile alarms only: `evaluate` or `ignore` a period with too few samples. @default 'evaluate' */
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
}

/** A composite alarm: a rule over other alarms' states. */
export interface CompositeAlarmDefinition {
  readonly kind: 'composite';
  readonly name: string;
  /** @default derived from the name */
  readonly arn?: string;
  readonly description?: string;
  /** The `AlarmRule` text, names or ARNs already resolved. */
  readonly rule: string;
  /** Alarm whose ALARM state suppresses this one's actions (`ActionsSuppressor`). @default none */
  readonly actionsSuppressor?: string;
}

export type AlarmDefinition = MetricAlarmDefinition | CompositeAlarmDefinition;

/** A change of an alarm's state, worded like CloudWatch's `StateReason`. */
export interface AlarmTransition {
  /** Epoch milliseconds of the evaluation that changed the state. */
  readonly at: number;
  readonly from: AlarmState;
  readonly to: AlarmState;
  readonly reason: string;
}

/**
 * A feature the engine does not evaluate (an expression function, a Metrics Insights clause, a
 * statistic). The alarm using it is left out of the results and named here, never approximated
 * in silence.
 */
export interface UnsupportedFeature {
  readonly alarm: string;
  readonly feature: string;
}
