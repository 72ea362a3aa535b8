import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { parseAlarmDescription } from '../../constructs/monitoring/alarm-description';
import { ALARM_STATES, type AlarmChange, type AlarmMetricQuery, type AlarmState } from './alarm-change';

/**
 * An alarm as DescribeAlarms returns it, read as an {@link AlarmChange} "to the state it is in now":
 * what a scheduled check (not an event) reports through the same alert path. Field names are the
 * API's (CloudWatch API Reference, `MetricAlarm` and `CompositeAlarm` data types); `StateReasonData`
 * is the same JSON an event's `reasonData` carries, so the evaluated values are read alike.
 */
export function describedAlarmChange(
  alarm: MetricAlarm | CompositeAlarm,
  check: { readonly eventId: string; readonly previousState: AlarmState; readonly at: string },
): AlarmChange | undefined {
  const arn = alarm.AlarmArn;
  const name = alarm.AlarmName;
  const state = alarm.StateValue;
  if (arn === undefined || name === undefined || !isAlarmState(state)) return undefined;
  // arn:aws:cloudwatch:<region>:<account>:alarm:<name>
  const [, , , region = '', account = ''] = arn.split(':');
  const composite = 'AlarmRule' in alarm && alarm.AlarmRule !== undefined;
  const metrics = composite ? [] : metricQueries(alarm as MetricAlarm);
  const description = alarm.AlarmDescription;
  const reasonData = readReasonData(alarm.StateReasonData);
  const metricAlarm = alarm as MetricAlarm;
  return {
    origin: 'describe-alarms',
    eventId: check.eventId,
    alarmArn: arn,
    alarmName: name,
    account,
    region,
    kind: composite
      ? 'composite'
      : metricAlarm.ThresholdMetricId !== undefined
        ? 'anomaly-band'
        : metrics.some((query) => query.expression !== undefined)
          ? 'metric-math'
          : 'metric',
    state,
    previousState: check.previousState,
    changedAt: check.at,
    reason: alarm.StateReason ?? '',
    description,
    vigil: parseAlarmDescription(description),
    metrics,
    threshold: metricAlarm.Threshold,
    comparisonOperator: metricAlarm.ComparisonOperator,
    thresholdMetricId: metricAlarm.ThresholdMetricId,
    recentDatapoints: reasonData.recentDatapoints ?? [],
    alarmRule: composite ? (alarm as CompositeAlarm).AlarmRule : undefined,
    triggeringAlarms: [],
  };
}

function metricQueries(alarm: MetricAlarm): AlarmMetricQuery[] {
  if (alarm.Metrics && alarm.Metrics.length > 0) {
    return alarm.Metrics.flatMap((query) => {
      if (query.Id === undefined) return [];
      const stat = query.MetricStat;
      const metric = stat?.Metric;
      return [
        {
          id: query.Id,
          expression: query.Expression,
          label: query.Label,
          returnData: query.ReturnData ?? true,
          period: query.Period,
          metricStat:
            stat && metric?.Namespace && metric.MetricName && stat.Period && stat.Stat
              ? {
                  namespace: metric.Namespace,
                  metricName: metric.MetricName,
                  dimensions: dimensionMap(metric.Dimensions),
                  period: stat.Period,
                  stat: stat.Stat,
                  unit: stat.Unit,
                }
              : undefined,
        },
      ];
    });
  }
  if (!alarm.Namespace || !alarm.MetricName || !alarm.Period) return [];
  return [
    {
      id: 'm1',
      returnData: true,
      metricStat: {
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        dimensions: dimensionMap(alarm.Dimensions),
        period: alarm.Period,
        stat: alarm.ExtendedStatistic ?? alarm.Statistic ?? 'Average',
        unit: alarm.Unit,
      },
    },
  ];
}

function dimensionMap(dimensions: MetricAlarm['Dimensions']): Record<string, string> {
  return Object.fromEntries(
    (dimensions ?? []).flatMap((dimension) =>
      dimension.Name !== undefined && dimension.Value !== undefined
        ? [[dimension.Name, dimension.Value]]
        : [],
    ),
  );
}

function readReasonData(text: string | undefined): { readonly recentDatapoints?: number[] } {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as { recentDatapoints?: unknown };
    const points = parsed.recentDatapoints;
    return Array.isArray(points) && points.every((point) => typeof point === 'number')
      ? { recentDatapoints: points }
      : {};
  } catch {
    return {};
  }
}

function isAlarmState(value: unknown): value is AlarmState {
  return (ALARM_STATES as readonly unknown[]).includes(value);
}
