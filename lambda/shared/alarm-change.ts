import type { AlarmDescription } from '../../constructs/contracts/alarm-description';

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** How the alarm decides its state, which decides what context can be gathered for it. */
export type AlarmKind = 'metric' | 'metric-math' | 'anomaly-band' | 'composite';

/** One metric the alarm reads, as in the alarm's `Metrics` (GetMetricData's MetricDataQuery shape). */
export interface AlarmMetricStat {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Seconds. */
  readonly period: number;
  /** `Average`, `Sum`, `p99`, … */
  readonly stat: string;
  readonly unit?: string;
}

/** One entry of the alarm's metric list: a metric or an expression over others. */
export interface AlarmMetricQuery {
  readonly id: string;
  readonly metricStat?: AlarmMetricStat;
  readonly expression?: string;
  readonly label?: string;
  /** Whether this entry is what the alarm compares (or its anomaly band). */
  readonly returnData: boolean;
  /** Seconds; expressions may set their own. */
  readonly period?: number;
}

/**
 * CloudWatch holding a composite alarm's actions for this change (EventBridge `detail.state`'s
 * `actionsSuppressedBy` and `actionsSuppressedReason`, with the suppressor from `detail.configuration`).
 * Documented values of `by` (CompositeAlarm, CloudWatch API Reference): `Alarm` (the suppressor alarm
 * is in ALARM), `WaitPeriod` (waiting up to `waitPeriodSeconds` for the suppressor to go into ALARM,
 * then acting), `ExtensionPeriod` (waiting up to `extensionPeriodSeconds` after the suppressor left
 * ALARM, then acting). Kept as CloudWatch spells it.
 */
export interface ActionsSuppression {
  readonly by: string;
  /** CloudWatch's words, e.g. `Actions suppressed by WaitPeriod`. */
  readonly reason: string;
  /** The suppressor alarm's name or ARN (`configuration.actionsSuppressor`). */
  readonly suppressor?: string;
  readonly waitPeriodSeconds?: number;
  readonly extensionPeriodSeconds?: number;
}

/** A child of a composite alarm that was in ALARM when the composite changed. */
export interface TriggeringAlarm {
  readonly arn: string;
  readonly name: string;
  readonly state: AlarmState;
  readonly changedAt?: string;
}

/**
 * One alarm state change, whichever way it arrived (EventBridge or a classic SNS alarm
 * notification), normalized so the rest of the enricher never looks at the wire format.
 */
export interface AlarmChange {
  /**
   * Where it came from, for logs and the structured format: an event, or `describe-alarms` for a
   * scheduled check reporting the state an alarm is in (a flapping episode that settled).
   */
  readonly origin: 'eventbridge' | 'sns' | 'describe-alarms';
  /** Event id (EventBridge) or SNS message id: identifies a delivery, so a retry is recognised. */
  readonly eventId: string;
  readonly alarmArn: string;
  readonly alarmName: string;
  readonly account: string;
  readonly region: string;
  readonly kind: AlarmKind;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  /** ISO 8601 time of the transition. */
  readonly changedAt: string;
  /**
   * ISO 8601 time the previous state began (EventBridge `detail.previousState.timestamp`); absent for
   * classic SNS notifications, whose documented schema has no such time.
   */
  readonly previousChangedAt?: string;
  /** CloudWatch's sentence, e.g. `Threshold Crossed: 1 out of the last 1 datapoints [...]`. */
  readonly reason: string;
  /** The alarm's description as configured (raw). */
  readonly description?: string;
  /** The description parsed, when the alarm was made by Vigil's monitoring constructs. */
  readonly vigil?: AlarmDescription;
  /**
   * Why a description that looks like Vigil's JSON could not be read (not JSON, or not the schema),
   * e.g. `severity: Invalid option: …`; absent when it was read or does not look like Vigil's.
   */
  readonly descriptionProblem?: string;
  /** Metric entries (empty for composites). */
  readonly metrics: readonly AlarmMetricQuery[];
  /** Static threshold, when the alarm has one (not for anomaly bands and composites). */
  readonly threshold?: number;
  /** Comparison, e.g. `GreaterThanOrEqualToThreshold`, when the event says (SNS does; EventBridge does not). */
  readonly comparisonOperator?: string;
  /** Id of the ANOMALY_DETECTION_BAND entry of an anomaly alarm. */
  readonly thresholdMetricId?: string;
  /** The values CloudWatch evaluated for this transition (reasonData.recentDatapoints). */
  readonly recentDatapoints: readonly number[];
  /** Band edges an anomaly alarm compared against (reasonData). */
  readonly recentLowerThresholds?: readonly number[];
  readonly recentUpperThresholds?: readonly number[];
  /** Composite only: the rule, e.g. `ALARM("a") OR ALARM("b")`. */
  readonly alarmRule?: string;
  /** Composite only: children in ALARM that caused the change. */
  readonly triggeringAlarms: readonly TriggeringAlarm[];
  /**
   * Composite only: CloudWatch suppressed the alarm's actions for this change. Only EventBridge says
   * so: a suppressed composite takes no actions, so no classic SNS notification is sent for it.
   */
  readonly actionsSuppressed?: ActionsSuppression;
}
