import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmSeverity } from '../alarm-severity';

/** What every alarm says about itself, metric or composite. */
export interface AlarmFacts {
  /** What is measured, kebab-case and unique within the resource: `errors`, `p99-duration`. */
  readonly signal: string;
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
}

/** Everything a monitor decides about one metric alarm; the facade adds name, tags, description and actions. */
export interface AlarmSpec extends AlarmFacts {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
}

/** An alarm on leaving the band CloudWatch anomaly detection learns from the metric's own history. */
export interface AnomalyAlarmSpec extends AlarmFacts {
  readonly metric: cloudwatch.IMetric;
  /** Width of the band in standard deviations. */
  readonly stdDevs: number;
  /** Which side of the band alarms: below, above, or both. */
  readonly comparisonOperator:
    | cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD
    | cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD
    | cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD;
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
}

/** A composite alarm: a rule over other alarms. */
export interface CompositeAlarmSpec extends AlarmFacts {
  readonly rule: cloudwatch.IAlarmRule;
}

/** Overrides a team may set per signal: severity, or switching the alarm off. */
export interface SignalOverride {
  /** @default the monitor's severity for the signal */
  readonly severity?: AlarmSeverity;
  /** @default true */
  readonly enabled?: boolean;
}
