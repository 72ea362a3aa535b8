import type { AlarmChange } from '../shared/alarm-change';
import type { BreachDirection, Evaluation, ValueUnit } from './enriched-alert';

/**
 * The values CloudWatch evaluated for the change, as the event states them (`reasonData`:
 * `recentDatapoints`, `threshold`, and for anomaly bands `recentLowerThresholds` and
 * `recentUpperThresholds`; CloudWatch user guide, "Alarm events and EventBridge"). Undefined when the
 * event carried none: composites explain themselves by their children, and classic SNS notifications
 * have no reasonData.
 */
export function evaluationOf(
  change: Pick<
    AlarmChange,
    | 'recentDatapoints'
    | 'threshold'
    | 'recentLowerThresholds'
    | 'recentUpperThresholds'
    | 'comparisonOperator'
    | 'reason'
  >,
): Evaluation | undefined {
  if (change.recentDatapoints.length === 0) return undefined;
  return {
    datapoints: change.recentDatapoints,
    threshold: change.threshold,
    lowerThresholds: change.recentLowerThresholds,
    upperThresholds: change.recentUpperThresholds,
    breaches: breachDirection(change),
  };
}

/** PutMetricAlarm's ComparisonOperator values, as the classic SNS notification's Trigger names them. */
const OPERATORS: Readonly<Record<string, BreachDirection>> = {
  GreaterThanThreshold: 'above',
  GreaterThanOrEqualToThreshold: 'at-or-above',
  LessThanThreshold: 'below',
  LessThanOrEqualToThreshold: 'at-or-below',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside-band',
  GreaterThanUpperThreshold: 'above-band',
  LessThanLowerThreshold: 'below-band',
};

/**
 * Which side of the threshold breaches. The EventBridge event does not carry the comparison operator,
 * but CloudWatch's reason sentence names it, for a change either way: `was greater than the threshold`,
 * `was not greater than the threshold`, `was less than the lower thresholds [..] or greater than the
 * upper thresholds` (the user guide's samples). Undefined when neither says.
 */
export function breachDirection(
  change: Pick<AlarmChange, 'comparisonOperator' | 'reason'>,
): BreachDirection | undefined {
  const operator = change.comparisonOperator === undefined ? undefined : OPERATORS[change.comparisonOperator];
  if (operator !== undefined) return operator;
  const reason = change.reason;
  const belowBand = /\bless than the lower thresholds?\b/i.test(reason);
  const aboveBand = /\bgreater than the upper thresholds?\b/i.test(reason);
  if (belowBand && aboveBand) return 'outside-band';
  if (belowBand) return 'below-band';
  if (aboveBand) return 'above-band';
  const match = /\b(greater|less) than (or equal to )?the threshold\b/i.exec(reason);
  if (match === null) return undefined;
  const greater = match[1]?.toLowerCase() === 'greater';
  if (match[2] !== undefined) return greater ? 'at-or-above' : 'at-or-below';
  return greater ? 'above' : 'below';
}

/** A percentage stated as a comparison, e.g. `more than 5%`, `fewer than 99.5%`. */
const COMPARED_PERCENTAGE =
  /\b(?:more than|fewer than|less than|at least|at most|above|below|over|under)\s+(\d+(?:\.\d+)?)\s*%/gi;

/**
 * How the alarm's values read, only from what says so:
 * - `percent` when the compared metric's unit is `Percent`, or its label ends in `(%)` (how Vigil labels
 *   its rate expressions, e.g. `Error rate (%)`);
 * - `fraction` when the Vigil description's threshold sentence compares with a percentage (`more than 5%
 *   of requests`) and the alarm's threshold is that percentage over 100 (0.05): the values are shares of
 *   one; `percent` when the threshold is the percentage itself.
 * A percentage that is not a comparison (`80% of the reserved concurrency of 100`) says nothing about
 * the values, which are then shown as they are.
 */
export function valueUnitOf(
  change: Pick<AlarmChange, 'metrics' | 'thresholdMetricId' | 'threshold' | 'vigil'>,
): ValueUnit | undefined {
  const compared = change.metrics.find((query) => query.returnData && query.id !== change.thresholdMetricId);
  if (compared?.metricStat?.unit === 'Percent') return 'percent';
  if (compared?.label !== undefined && /\(%\)\s*$/.test(compared.label)) return 'percent';
  const sentence = change.vigil?.threshold;
  const threshold = change.threshold;
  // A zero threshold is the same as a fraction and as a percentage: it tells nothing.
  if (sentence === undefined || threshold === undefined || threshold === 0) return undefined;
  for (const match of sentence.matchAll(COMPARED_PERCENTAGE)) {
    const percentage = Number(match[1]);
    if (nearlyEqual(percentage / 100, threshold)) return 'fraction';
    if (nearlyEqual(percentage, threshold)) return 'percent';
  }
  return undefined;
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
