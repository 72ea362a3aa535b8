import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import {
  lambdaAvailability,
  lambdaLatency,
  ServiceLevelObjective,
} from '../../../constructs/monitoring/service-level-objective';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { newFunction } from '../../support/alarm-template';

interface Props {
  AlarmName?: string;
  AlarmRule?: unknown;
  Threshold?: number;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  AlarmDescription?: string;
  Metrics?: { Id: string; Expression?: string; MetricStat?: { Period: number; Stat: string } }[];
  Tags?: { Key: string; Value: string }[];
}

function setUp(target: number, periodDays?: number, indicator: 'availability' | 'latency' = 'availability') {
  const app = new App();
  const stack = new Stack(app, 'S');
  const pager = new sns.Topic(stack, 'Pager');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'checkout',
    routing: routeToTopics({ critical: pager, high: pager, warning: pager }),
  });
  const fn = newFunction(stack, 'Fn');
  const slo = new ServiceLevelObjective(stack, 'Slo', {
    name: 'api',
    target,
    periodDays,
    monitoring,
    indicator: indicator === 'availability' ? lambdaAvailability(fn) : lambdaLatency(fn, 300),
  });
  const template = Template.fromStack(stack);
  const byName = new Map<string, Props>();
  for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
    for (const resource of Object.values(template.findResources(type))) {
      const props = resource.Properties as Props;
      byName.set(props.AlarmName ?? (resource.Properties.AlarmName as string), props);
    }
  }
  return { slo, monitoring, byName };
}

const windowPeriod = (props: Props | undefined) =>
  props?.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Period;

describe('ServiceLevelObjective', () => {
  const { slo, monitoring, byName } = setUp(0.999);
  const name = (suffix: string) => `vigil-checkout-api-${suffix}`;

  it.each([
    ['availability-burn-1h', 'critical', 14.4, 3600, 300],
    ['availability-burn-6h', 'high', 6, 21_600, 1800],
    ['availability-burn-1d', 'warning', 3, 86_400, 7200],
  ] as const)(
    '%s pages at %s when both windows burn faster than %sx the budget',
    (signal, severity, burnRate, longPeriod, shortPeriod) => {
      const long = byName.get(name(`${signal}-long`));
      const short = byName.get(name(`${signal}-short`));
      expect(long?.Threshold).toBeCloseTo(burnRate * 0.001, 10);
      expect(short?.Threshold).toBeCloseTo(burnRate * 0.001, 10);
      expect(windowPeriod(long)).toBe(longPeriod);
      expect(windowPeriod(short)).toBe(shortPeriod);

      const composite = byName.get(name(signal));
      expect(composite?.AlarmRule).toEqual({
        'Fn::Join': [
          '',
          [
            '(ALARM("',
            { 'Fn::GetAtt': [expect.stringMatching(/Long/), 'Arn'] },
            '") AND ALARM("',
            { 'Fn::GetAtt': [expect.stringMatching(/Short/), 'Arn'] },
            '"))',
          ],
        ],
      });
      expect(composite?.AlarmActions).toHaveLength(1);
      expect(composite?.Tags?.find((tag) => tag.Key === 'vigil:severity')?.Value).toBe(severity);
    },
  );

  it('keeps the window alarms silent: only the composite notifies', () => {
    const part = byName.get(name('availability-burn-1h-long'));
    expect(part?.AlarmActions).toBeUndefined();
    expect(part?.OKActions).toBeUndefined();
    expect(parseAlarmDescription(part?.AlarmDescription)?.partOf).toBe(name('availability-burn-1h'));
    expect(part?.Tags?.find((tag) => tag.Key === 'vigil:part-of')?.Value).toBe(name('availability-burn-1h'));
  });

  it('measures the bad share with metric math that is zero without traffic', () => {
    const expression = byName
      .get(name('availability-burn-6h-long'))
      ?.Metrics?.find((query) => query.Expression);
    expect(expression?.Expression).toBe('IF(total > 0, bad / total, 0)');
  });

  it('explains the composite in words an on-call engineer can act on', () => {
    expect(parseAlarmDescription(byName.get(name('availability-burn-1h'))?.AlarmDescription)?.summary).toBe(
      'At this rate an invocation that failed spends 2% of the 30-day error budget of the 99.9% availability SLO within 1 hour.',
    );
  });

  it('says over which window each part measures the burn, and the composite names both', () => {
    const threshold = (suffix: string) =>
      parseAlarmDescription(byName.get(name(suffix))?.AlarmDescription)?.threshold;
    expect(threshold('availability-burn-1h-long')).toBe(
      'bad share above 14.4 x the 0.00100 budget, in one one-hour period',
    );
    expect(threshold('availability-burn-1h-short')).toBe(
      'bad share above 14.4 x the 0.00100 budget, in one five-minute period',
    );
    expect(threshold('availability-burn-6h-short')).toBe(
      'bad share above 6.0 x the 0.00100 budget, in one 30-minute period',
    );
    expect(threshold('availability-burn-1h')).toBe('burn rate 14.4 over 1 hour and 5 minutes');
  });

  it('registers composites and their parts with the service', () => {
    expect(slo.burnRateAlarms).toHaveLength(3);
    expect(monitoring.createdAlarms()).toHaveLength(9);
    expect(slo.errorBudget).toBeCloseTo(0.001, 12);
  });

  it('scales burn rates to the budget period', () => {
    const { byName: shorter } = setUp(0.99, 28);
    expect(shorter.get(name('availability-burn-1h-long'))?.Threshold).toBeCloseTo(0.02 * 28 * 24 * 0.01, 10);
  });

  it('measures latency as the share of invocations slower than the threshold, from the percentile rank', () => {
    const { byName: latency } = setUp(0.99, 30, 'latency');
    const long = latency.get(name('latency-burn-1h-long'));
    expect(long?.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Stat).toBe('PR(0:300)');
    expect(long?.Metrics?.find((query) => query.Expression)?.Expression).toBe('1 - fast / 100');
  });

  it('refuses an objective that cannot be met or means nothing', () => {
    expect(() => setUp(1)).toThrow('SLO api: target must be between 0 and 1 exclusive (got 1)');
  });
});
