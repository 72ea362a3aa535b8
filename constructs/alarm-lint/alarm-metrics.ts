import { Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** One metric a metric alarm reads: a single metric, or a `MetricStat` of its metric-math or anomaly queries. */
export interface AlarmMetric {
  readonly namespace: string | undefined;
  readonly metricName: string | undefined;
  /** Dimension values as the app holds them (tokens for resources it defines). */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The metrics an alarm reads; queries and dimensions hidden behind tokens are left out. */
export function alarmMetrics(alarm: cloudwatch.CfnAlarm): AlarmMetric[] {
  if (alarm.metricName !== undefined) {
    return [
      {
        namespace: alarm.namespace,
        metricName: alarm.metricName,
        dimensions: dimensionsOf(alarm.dimensions),
      },
    ];
  }
  if (alarm.metrics === undefined || Token.isUnresolved(alarm.metrics)) return [];
  return (alarm.metrics as unknown[]).flatMap((query) => {
    if (Token.isUnresolved(query)) return [];
    const stat = (query as cloudwatch.CfnAlarm.MetricDataQueryProperty).metricStat;
    if (stat === undefined || Token.isUnresolved(stat)) return [];
    const metric = (stat as cloudwatch.CfnAlarm.MetricStatProperty).metric;
    if (Token.isUnresolved(metric)) return [];
    const { namespace, metricName, dimensions } = metric as cloudwatch.CfnAlarm.MetricProperty;
    return [{ namespace, metricName, dimensions: dimensionsOf(dimensions) }];
  });
}

function dimensionsOf(dimensions: unknown): Record<string, string> {
  if (!Array.isArray(dimensions)) return {};
  return Object.fromEntries(
    dimensions.flatMap((dimension) => {
      if (Token.isUnresolved(dimension)) return [];
      const { name, value } = dimension as cloudwatch.CfnAlarm.DimensionProperty;
      return typeof name === 'string' && typeof value === 'string' ? [[name, value]] : [];
    }),
  );
}
