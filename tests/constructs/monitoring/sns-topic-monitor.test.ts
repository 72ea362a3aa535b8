import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import {
  ServiceMonitoring,
  type ServiceMonitoringProps,
} from '../../../constructs/monitoring/service-monitoring';
import { SnsTopicMonitor, type SnsTopicMonitorProps } from '../../../constructs/monitoring/sns-topic-monitor';
import { type AlarmProperties, alarmsByName, description, tag } from '../../support/alarm-template';

function ref(stack: Stack, construct: { node: { defaultChild?: unknown } }): { Ref: string } {
  return { Ref: stack.getLogicalId(construct.node.defaultChild as CfnElement) };
}

/** A topic with one SQS subscription that has a dead-letter queue and one HTTPS subscription without. */
function topicWithMixedSubscriptions(stack: Stack): sns.Topic {
  const topic = new sns.Topic(stack, 'OrderEvents');
  topic.addSubscription(
    new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Billing'), {
      deadLetterQueue: new sqs.Queue(stack, 'BillingDlq'),
    }),
  );
  topic.addSubscription(new subscriptions.UrlSubscription('https://partner.example.org/hook'));
  return topic;
}

function monitorTopic(
  configure: (stack: Stack) => sns.ITopic,
  props: Omit<SnsTopicMonitorProps, 'topic'> = {},
  monitoringProps: Partial<ServiceMonitoringProps> = {},
): { monitor: SnsTopicMonitor; alarms: Map<string, AlarmProperties> } {
  const app = new App();
  const stack = new Stack(app, 'S');
  const topic = configure(stack);
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop', ...monitoringProps });
  const monitor = new SnsTopicMonitor(stack, 'Monitor', { topic, monitoring, ...props });
  return { monitor, alarms: alarmsByName(stack) };
}

describe('SnsTopicMonitor on a topic whose subscriptions partly have dead-letter queues', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const critical = new sns.Topic(stack, 'Critical');
  const high = new sns.Topic(stack, 'High');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'shop',
    routing: routeToTopics({ critical, high }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const topic = topicWithMixedSubscriptions(stack);
  const monitor = new SnsTopicMonitor(stack, 'OrderEventsMonitor', { topic, monitoring });
  const alarms = alarmsByName(stack);
  const failed = alarms.get('vigil-shop-order-events-notifications-failed');
  const redrive = alarms.get('vigil-shop-order-events-dead-letter-redrive-failed');
  const topicName = {
    'Fn::GetAtt': [stack.getLogicalId(topic.node.defaultChild as CfnElement), 'TopicName'],
  };

  it('makes the failed-delivery and redrive alarms, named by the one rule, and reports them', () => {
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-order-events-dead-letter-redrive-failed',
      'vigil-shop-order-events-notifications-failed',
    ]);
    expect(monitor.alarms).toHaveLength(2);
    expect(monitoring.createdAlarms()).toHaveLength(2);
  });

  it('raises high on any failed delivery in five minutes', () => {
    expect(failed).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: topicName }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(failed, 'vigil:severity')).toBe('high');
  });

  it('raises critical on any message that could not be moved to a dead-letter queue', () => {
    expect(redrive).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailedToRedriveToDlq',
      Dimensions: [{ Name: 'TopicName', Value: topicName }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(redrive, 'vigil:severity')).toBe('critical');
  });

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    expect(failed).toMatchObject({ AlarmActions: [ref(stack, high)], OKActions: [ref(stack, high)] });
    expect(redrive).toMatchObject({
      AlarmActions: [ref(stack, critical)],
      OKActions: [ref(stack, critical)],
    });
  });

  it('describes both alarms as JSON the enrichment Lambda parses, counting the subscriptions with a DLQ', () => {
    expect(description(failed)).toMatchObject({
      vigil: 1,
      service: 'shop',
      resource: 'order-events',
      signal: 'notifications-failed',
      severity: 'high',
      threshold:
        'any failed delivery (1 of 2 subscriptions have a dead-letter queue), in one five-minute period',
      runbook: 'https://runbooks.example.org/vigil/sns-notifications-failed',
    });
    expect(description(failed)?.summary).toContain('without a dead-letter queue lost them');
    expect(description(redrive)).toMatchObject({
      resource: 'order-events',
      signal: 'dead-letter-redrive-failed',
      severity: 'critical',
      threshold: 'any message (each one is lost for good), in one five-minute period',
      runbook: 'https://runbooks.example.org/vigil/sns-dead-letter-redrive-failed',
    });
    expect(tag(redrive, 'vigil:resource')).toBe('order-events');
  });
});

describe('SnsTopicMonitor derives from the subscriptions', () => {
  it('makes no redrive alarm for a topic whose subscriptions have no dead-letter queue', () => {
    const { alarms } = monitorTopic((stack) => {
      const topic = new sns.Topic(stack, 'Alerts');
      topic.addSubscription(new subscriptions.EmailSubscription('oncall@example.org'));
      return topic;
    });
    expect([...alarms.keys()]).toEqual(['vigil-shop-alerts-notifications-failed']);
    expect(description(alarms.get('vigil-shop-alerts-notifications-failed'))?.threshold).toBe(
      'any failed delivery (0 of 1 subscriptions have a dead-letter queue), in one five-minute period',
    );
  });

  it('says failed messages wait in dead-letter queues when every subscription has one', () => {
    const { alarms } = monitorTopic((stack) => {
      const topic = new sns.Topic(stack, 'Parked');
      topic.addSubscription(
        new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Q'), {
          deadLetterQueue: new sqs.Queue(stack, 'QDlq'),
        }),
      );
      return topic;
    });
    const failed = description(alarms.get('vigil-shop-parked-notifications-failed'));
    expect(failed?.summary).toContain("wait in the subscriptions' dead-letter queues");
    expect(failed?.threshold).toBe(
      'any failed delivery (1 of 1 subscriptions have a dead-letter queue), in one five-minute period',
    );
    expect(alarms.has('vigil-shop-parked-dead-letter-redrive-failed')).toBe(true);
  });

  it('ignores subscriptions of other topics', () => {
    const { alarms } = monitorTopic((stack) => {
      topicWithMixedSubscriptions(stack);
      return new sns.Topic(stack, 'Quiet');
    });
    expect([...alarms.keys()]).toEqual(['vigil-shop-quiet-notifications-failed']);
    expect(description(alarms.get('vigil-shop-quiet-notifications-failed'))?.threshold).toBe(
      'any failed delivery, in one five-minute period',
    );
  });

  it('is complete with one line: service from the stack, resource from the topic id', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new SnsTopicMonitor(stack, 'Monitor', { topic: new sns.Topic(stack, 'PaymentEvents') });
    expect([...alarmsByName(stack).keys()]).toEqual(['vigil-s-payment-events-notifications-failed']);
  });
});

describe('SnsTopicMonitor props and overrides', () => {
  const baseline = monitorTopic(topicWithMixedSubscriptions).alarms;
  const failedName = 'vigil-shop-order-events-notifications-failed';
  const redriveName = 'vigil-shop-order-events-dead-letter-redrive-failed';

  it('changes only the failed-delivery alarm when failedNotifications is set', () => {
    const { alarms } = monitorTopic(topicWithMixedSubscriptions, { failedNotifications: 5 });
    expect(baseline.get(failedName)?.Threshold).toBe(1);
    expect(alarms.get(failedName)?.Threshold).toBe(5);
    expect(description(alarms.get(failedName))?.threshold).toBe(
      '5 failed deliveries, set by the team (1 of 2 subscriptions have a dead-letter queue), in one five-minute period',
    );
    expect(alarms.get(redriveName)).toEqual(baseline.get(redriveName));
  });

  it('drops only the redrive alarm when the service switches it off', () => {
    const { alarms, monitor } = monitorTopic(
      topicWithMixedSubscriptions,
      {},
      { overrides: { 'sns/dead-letter-redrive-failed': { enabled: false } } },
    );
    expect([...alarms.keys()]).toEqual([failedName]);
    expect(alarms.get(failedName)).toEqual(baseline.get(failedName));
    expect(monitor.alarms).toHaveLength(1);
  });

  it('drops only the failed-delivery alarm when the service switches it off', () => {
    const { alarms } = monitorTopic(
      topicWithMixedSubscriptions,
      {},
      { overrides: { 'sns/notifications-failed': { enabled: false } } },
    );
    expect([...alarms.keys()]).toEqual([redriveName]);
  });

  it('adds or removes the redrive alarm with redriveFailureAlarm', () => {
    const forced = monitorTopic((stack) => new sns.Topic(stack, 'OrderEvents'), {
      redriveFailureAlarm: true,
    });
    expect(forced.alarms.has(redriveName)).toBe(true);
    const removed = monitorTopic(topicWithMixedSubscriptions, { redriveFailureAlarm: false });
    expect([...removed.alarms.keys()]).toEqual([failedName]);
  });
});
