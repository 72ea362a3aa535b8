import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import {
  EventRuleMonitor,
  type EventRuleMonitorProps,
} from '../../../constructs/monitoring/event-rule-monitor';
import {
  ServiceMonitoring,
  type ServiceMonitoringProps,
} from '../../../constructs/monitoring/service-monitoring';
import { type AlarmProperties, alarmsByName, description, tag } from '../../support/alarm-template';

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const PATTERN = { source: ['shop.orders'] };

/** A rule on the default bus with one SQS target that has a dead-letter queue and one without. */
function ruleWithMixedTargets(stack: Stack): events.Rule {
  const rule = new events.Rule(stack, 'OrderPlaced', { eventPattern: PATTERN });
  rule.addTarget(
    new targets.SqsQueue(new sqs.Queue(stack, 'Billing'), {
      deadLetterQueue: new sqs.Queue(stack, 'BillingDlq'),
      maxEventAge: Duration.hours(2),
    }),
  );
  rule.addTarget(new targets.SqsQueue(new sqs.Queue(stack, 'Audit')));
  return rule;
}

function monitorRule(
  configure: (stack: Stack) => events.IRule,
  props: Omit<EventRuleMonitorProps, 'rule'> = {},
  monitoringProps: Partial<ServiceMonitoringProps> = {},
): { stack: Stack; rule: events.IRule; monitor: EventRuleMonitor; alarms: Map<string, AlarmProperties> } {
  const app = new App();
  const stack = new Stack(app, 'S');
  const rule = configure(stack);
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop', ...monitoringProps });
  const monitor = new EventRuleMonitor(stack, 'Monitor', { rule, monitoring, ...props });
  return { stack, rule, monitor, alarms: alarmsByName(stack) };
}

describe('EventRuleMonitor on a default-bus rule with a dead-letter queue on one target', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const critical = new sns.Topic(stack, 'Critical');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'shop',
    routing: routeToTopics({ critical, high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const rule = ruleWithMixedTargets(stack);
  const monitor = new EventRuleMonitor(stack, 'OrderPlacedMonitor', { rule, monitoring });
  const alarms = alarmsByName(stack);
  const name = (signal: string) => `vigil-shop-order-placed-${signal}`;
  const ruleNameOnly = [{ Name: 'RuleName', Value: { Ref: logicalId(stack, rule) } }];

  it('makes the three alarms, named by the one rule, and reports them', () => {
    expect([...alarms.keys()].sort()).toEqual(
      ['dead-letter-failed', 'failed-invocations', 'throttled-rules'].map(name),
    );
    expect(monitor.alarms).toHaveLength(3);
    expect(monitoring.createdAlarms()).toHaveLength(3);
  });

  it.each([
    // signal, metric, threshold, evaluation periods, datapoints, severity, topic
    ['failed-invocations', 'FailedInvocations', 1, 1, 1, 'high', high],
    ['throttled-rules', 'ThrottledRules', 1, 3, 2, 'warning', warning],
    ['dead-letter-failed', 'InvocationsFailedToBeSentToDlq', 1, 1, 1, 'critical', critical],
  ] as const)(
    '%s: Sum of %s over 5 min, threshold %s, %s/%s periods, %s',
    (signal, metricName, threshold, evaluations, datapoints, severity, topic) => {
      const alarm = alarms.get(name(signal));
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Events',
        MetricName: metricName,
        Dimensions: ruleNameOnly,
        Statistic: 'Sum',
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: evaluations,
        DatapointsToAlarm: datapoints,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalId(stack, topic) }],
        OKActions: [{ Ref: logicalId(stack, topic) }],
      });
      expect(tag(alarm, 'vigil:severity')).toBe(severity);
      expect(description(alarm)).toMatchObject({
        vigil: 1,
        service: 'shop',
        resource: 'order-placed',
        signal,
        severity,
        runbook: `https://runbooks.example.org/vigil/event-rule-${signal}`,
      });
    },
  );

  it('counts the targets with a dead-letter queue in the failed-invocations description', () => {
    const failed = description(alarms.get(name('failed-invocations')));
    expect(failed?.threshold).toBe(
      'any invocation that failed after retries (1 of 2 targets have a dead-letter queue), in one five-minute period',
    );
    expect(failed?.summary).toContain('without a dead-letter queue are lost');
  });
});

describe('EventRuleMonitor metric dimensions', () => {
  const dimensionsOf = (alarms: Map<string, AlarmProperties>, alarmName: string) =>
    alarms.get(alarmName)?.Dimensions;

  it('uses EventBusName and the name from the ARN for an unnamed rule on a custom bus', () => {
    let bus: events.EventBus | undefined;
    const { stack, rule, alarms } = monitorRule((s) => {
      bus = new events.EventBus(s, 'Orders');
      return new events.Rule(s, 'Shipped', { eventBus: bus, eventPattern: PATTERN });
    });
    const expected = [
      { Name: 'EventBusName', Value: { Ref: logicalId(stack, bus as events.EventBus) } },
      {
        Name: 'RuleName',
        Value: {
          'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [logicalId(stack, rule), 'Arn'] }] }],
        },
      },
    ];
    expect(dimensionsOf(alarms, 'vigil-shop-shipped-failed-invocations')).toEqual(expected);
    expect(dimensionsOf(alarms, 'vigil-shop-shipped-throttled-rules')).toEqual(expected);
  });

  it("uses a named rule's literal name, and the bus's name (its Ref), on a custom bus", () => {
    let bus: events.EventBus | undefined;
    const { stack, alarms } = monitorRule((s) => {
      bus = new events.EventBus(s, 'Orders', { eventBusName: 'orders' });
      return new events.Rule(s, 'Shipped', {
        eventBus: bus,
        ruleName: 'order-shipped',
        eventPattern: PATTERN,
      });
    });
    expect(dimensionsOf(alarms, 'vigil-shop-shipped-failed-invocations')).toEqual([
      { Name: 'EventBusName', Value: { Ref: logicalId(stack, bus as events.EventBus) } },
      { Name: 'RuleName', Value: 'order-shipped' },
    ]);
  });

  it('uses the literal bus name of an imported custom bus', () => {
    const { alarms } = monitorRule((s) => {
      const bus = events.EventBus.fromEventBusName(s, 'PartnerBus', 'aws.partner/example.com/123/orders');
      return new events.Rule(s, 'Partner', { eventBus: bus, eventPattern: PATTERN });
    });
    expect(dimensionsOf(alarms, 'vigil-shop-partner-failed-invocations')).toEqual([
      { Name: 'EventBusName', Value: 'aws.partner/example.com/123/orders' },
      {
        Name: 'RuleName',
        Value: {
          'Fn::Select': [
            5,
            { 'Fn::Split': ['/', { 'Fn::GetAtt': [expect.stringMatching(/^Partner/), 'Arn'] }] },
          ],
        },
      },
    ]);
  });

  it('treats a rule on the bus named "default" as a default-bus rule', () => {
    const { alarms } = monitorRule((s) => {
      const bus = events.EventBus.fromEventBusName(s, 'Default', 'default');
      return new events.Rule(s, 'Nightly', { eventBus: bus, ruleName: 'nightly', eventPattern: PATTERN });
    });
    expect(dimensionsOf(alarms, 'vigil-shop-nightly-failed-invocations')).toEqual([
      { Name: 'RuleName', Value: 'nightly' },
    ]);
  });

  it('reads bus and rule name from the ARN of an imported rule', () => {
    const { alarms } = monitorRule((s) =>
      events.Rule.fromEventRuleArn(
        s,
        'Imported',
        'arn:aws:events:eu-west-1:123456789012:rule/orders/nightly',
      ),
    );
    expect(dimensionsOf(alarms, 'vigil-shop-imported-failed-invocations')).toEqual([
      { Name: 'EventBusName', Value: 'orders' },
      { Name: 'RuleName', Value: 'nightly' },
    ]);
    expect(alarms.has('vigil-shop-imported-dead-letter-failed')).toBe(false);
  });

  it('uses only RuleName for an imported default-bus rule', () => {
    const { alarms } = monitorRule((s) =>
      events.Rule.fromEventRuleArn(s, 'Imported', 'arn:aws:events:eu-west-1:123456789012:rule/nightly'),
    );
    expect(dimensionsOf(alarms, 'vigil-shop-imported-failed-invocations')).toEqual([
      { Name: 'RuleName', Value: 'nightly' },
    ]);
  });
});

describe('EventRuleMonitor derives from the targets', () => {
  it('makes no dead-letter alarm when no target has a dead-letter queue', () => {
    const { alarms } = monitorRule((s) => {
      const rule = new events.Rule(s, 'Audit', { eventPattern: PATTERN });
      rule.addTarget(new targets.SqsQueue(new sqs.Queue(s, 'AuditQueue')));
      return rule;
    });
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-audit-failed-invocations',
      'vigil-shop-audit-throttled-rules',
    ]);
    expect(description(alarms.get('vigil-shop-audit-failed-invocations'))?.threshold).toBe(
      'any invocation that failed after retries (0 of 1 targets have a dead-letter queue), in one five-minute period',
    );
  });

  it("says failed events wait in the targets' dead-letter queues when every target has one", () => {
    const { alarms } = monitorRule((s) => {
      const rule = new events.Rule(s, 'Parked', { eventPattern: PATTERN });
      rule.addTarget(
        new targets.SqsQueue(new sqs.Queue(s, 'Q'), { deadLetterQueue: new sqs.Queue(s, 'QDlq') }),
      );
      return rule;
    });
    expect(description(alarms.get('vigil-shop-parked-failed-invocations'))?.summary).toContain(
      "wait in the targets' dead-letter queues",
    );
    expect(alarms.has('vigil-shop-parked-dead-letter-failed')).toBe(true);
  });

  it('is complete with one line: service from the stack, resource from the rule id', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new EventRuleMonitor(stack, 'Monitor', {
      rule: new events.Rule(stack, 'NightlyExport', { schedule: events.Schedule.rate(Duration.days(1)) }),
    });
    expect([...alarmsByName(stack).keys()].sort()).toEqual([
      'vigil-s-nightly-export-failed-invocations',
      'vigil-s-nightly-export-throttled-rules',
    ]);
  });
});

describe('EventRuleMonitor props and overrides', () => {
  const baseline = monitorRule(ruleWithMixedTargets).alarms;
  const name = (signal: string) => `vigil-shop-order-placed-${signal}`;
  const signals = ['failed-invocations', 'throttled-rules', 'dead-letter-failed'];
  const unchangedExcept = (alarms: Map<string, AlarmProperties>, changed: string) => {
    for (const signal of signals.filter((s) => s !== changed)) {
      expect(alarms.get(name(signal))).toEqual(baseline.get(name(signal)));
    }
  };

  it('changes only the failed-invocations alarm when failedInvocations is set', () => {
    const { alarms } = monitorRule(ruleWithMixedTargets, { failedInvocations: 3 });
    expect(baseline.get(name('failed-invocations'))?.Threshold).toBe(1);
    expect(alarms.get(name('failed-invocations'))?.Threshold).toBe(3);
    unchangedExcept(alarms, 'failed-invocations');
  });

  it('changes only the throttled-rules alarm when throttledRules is set', () => {
    const { alarms } = monitorRule(ruleWithMixedTargets, { throttledRules: 50 });
    expect(alarms.get(name('throttled-rules'))?.Threshold).toBe(50);
    expect(description(alarms.get(name('throttled-rules')))?.threshold).toBe(
      '50 throttled runs, set by the team, in 2 of 3 five-minute periods',
    );
    unchangedExcept(alarms, 'throttled-rules');
  });

  it.each(signals)('drops only %s when the service switches it off', (signal) => {
    const { alarms, monitor } = monitorRule(
      ruleWithMixedTargets,
      {},
      { overrides: { [`event-rule/${signal}`]: { enabled: false } } },
    );
    expect([...alarms.keys()].sort()).toEqual(
      signals
        .filter((s) => s !== signal)
        .map(name)
        .sort(),
    );
    expect(monitor.alarms).toHaveLength(2);
    unchangedExcept(alarms, signal);
  });

  it('adds or removes the dead-letter alarm with deadLetterFailureAlarm', () => {
    const forced = monitorRule((s) => new events.Rule(s, 'OrderPlaced', { eventPattern: PATTERN }), {
      deadLetterFailureAlarm: true,
    });
    expect(forced.alarms.has(name('dead-letter-failed'))).toBe(true);
    const removed = monitorRule(ruleWithMixedTargets, { deadLetterFailureAlarm: false });
    expect(removed.alarms.has(name('dead-letter-failed'))).toBe(false);
    expect(removed.alarms.size).toBe(2);
  });
});
