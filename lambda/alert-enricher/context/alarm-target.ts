import type { AlarmChange } from '../../shared/alarm-change';

/**
 * The part of an alarm change that the metric-based sources read: the alarm itself, or the metric
 * child of a composite standing in for it.
 */
export type MetricAlarmView = Pick<
  AlarmChange,
  'alarmName' | 'region' | 'state' | 'changedAt' | 'metrics' | 'threshold' | 'thresholdMetricId' | 'vigil'
>;

/** What the alarm watches, as each context source names it; a part is absent when it is not known. */
export interface AlarmTarget {
  /** The Lambda function, when the alarm reads a `FunctionName` dimension. */
  readonly functionName?: string;
  /** Where the watched resource logs. */
  readonly logGroup?: string;
  /** The X-Ray service of the watched resource. */
  readonly traceServiceName?: string;
  /** The resource's name as CloudTrail events list it. */
  readonly resourceName?: string;
}

// Dimensions naming the resource itself (not a slice of it, like `Resource` or `Operation`), in the
// order they are preferred when a metric has several.
const RESOURCE_DIMENSIONS = [
  'FunctionName',
  'TableName',
  'QueueName',
  'TopicName',
  'StateMachineArn',
  'DeliveryStreamName',
  'RuleName',
  'ApiName',
  'ApiId',
  'BucketName',
] as const;

export function alarmTarget(view: Pick<MetricAlarmView, 'metrics' | 'vigil'>): AlarmTarget {
  const dimensions = view.metrics.flatMap((query) => (query.metricStat ? [query.metricStat.dimensions] : []));
  const dimension = (name: string): string | undefined =>
    dimensions.find((values) => values[name] !== undefined)?.[name];
  const functionName = dimension('FunctionName');
  const resourceName = RESOURCE_DIMENSIONS.map(dimension).find((value) => value !== undefined);
  return {
    functionName,
    // Lambda's default log group, unless the alarm's description names the one the function uses.
    logGroup: view.vigil?.logGroup ?? (functionName ? `/aws/lambda/${functionName}` : undefined),
    traceServiceName: functionName,
    resourceName,
  };
}
