import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmSeverity } from '../contracts/alarm-severity';
import type { MonitorSignal } from './monitor-signals';

/** What every alarm says about itself, metric or composite. */
export interface AlarmFacts {
  /** What is measured, kebab-case and unique within the resource: `errors`, `p99-duration`. */
  readonly signal: string;
  /** How urgently someone must act when it fires; decides where it notifies. */
  readonly severity: AlarmSeverity;
  /** One sentence for the person paged: what it means when this fires. */
  readonly summary: string;
  /** How the threshold was chosen, e.g. `80% of the 30 s timeout`. */
  readonly thresholdReason: string;
  /** Remediation playbook id, when self-healing knows a fix. @default none */
  readonly playbook?: string;
  /** The alias a `lambda-alias-rollback` playbook moves. @default the dispatcher's alias (`live`) */
  readonly alias?: string;
  /** Name of the composite alarm this one only feeds; such an alarm never notifies. @default none */
  readonly partOf?: string;
  /**
   * The signal whose override (`<kind>/<signal>`) applies, for a variant of a listed signal: a watched
   * route's `get-items-server-error-rate` follows `server-error-rate`. @default signal
   */
  readonly overrideSignal?: string;
}

/** Everything a monitor decides about one metric alarm; the facade adds name, tags, description and actions. */
export interface AlarmSpec extends AlarmFacts {
  /** The metric (or metric-math expression) compared, with its period and statistic. */
  readonly metric: cloudwatch.IMetric;
  /** The value the metric is compared with, in the metric's unit (see `thresholdUnit`). */
  readonly threshold: number;
  /** Which side of the threshold breaches. */
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** How many of the most recent periods each evaluation looks at. */
  readonly evaluationPeriods: number;
  /** How many of those periods must breach to fire ("M out of N"). @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** How a period without data counts: chosen per signal, e.g. an idle function's errors are `notBreaching`. */
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** The threshold's unit (`%`, `ms`, `s`), for the text of a threshold a team sets. @default none (a count) */
  readonly thresholdUnit?: string;
}

/** An alarm on leaving the band CloudWatch anomaly detection learns from the metric's own history. */
export interface AnomalyAlarmSpec extends AlarmFacts {
  /** The metric whose own history the band is learned from. */
  readonly metric: cloudwatch.IMetric;
  /** Width of the band in standard deviations. */
  readonly stdDevs: number;
  /** Which side of the band alarms: below, above, or both. */
  readonly comparisonOperator:
    | cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD
    | cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD
    | cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD;
  /** How many of the most recent periods each evaluation looks at. */
  readonly evaluationPeriods: number;
  /** How many of those periods must be outside the band to fire ("M out of N"). @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** How a period without data counts. */
  readonly treatMissingData: cloudwatch.TreatMissingData;
}

/** A composite alarm: a rule over other alarms. */
export interface CompositeAlarmSpec extends AlarmFacts {
  /** The `AlarmRule`: which states of which alarms put this one in ALARM. */
  readonly rule: cloudwatch.IAlarmRule;
}

/**
 * An alarm of one of Vigil's monitors: its signal is one of the kind's in MONITOR_SIGNALS, or a
 * variant of one that names it as `overrideSignal`. A monitor raising an unlisted signal does not compile.
 */
export type MonitorAlarmSpec<K extends string, Spec extends AlarmFacts = AlarmSpec> = Omit<
  Spec,
  'signal' | 'overrideSignal'
> &
  (
    | {
        /** One of the kind's listed signals. */
        readonly signal: MonitorSignal<K>;
        /** A listed signal whose override applies instead. @default signal */
        readonly overrideSignal?: MonitorSignal<K>;
      }
    | {
        /** A variant signal, not listed itself, e.g. a watched route's `get-items-server-error-rate`. */
        readonly signal: string;
        /** The listed signal the variant follows, whose override applies to it. */
        readonly overrideSignal: MonitorSignal<K>;
      }
  );
