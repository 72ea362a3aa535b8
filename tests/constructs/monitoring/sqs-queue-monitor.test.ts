import { App, type CfnElement, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import {
  ServiceMonitoring,
  type ServiceMonitoringProps,
} from '../../../constructs/monitoring/service-monitoring';
import { SqsQueueMonitor, type SqsQueueMonitorProps } from '../../../constructs/monitoring/sqs-queue-monitor';
import { type AlarmProperties, alarmsByName, tag } from '../../support/alarm-template';

function queueNameOf(stack: Stack, queue: sqs.IQueue): unknown {
  return { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as CfnElement), 'QueueName'] };
}

/** One stack with one monitored queue; `configure` builds the queue (and anything else) in it. */
function monitorQueue(
  configure: (stack: Stack) => sqs.IQueue,
  props: Omit<SqsQueueMonitorProps, 'queue'> = {},
  monitoringProps: Partial<ServiceMonitoringProps> = {},
): { stack: Stack; queue: sqs.IQueue; monitor: SqsQueueMonitor; alarms: Map<string, AlarmProperties> } {
  const app = new App();
  const stack = new Stack(app, 'S');
  const queue = configure(stack);
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop', ...monitoringProps });
  const monitor = new SqsQueueMonitor(stack, 'Monitor', { queue, monitoring, ...props });
  return { stack, queue, monitor, alarms: alarmsByName(stack) };
}

describe('SqsQueueMonitor on a work queue with a dead-letter queue', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'shop',
    routing: routeToTopics({ high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil/',
  });
  const dlq = new sqs.Queue(stack, 'OrdersDlq', { retentionPeriod: Duration.days(14) });
  const queue = new sqs.Queue(stack, 'Orders', {
    visibilityTimeout: Duration.seconds(120),
    retentionPeriod: Duration.days(2),
    deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
  });
  const monitor = new SqsQueueMonitor(stack, 'OrdersMonitor', { queue, monitoring });
  const alarms = alarmsByName(stack);
  const name = (signal: string) => `vigil-shop-orders-${signal}`;

  it('makes the age alarms and the dead-letter alarm, named by the one rule, and reports them', () => {
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-orders-dead-letter-messages',
      'vigil-shop-orders-messages-near-expiry',
      'vigil-shop-orders-oldest-message-age',
    ]);
    expect(monitor.alarms.map((alarm) => alarm.node.id).sort()).toEqual([
      'DeadLetterMessages',
      'MessagesNearExpiry',
      'OldestMessageAge',
    ]);
    expect(monitoring.createdAlarms()).toHaveLength(3);
  });

  it('warns when the oldest message is older than 4 visibility timeouts (120 s → 480 s)', () => {
    const alarm = alarms.get(name('oldest-message-age'));
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: queueNameOf(stack, queue) }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 480,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it('raises high when the oldest message has used half of the 2-day retention (86400 s)', () => {
    const alarm = alarms.get(name('messages-near-expiry'));
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: queueNameOf(stack, queue) }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 86_400,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
  });

  it('raises high on any visible message in the dead-letter queue, measured on that queue', () => {
    const alarm = alarms.get(name('dead-letter-messages'));
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queueNameOf(stack, dlq) }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
  });

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    const highRef = [{ Ref: stack.getLogicalId(high.node.defaultChild as CfnElement) }];
    const warningRef = [{ Ref: stack.getLogicalId(warning.node.defaultChild as CfnElement) }];
    for (const signal of ['messages-near-expiry', 'dead-letter-messages']) {
      expect(alarms.get(name(signal))).toMatchObject({ AlarmActions: highRef, OKActions: highRef });
    }
    expect(alarms.get(name('oldest-message-age'))).toMatchObject({
      AlarmActions: warningRef,
      OKActions: warningRef,
    });
  });

  it.each([
    ['oldest-message-age', 'warning', '4× the visibility timeout of 2 min, in 2 of 3 five-minute periods'],
    [
      'messages-near-expiry',
      'high',
      'half of the retention period of 2 days, in 2 consecutive five-minute periods',
    ],
    [
      'dead-letter-messages',
      'high',
      'any visible message (each one is lost work), in one five-minute period',
    ],
  ])('describes %s as JSON the enrichment Lambda parses, and tags it', (signal, severity, threshold) => {
    const alarm = alarms.get(name(signal));
    const description = parseAlarmDescription(alarm?.AlarmDescription as string);
    expect(description).toMatchObject({
      vigil: 1,
      service: 'shop',
      resource: 'orders',
      signal,
      severity,
      threshold,
      runbook: `https://runbooks.example.org/vigil/sqs-${signal}`,
    });
    expect(description?.summary.length).toBeGreaterThan(30);
    expect(tag(alarm, 'vigil:service')).toBe('shop');
    expect(tag(alarm, 'vigil:resource')).toBe('orders');
    expect(tag(alarm, 'vigil:signal')).toBe(signal);
  });

  it('says in the dead-letter summary how many receives a message failed', () => {
    const description = parseAlarmDescription(
      alarms.get(name('dead-letter-messages'))?.AlarmDescription as string,
    );
    expect(description?.summary).toContain('failed 5 receives');
  });
});

describe('SqsQueueMonitor thresholds follow the queue', () => {
  const thresholds = (alarms: Map<string, AlarmProperties>, queueName: string) => ({
    age: alarms.get(`vigil-shop-${queueName}-oldest-message-age`)?.Threshold,
    expiry: alarms.get(`vigil-shop-${queueName}-messages-near-expiry`)?.Threshold,
  });
  const reason = (alarms: Map<string, AlarmProperties>, alarmName: string) =>
    parseAlarmDescription(alarms.get(alarmName)?.AlarmDescription as string)?.threshold;

  it('a queue with a 10 min visibility timeout and 14-day retention gets 40 min and 7 days', () => {
    const { alarms } = monitorQueue(
      (stack) =>
        new sqs.Queue(stack, 'Exports', {
          visibilityTimeout: Duration.minutes(10),
          retentionPeriod: Duration.days(14),
        }),
    );
    expect(thresholds(alarms, 'exports')).toEqual({ age: 2_400, expiry: 604_800 });
    expect(reason(alarms, 'vigil-shop-exports-messages-near-expiry')).toBe(
      'half of the retention period of 14 days, in 2 consecutive five-minute periods',
    );
  });

  it('a queue with SQS defaults (30 s, 4 days) gets the 5 min floor and 2 days, and says they are defaults', () => {
    const { alarms } = monitorQueue((stack) => new sqs.Queue(stack, 'Plain'));
    expect(thresholds(alarms, 'plain')).toEqual({ age: 300, expiry: 172_800 });
    expect(reason(alarms, 'vigil-shop-plain-oldest-message-age')).toBe(
      '5 min, more than 4× the visibility timeout of 30 s (SQS default), in 2 of 3 five-minute periods',
    );
    expect(reason(alarms, 'vigil-shop-plain-messages-near-expiry')).toBe(
      'half of the retention period of 4 days (SQS default), in 2 consecutive five-minute periods',
    );
  });

  it('keeps the warning below the near-expiry alarm when the visibility timeout is long for the retention', () => {
    const { alarms } = monitorQueue(
      (stack) =>
        new sqs.Queue(stack, 'Slow', {
          visibilityTimeout: Duration.hours(12),
          retentionPeriod: Duration.days(1),
        }),
    );
    expect(thresholds(alarms, 'slow')).toEqual({ age: 21_600, expiry: 43_200 });
    expect(reason(alarms, 'vigil-shop-slow-oldest-message-age')).toBe(
      'a quarter of the retention period of 1 day, in 2 of 3 five-minute periods',
    );
  });

  it('falls back to the SQS default, and says so, when the retention is a token', () => {
    const { alarms } = monitorQueue((stack) => {
      const seconds = new CfnParameter(stack, 'RetentionSeconds', { type: 'Number' });
      return new sqs.Queue(stack, 'Tokened', { retentionPeriod: Duration.seconds(seconds.valueAsNumber) });
    });
    expect(thresholds(alarms, 'tokened')).toEqual({ age: 300, expiry: 172_800 });
    expect(reason(alarms, 'vigil-shop-tokened-messages-near-expiry')).toBe(
      'half of the retention period of 4 days (SQS default assumed: the queue sets it from a value unknown at synth time), in 2 consecutive five-minute periods',
    );
  });

  it('falls back to the SQS defaults for an imported queue, which has no dead-letter alarm', () => {
    const { alarms } = monitorQueue((stack) =>
      sqs.Queue.fromQueueArn(stack, 'Legacy', 'arn:aws:sqs:eu-west-1:123456789012:legacy'),
    );
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-legacy-messages-near-expiry',
      'vigil-shop-legacy-oldest-message-age',
    ]);
    expect(thresholds(alarms, 'legacy')).toEqual({ age: 300, expiry: 172_800 });
    expect(alarms.get('vigil-shop-legacy-oldest-message-age')?.Dimensions).toEqual([
      { Name: 'QueueName', Value: 'legacy' },
    ]);
    expect(reason(alarms, 'vigil-shop-legacy-messages-near-expiry')).toContain('the queue is imported');
  });
});

describe('SqsQueueMonitor props and overrides', () => {
  const workQueue = (stack: Stack) => {
    const dlq = new sqs.Queue(stack, 'WorkDlq');
    return new sqs.Queue(stack, 'Work', {
      visibilityTimeout: Duration.seconds(120),
      retentionPeriod: Duration.days(2),
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
  };
  const baseline = monitorQueue(workQueue).alarms;

  it('is complete with one line: service from the stack, resource from the queue id', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new SqsQueueMonitor(stack, 'Monitor', { queue: new sqs.Queue(stack, 'PaymentEvents') });
    expect([...alarmsByName(stack).keys()].sort()).toEqual([
      'vigil-s-payment-events-messages-near-expiry',
      'vigil-s-payment-events-oldest-message-age',
    ]);
  });

  it('changes only the warning alarm when oldestMessageAge is set', () => {
    const { alarms } = monitorQueue(workQueue, { oldestMessageAge: Duration.minutes(20) });
    const alarm = alarms.get('vigil-shop-work-oldest-message-age');
    expect(alarm?.Threshold).toBe(1_200);
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)?.threshold).toBe(
      '20 min, set by the team, in 2 of 3 five-minute periods',
    );
    expect(baseline.get('vigil-shop-work-oldest-message-age')?.Threshold).toBe(480);
    for (const signal of ['messages-near-expiry', 'dead-letter-messages']) {
      expect(alarms.get(`vigil-shop-work-${signal}`)).toEqual(baseline.get(`vigil-shop-work-${signal}`));
    }
  });

  it('changes only the near-expiry alarm when nearExpiryAge is set', () => {
    const { alarms } = monitorQueue(workQueue, { nearExpiryAge: Duration.hours(6) });
    expect(alarms.get('vigil-shop-work-messages-near-expiry')?.Threshold).toBe(21_600);
    for (const signal of ['oldest-message-age', 'dead-letter-messages']) {
      expect(alarms.get(`vigil-shop-work-${signal}`)).toEqual(baseline.get(`vigil-shop-work-${signal}`));
    }
  });

  it('changes only the dead-letter alarm when deadLetterMessages is set', () => {
    const { alarms } = monitorQueue(workQueue, { deadLetterMessages: 10 });
    expect(alarms.get('vigil-shop-work-dead-letter-messages')?.Threshold).toBe(10);
    for (const signal of ['oldest-message-age', 'messages-near-expiry']) {
      expect(alarms.get(`vigil-shop-work-${signal}`)).toEqual(baseline.get(`vigil-shop-work-${signal}`));
    }
  });

  it.each(['oldest-message-age', 'messages-near-expiry', 'dead-letter-messages'])(
    'drops only %s when the service switches it off',
    (signal) => {
      const { alarms, monitor } = monitorQueue(
        workQueue,
        {},
        { overrides: { [`sqs/${signal}`]: { enabled: false } } },
      );
      expect([...alarms.keys()].sort()).toEqual(
        [...baseline.keys()].filter((alarmName) => alarmName !== `vigil-shop-work-${signal}`).sort(),
      );
      expect(monitor.alarms).toHaveLength(2);
    },
  );

  it('applies a service-wide severity override', () => {
    const { alarms } = monitorQueue(
      workQueue,
      {},
      { overrides: { 'sqs/oldest-message-age': { severity: 'high' } } },
    );
    expect(tag(alarms.get('vigil-shop-work-oldest-message-age'), 'vigil:severity')).toBe('high');
  });

  it('leaves the dead-letter queue to its own monitor when deadLetterQueueAlarms is false', () => {
    const { alarms } = monitorQueue(workQueue, { deadLetterQueueAlarms: false });
    expect(alarms.has('vigil-shop-work-dead-letter-messages')).toBe(false);
    expect(alarms.size).toBe(2);
  });
});

describe('SqsQueueMonitor in dead-letter mode', () => {
  it('alarms only on visible messages of the queue itself', () => {
    const { stack, queue, alarms } = monitorQueue(
      (s) => new sqs.Queue(s, 'IngestDlq', { retentionPeriod: Duration.days(14) }),
      { deadLetter: true },
    );
    expect([...alarms.keys()]).toEqual(['vigil-shop-ingest-dlq-dead-letter-messages']);
    const alarm = alarms.get('vigil-shop-ingest-dlq-dead-letter-messages');
    expect(alarm).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queueNameOf(stack, queue) }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)).toMatchObject({
      resource: 'ingest-dlq',
      signal: 'dead-letter-messages',
      severity: 'high',
    });
  });

  it('is switched off by the same override key as a work queue dead-letter alarm', () => {
    const { alarms, monitor } = monitorQueue(
      (s) => new sqs.Queue(s, 'IngestDlq'),
      { deadLetter: true },
      { overrides: { 'sqs/dead-letter-messages': { enabled: false } } },
    );
    expect(alarms.size).toBe(0);
    expect(monitor.alarms).toEqual([]);
  });
});

describe('SqsQueueMonitor and poison messages (left out of ApproximateAgeOfOldestMessage by SQS)', () => {
  const warnings = (stack: Stack) =>
    Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no redrive policy'));

  it('warns on a standard queue without a redrive policy: no age alarm would ever see its poison messages', () => {
    const { stack, alarms } = monitorQueue((scope) => new sqs.Queue(scope, 'Jobs'));
    expect(warnings(stack)).toHaveLength(1);
    expect(warnings(stack)[0]?.entry.data).toMatch(
      /^S\/Jobs has no redrive policy: SQS leaves a message received three or more times .*deadLetterQueue: \{ queue, maxReceiveCount: 3 \}/,
    );
    // No alarm stands in for it: only the dead-letter queue isolates a message that keeps failing.
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-jobs-messages-near-expiry',
      'vigil-shop-jobs-oldest-message-age',
    ]);
  });

  it('catches them with the dead-letter alarm once the queue has a redrive policy, and does not warn', () => {
    const { stack, alarms } = monitorQueue(
      (scope) =>
        new sqs.Queue(scope, 'Jobs', {
          deadLetterQueue: { queue: new sqs.Queue(scope, 'JobsDlq'), maxReceiveCount: 3 },
        }),
    );
    expect(warnings(stack)).toEqual([]);
    expect(alarms.get('vigil-shop-jobs-dead-letter-messages')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it('does not warn on a FIFO queue (a failed message blocks its group and stays the oldest) or a dead-letter queue', () => {
    expect(warnings(monitorQueue((scope) => new sqs.Queue(scope, 'Jobs', { fifo: true })).stack)).toEqual([]);
    expect(
      warnings(monitorQueue((scope) => new sqs.Queue(scope, 'Dlq'), { deadLetter: true }).stack),
    ).toEqual([]);
  });
});
