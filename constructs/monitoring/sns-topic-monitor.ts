import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';
import { resourcesReferencing } from './stack-references';

/**
 * The SNS topic a {@link SnsTopicMonitor} watches, and the thresholds of its alarms. Only the SNS topic is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface SnsTopicMonitorProps {
  /** The topic to watch. */
  readonly topic: sns.ITopic;
  /** The topic's name within its service. @default kebab-case of the topic's construct id */
  readonly name?: string;
  /** The service the topic belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /**
   * Failed deliveries in five minutes that mean subscribers miss messages (high).
   * @default 1: SNS counts a delivery as failed only after its retries, so each one is a missed message
   */
  readonly failedNotifications?: number;
  /**
   * Alarm when failed deliveries cannot be moved to a subscription's dead-letter queue (critical).
   * @default true when a subscription to the topic in the topic's stack has a dead-letter queue
   */
  readonly redriveFailureAlarm?: boolean;
  /** Overrides for this topic's signals, keyed by signal; they win over the service's `sns/<signal>` overrides. @default none */
  readonly overrides?: SignalOverrides<'sns'>;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms for one SNS topic: deliveries to subscribers that failed after SNS's retries, and, when
 * subscriptions have dead-letter queues, failed deliveries that could not even be parked there.
 * The subscriptions in the topic's stack decide whether the redrive alarm exists and how the
 * failed-delivery alarm describes the damage.
 */
export class SnsTopicMonitor extends ResourceMonitor<'sns'> {
  constructor(scope: Construct, id: string, props: SnsTopicMonitorProps) {
    super(scope, id, props, () => ({ kind: 'sns', name: props.name ?? kebab(props.topic.node.id) }));
    const { topic } = props;
    const subscriptions = subscriptionsOf(topic);
    const withDeadLetterQueue = subscriptions.filter(
      (subscription) => subscription.redrivePolicy !== undefined,
    );

    const failed = props.failedNotifications ?? 1;
    const allParked = subscriptions.length > 0 && withDeadLetterQueue.length === subscriptions.length;
    this.addAlarm({
      signal: 'notifications-failed',
      metric: topic.metricNumberOfNotificationsFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: failed,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SNS reports nothing when nothing failed.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: allParked
        ? "Deliveries to subscribers failed after SNS's retries; the messages wait in the subscriptions' dead-letter queues."
        : "Deliveries to subscribers failed after SNS's retries; subscribers without a dead-letter queue lost them.",
      thresholdReason:
        (failed === 1 ? 'any failed delivery' : `${failed} failed deliveries, set by the team`) +
        (subscriptions.length > 0
          ? ` (${withDeadLetterQueue.length} of ${subscriptions.length} subscriptions have a dead-letter queue)`
          : ''),
    });

    if (props.redriveFailureAlarm ?? withDeadLetterQueue.length > 0) {
      this.addAlarm({
        signal: 'dead-letter-redrive-failed',
        metric: topic.metric('NumberOfNotificationsFailedToRedriveToDlq', {
          period: FIVE_MINUTES,
          statistic: 'Sum',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'critical',
        summary:
          'Failed deliveries could not be moved to the dead-letter queue (missing permission or key access?); those messages are gone.',
        thresholdReason: 'any message (each one is lost for good)',
      });
    }
  }
}

/** Subscriptions to the topic defined in the topic's stack; subscriptions made elsewhere are not seen. */
function subscriptionsOf(topic: sns.ITopic): sns.CfnSubscription[] {
  return resourcesReferencing(
    topic,
    sns.CfnSubscription,
    (subscription) => subscription.topicArn,
    topic.topicArn,
  );
}
