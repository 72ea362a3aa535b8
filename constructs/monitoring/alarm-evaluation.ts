import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The words of an alarm's threshold text that follow from its spec rather than from a monitor's
 * reasoning: when it fires (`2 of 3 five-minute periods`) and, for a threshold a team set, the
 * comparison and number. Generated here so the text cannot drift from the numbers it describes.
 */

const PERIOD_WORDS: Readonly<Record<number, string>> = {
  60: 'one-minute',
  300: 'five-minute',
  600: 'ten-minute',
  900: 'fifteen-minute',
  3600: 'one-hour',
  21600: 'six-hour',
  86400: 'one-day',
};

/** `five-minute`, `one-hour`, `90-second`: a period as an adjective. */
export function describePeriod(seconds: number): string {
  const known = PERIOD_WORDS[seconds];
  if (known !== undefined) return known;
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  if (seconds % 60 === 0) return `${seconds / 60}-minute`;
  return `${seconds}-second`;
}

/** The period of a metric or metric-math expression, in seconds. */
export function metricPeriodSeconds(metric: cloudwatch.IMetric): number {
  const config = metric.toMetricConfig();
  const period = config.metricStat?.period.toSeconds() ?? config.mathExpression?.period;
  if (period === undefined)
    throw new Error(`metric ${metric} has neither a statistic nor an expression period`);
  return period;
}

/** `in 2 of 3 five-minute periods`, `in 3 consecutive one-hour periods`, `in one five-minute period`. */
export function describeEvaluation(
  periodSeconds: number,
  evaluationPeriods: number,
  datapointsToAlarm: number,
): string {
  const period = describePeriod(periodSeconds);
  if (evaluationPeriods === 1) return `in one ${period} period`;
  if (datapointsToAlarm === evaluationPeriods) return `in ${evaluationPeriods} consecutive ${period} periods`;
  return `in ${datapointsToAlarm} of ${evaluationPeriods} ${period} periods`;
}

const COMPARISON_WORDS: Readonly<Record<string, string>> = {
  [cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD]: '≥',
  [cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD]: '>',
  [cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD]: '<',
  [cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD]: '≤',
  [cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD]: 'below a band of',
  [cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD]: 'above a band of',
  [cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD]: 'outside a band of',
};

/** `≥ 25 %`, `outside a band of 3 standard deviations`: the condition a threshold sets. */
export function describeCondition(
  comparison: cloudwatch.ComparisonOperator,
  threshold: number,
  unit: string | undefined,
): string {
  const words = COMPARISON_WORDS[comparison] ?? comparison;
  if (words.includes('band')) return `${words} ${threshold} standard deviations`;
  return `${words} ${threshold}${unit === undefined ? '' : ` ${unit}`}`;
}

/** Whether a larger threshold is the more severe one for this comparison. */
export function higherIsWorse(comparison: cloudwatch.ComparisonOperator): boolean {
  return (
    comparison === cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD ||
    comparison === cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD ||
    comparison === cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD ||
    // A wider band alarms on fewer points: like a higher bar, it is the rarer, more severe alarm.
    comparison === cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD ||
    comparison === cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD
  );
}
