import { type CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { ALARM_STATES, type AlarmChange, type AlarmState } from '../../shared/alarm-change';
import type { AlarmHistorySummary, StateTransition } from '../enriched-alert';

const WINDOW_HOURS = 6;
/** One page: a hundred transitions in six hours is flapping whatever the exact count. */
const MAX_RECORDS = 100;
const MAX_RECENT = 5;

/** How often the alarm changed state in the last six hours, to tell a flapping alarm from a steady one. */
export async function summarizeAlarmHistory(
  cloudWatch: CloudWatchClient,
  change: Pick<AlarmChange, 'alarmName'>,
  now: Date,
  signal: AbortSignal,
): Promise<AlarmHistorySummary> {
  const response = await cloudWatch.send(
    new DescribeAlarmHistoryCommand({
      AlarmName: change.alarmName,
      // Without it CloudWatch answers for metric alarms only, and a composite has no history.
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      HistoryItemType: 'StateUpdate',
      StartDate: new Date(now.getTime() - WINDOW_HOURS * 3600_000),
      EndDate: now,
      MaxRecords: MAX_RECORDS,
      ScanBy: 'TimestampDescending',
    }),
    { abortSignal: signal },
  );
  const transitions = (response.AlarmHistoryItems ?? []).flatMap((item) => {
    const states = parseStates(item.HistoryData);
    return item.Timestamp && states ? [{ at: item.Timestamp.toISOString(), ...states }] : [];
  });
  return {
    windowHours: WINDOW_HOURS,
    transitions: transitions.length,
    flapScore: Math.round((transitions.length / WINDOW_HOURS) * 100) / 100,
    recent: transitions.slice(0, MAX_RECENT),
  };
}

/** Old and new state from a state update's HistoryData JSON; undefined when it does not say both. */
function parseStates(historyData: string | undefined): Pick<StateTransition, 'from' | 'to'> | undefined {
  try {
    const data = JSON.parse(historyData ?? '');
    const from = data?.oldState?.stateValue;
    const to = data?.newState?.stateValue;
    return isAlarmState(from) && isAlarmState(to) ? { from, to } : undefined;
  } catch {
    return undefined;
  }
}

function isAlarmState(value: unknown): value is AlarmState {
  return ALARM_STATES.includes(value as AlarmState);
}
