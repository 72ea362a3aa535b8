import type { AlarmDefinition } from '../../../constructs/alarm-engine/alarm-definition';
import { selectAlarms } from '../../../scripts/backtest/select-alarms';

const metricAlarm = (name: string): AlarmDefinition => ({
  kind: 'metric',
  name,
  metricStat: { metric: { namespace: 'N', metricName: name, dimensions: {} }, period: 60, stat: 'Sum' },
  threshold: 1,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  evaluationPeriods: 1,
});
const alarms: AlarmDefinition[] = [
  metricAlarm('orders-errors'),
  metricAlarm('orders-latency'),
  metricAlarm('billing-errors'),
  {
    kind: 'composite',
    name: 'orders-health',
    rule: 'ALARM("orders-errors") OR ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-latency)',
  },
];

describe('--alarm', () => {
  it('evaluates a selected composite with the alarms its rule reads, and reports only the selection', () => {
    const selection = selectAlarms(alarms, ['orders-health']);
    expect(selection.evaluate.map((alarm) => alarm.name)).toEqual([
      'orders-errors',
      'orders-latency',
      'orders-health',
    ]);
    expect([...selection.report]).toEqual(['orders-health']);
  });

  it('names an unknown alarm and suggests the closest names', () => {
    expect(() => selectAlarms(alarms, ['order-errors'])).toThrow(
      '--alarm: no alarm named "order-errors"; did you mean "orders-errors"?',
    );
    // Names containing what was typed come first, at most three.
    expect(() => selectAlarms(alarms, ['orders'])).toThrow(
      'did you mean "orders-errors", "orders-health", "orders-latency"?',
    );
    expect(() => selectAlarms(alarms, ['zzz'])).toThrow(/^--alarm: no alarm named "zzz"$/);
  });
});
