import {
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { ALARM_STATES, type AlarmChange, type AlarmState } from '../../shared/alarm-change';
import { describedAlarmMetrics } from '../../shared/described-alarm';
import type { ChildAlarm } from '../enriched-alert';
import type { MetricAlarmView } from './alarm-target';

/** DescribeAlarms takes at most this many names. */
const MAX_NAMES = 100;
const MAX_PAGES = 3;
// `ALARM("name")`, `OK(name)`, `NOT ALARM("arn:aws:cloudwatch:…:alarm:name")`; the quoted form may
// escape a quote. Names in an `AT_LEAST(…)` list are not read; those that triggered come from the event.
const RULE_CHILD = /\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"((?:[^"\\]|\\.)*)"|([^()\s"]+))\s*\)/g;

export interface CompositeChildren {
  /** Every child found, those that triggered the change first. */
  readonly children: readonly ChildAlarm[];
  /**
   * The first metric child in ALARM: a composite has no metrics of its own, so this child's
   * datapoints, graph, logs and traces explain it.
   */
  readonly metricChild?: MetricAlarmView;
}

/** The children that triggered the change, then those the rule names, each once. */
export function childAlarmNames(change: Pick<AlarmChange, 'triggeringAlarms' | 'alarmRule'>): string[] {
  const fromRule = [...(change.alarmRule ?? '').matchAll(RULE_CHILD)].map((match) =>
    alarmNameOf(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? ''),
  );
  return [...new Set([...change.triggeringAlarms.map((alarm) => alarm.name), ...fromRule])];
}

/** What the event itself says of the children, for when they cannot be described. */
export function childrenFromEvent(change: Pick<AlarmChange, 'triggeringAlarms'>): ChildAlarm[] {
  return change.triggeringAlarms.map((alarm) => ({ name: alarm.name, state: alarm.state }));
}

/** The children's current state and Vigil summary (DescribeAlarms), and the metric child to explain it. */
export async function describeChildren(
  cloudWatch: CloudWatchClient,
  change: Pick<AlarmChange, 'triggeringAlarms' | 'alarmRule' | 'region' | 'changedAt'>,
  signal: AbortSignal,
): Promise<CompositeChildren> {
  const names = childAlarmNames(change).slice(0, MAX_NAMES);
  const metricAlarms = new Map<string, MetricAlarm>();
  const compositeAlarms = new Map<string, CompositeAlarm>();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES && names.length > 0; page++) {
    const response = await cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: names,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: MAX_NAMES,
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    for (const alarm of response.MetricAlarms ?? []) metricAlarms.set(alarm.AlarmName ?? '', alarm);
    for (const alarm of response.CompositeAlarms ?? []) compositeAlarms.set(alarm.AlarmName ?? '', alarm);
    nextToken = response.NextToken;
    if (!nextToken) break;
  }

  const triggering = new Map(change.triggeringAlarms.map((alarm) => [alarm.name, alarm]));
  const children = names.flatMap((name): ChildAlarm[] => {
    const alarm = metricAlarms.get(name) ?? compositeAlarms.get(name);
    if (alarm) {
      return [
        {
          name,
          state: isAlarmState(alarm.StateValue) ? alarm.StateValue : 'INSUFFICIENT_DATA',
          summary: parseAlarmDescription(alarm.AlarmDescription)?.summary,
        },
      ];
    }
    // A child that triggered the change but is gone now (deleted since) is still worth naming.
    const event = triggering.get(name);
    return event ? [{ name, state: event.state }] : [];
  });
  const firing = names.map((name) => metricAlarms.get(name)).find((alarm) => alarm?.StateValue === 'ALARM');
  return { children, metricChild: firing && metricView(firing, change) };
}

/** The child as the metric sources read an alarm change. */
function metricView(
  alarm: MetricAlarm,
  composite: Pick<AlarmChange, 'region' | 'changedAt'>,
): MetricAlarmView {
  const changedAt = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
  return {
    alarmName: alarm.AlarmName ?? '',
    region: composite.region,
    state: 'ALARM',
    changedAt: changedAt?.toISOString() ?? composite.changedAt,
    metrics: describedAlarmMetrics(alarm),
    threshold: alarm.ThresholdMetricId ? undefined : alarm.Threshold,
    thresholdMetricId: alarm.ThresholdMetricId,
    vigil: parseAlarmDescription(alarm.AlarmDescription),
  };
}

/** An alarm name from a rule's reference, which may be the alarm's ARN. */
function alarmNameOf(reference: string): string {
  const marker = reference.indexOf(':alarm:');
  return reference.startsWith('arn:') && marker >= 0 ? reference.slice(marker + ':alarm:'.length) : reference;
}

function isAlarmState(value: string | undefined): value is AlarmState {
  return ALARM_STATES.includes(value as AlarmState);
}
