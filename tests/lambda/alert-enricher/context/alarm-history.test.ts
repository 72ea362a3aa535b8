import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { summarizeAlarmHistory } from '../../../../lambda/alert-enricher/context/alarm-history';
import { healthCompositeChange, lambdaErrorsChange } from '../support/alarm-changes';

const cloudWatchMock = mockClient(CloudWatchClient);
const cloudWatch = new CloudWatchClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const NOW = new Date('2026-11-23T03:12:02.000Z');
const signal = new AbortController().signal;

function stateUpdate(at: string, from: string, to: string) {
  return {
    AlarmName: lambdaErrorsChange.alarmName,
    HistoryItemType: 'StateUpdate' as const,
    Timestamp: new Date(at),
    HistorySummary: `Alarm updated from ${from} to ${to}`,
    HistoryData: JSON.stringify({
      version: '1.0',
      oldState: { stateValue: from, stateReason: '…' },
      newState: { stateValue: to, stateReason: '…' },
    }),
  };
}

beforeEach(() => cloudWatchMock.reset());

test('asks for the state updates of the last six hours, newest first, of metric and composite alarms', async () => {
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  await summarizeAlarmHistory(cloudWatch, healthCompositeChange, NOW, signal);
  expect(cloudWatchMock.commandCalls(DescribeAlarmHistoryCommand)[0]?.args[0].input).toEqual({
    AlarmName: 'vigil-dev-predictor-api-health',
    AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    HistoryItemType: 'StateUpdate',
    StartDate: new Date('2026-11-22T21:12:02.000Z'),
    EndDate: NOW,
    MaxRecords: 100,
    ScanBy: 'TimestampDescending',
  });
});

test('a steady alarm: one transition, a flap score near zero', async () => {
  cloudWatchMock
    .on(DescribeAlarmHistoryCommand)
    .resolves({ AlarmHistoryItems: [stateUpdate('2026-11-23T03:12:00.000Z', 'OK', 'ALARM')] });
  expect(await summarizeAlarmHistory(cloudWatch, lambdaErrorsChange, NOW, signal)).toEqual({
    windowHours: 6,
    transitions: 1,
    flapScore: 0.17,
    recent: [{ at: '2026-11-23T03:12:00.000Z', from: 'OK', to: 'ALARM' }],
  });
});

test('a flapping alarm: transitions per hour, the five newest listed', async () => {
  const items = Array.from({ length: 20 }, (_, i) =>
    stateUpdate(
      new Date(NOW.getTime() - (i + 1) * 600_000).toISOString(),
      i % 2 ? 'ALARM' : 'OK',
      i % 2 ? 'OK' : 'ALARM',
    ),
  );
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: items });
  const history = await summarizeAlarmHistory(cloudWatch, lambdaErrorsChange, NOW, signal);
  expect(history.transitions).toBe(20);
  expect(history.flapScore).toBe(3.33);
  expect(history.recent).toHaveLength(5);
  expect(history.recent[0]).toEqual({ at: '2026-11-23T03:02:02.000Z', from: 'OK', to: 'ALARM' });
  expect(history.recent[1]).toEqual({ at: '2026-11-23T02:52:02.000Z', from: 'ALARM', to: 'OK' });
});

test('items whose HistoryData does not name both states are not counted', async () => {
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({
    AlarmHistoryItems: [
      { ...stateUpdate('2026-11-23T03:12:00.000Z', 'OK', 'ALARM'), HistoryData: 'not json' },
      stateUpdate('2026-11-23T02:12:00.000Z', 'OK', 'SOMETHING_ELSE'),
      stateUpdate('2026-11-23T01:12:00.000Z', 'INSUFFICIENT_DATA', 'OK'),
    ],
  });
  const history = await summarizeAlarmHistory(cloudWatch, lambdaErrorsChange, NOW, signal);
  expect(history.transitions).toBe(1);
  expect(history.recent).toEqual([{ at: '2026-11-23T01:12:00.000Z', from: 'INSUFFICIENT_DATA', to: 'OK' }]);
});
