import type { CompositeAlarm, MetricAlarm, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { parseAlarmDescription } from '../../constructs/contracts/alarm-description';
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
  const metrics = composite ? [] : describedAlarmMetrics(alarm as MetricAlarm);
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

/** A metric alarm's metrics as DescribeAlarms states them: its `Metrics` list, or its one metric. */
export function describedAlarmMetrics(alarm: MetricAlarm): AlarmMetricQuery[] {
  if (alarm.Metrics?.length) return alarm.Metrics.map(metricQuery);
  if (!alarm.Namespace || !alarm.MetricName) return [];
  return [
    {
      id: 'm1',
      returnData: true,
      metricStat: {
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        dimensions: dimensionRecord(alarm.Dimensions),
        period: alarm.Period ?? 60,
        stat: alarm.Statistic ?? alarm.ExtendedStatistic ?? 'Average',
        unit: alarm.Unit,
      },
    },
  ];
}

function metricQuery(query: MetricDataQuery): AlarmMetricQuery {
  const stat = query.MetricStat;
  return {
    id: query.Id ?? '',
    expression: query.Expression,
    label: query.Label,
    // GetMetricData's default, and what an alarm's single returned entry says.
    returnData: query.ReturnData ?? true,
    period: query.Period,
    metricStat: stat?.Metric && {
      namespace: stat.Metric.Namespace ?? '',
      metricName: stat.Metric.MetricName ?? '',
      dimensions: dimensionRecord(stat.Metric.Dimensions),
      period: stat.Period ?? 60,
      stat: stat.Stat ?? 'Average',
      unit: stat.Unit,
    },
  };
}

function dimensionRecord(dimensions: readonly { Name?: string; Value?: string }[] | undefined) {
  return Object.fromEntries(
    (dimensions ?? []).map((dimension) => [dimension.Name ?? '', dimension.Value ?? '']),
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
