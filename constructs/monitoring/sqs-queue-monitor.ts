import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';

/**
 * The SQS queue a {@link SqsQueueMonitor} watches, and the thresholds of its alarms. Only the SQS queue is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface SqsQueueMonitorProps {
  /** The queue to watch. */
  readonly queue: sqs.IQueue;
  /** The queue's name within its service. @default kebab-case of the queue's construct id */
  readonly name?: string;
  /** The service the queue belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /**
   * The queue is itself a dead-letter queue (of a Lambda, an EventBridge target, an SNS subscription
   * or several queues): alarm only on messages arriving in it, since their age says nothing about
   * consumers. @default false
   */
  readonly deadLetter?: boolean;
  /**
   * Alarm on messages in the queue's own dead-letter queue, as signals of this queue. Set false when
   * that dead-letter queue has its own monitor (e.g. because several queues share it).
   * @default true when the queue has a dead-letter queue (L2 `deadLetterQueue`)
   */
  readonly deadLetterQueueAlarms?: boolean;
  /**
   * Age of the oldest message at which consumers are falling behind (warning).
   * @default the larger of 5 minutes and 4× the visibility timeout, at most a quarter of the retention period
   */
  readonly oldestMessageAge?: Duration;
  /**
   * Age of the oldest message at which messages are about to expire unprocessed (high).
   * @default half of the queue's retention period
   */
  readonly nearExpiryAge?: Duration;
  /** Visible messages in a dead-letter queue that mean work was lost (high). @default 1 */
  readonly deadLetterMessages?: number;
  /** Overrides for this queue's signals, keyed by signal; they win over the service's `sqs/<signal>` overrides. @default none */
  readonly overrides?: SignalOverrides<'sqs'>;
}

const FIVE_MINUTES = Duration.minutes(5);
// SQS's own defaults, used when the queue does not set them.
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
const DEFAULT_RETENTION_SECONDS = 4 * 24 * 3600;
// A message seen this many visibility timeouts ago has failed several receives or waited that long.
const VISIBILITY_TIMEOUTS_BEHIND = 4;
const MIN_OLDEST_MESSAGE_AGE_SECONDS = 300;

/**
 * Alarms for one SQS queue, thresholds taken from the queue's own configuration.
 *
 * A work queue (the default) gets two alarms on the age of its oldest message: a warning when
 * consumers fall behind (against the visibility timeout) and a high alarm when messages near the
 * end of the retention period and are about to be deleted unprocessed. When the queue has a
 * dead-letter queue, any message in it raises a high alarm too, named after this queue.
 *
 * Poison messages are the dead-letter queue's to catch, not the age alarms': for a standard queue,
 * SQS moves a message received three or more times and not deleted to the back of the queue and
 * leaves it out of ApproximateAgeOfOldestMessage until it is processed, "even when a redrive policy is
 * in place" (SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS"; "Capturing problematic
 * messages in Amazon SQS": configure a dead-letter queue "to capture all messages that can't be
 * processed, and to collect accurate CloudWatch metrics"). With a redrive policy such a message lands in
 * the dead-letter queue after `maxReceiveCount` receives and raises the dead-letter alarm. A standard
 * queue without one gets a construct warning instead of an alarm: no SQS metric singles out a message
 * that keeps failing (receive and in-flight counts move with healthy traffic too), and it would
 * circulate until the retention period deletes it. A FIFO queue does not reorder: a failed message
 * blocks its group and stays the oldest, so the age alarms see it.
 *
 * With `deadLetter: true` the queue is treated as a dead-letter queue: its only alarm is on
 * messages in it. Use that for dead-letter queues that no monitored work queue redrives into
 * (Lambda, EventBridge and SNS dead-letter queues, or one shared by several queues); a work queue's
 * monitor already covers its own.
 */
export class SqsQueueMonitor extends ResourceMonitor<'sqs'> {
  constructor(scope: Construct, id: string, props: SqsQueueMonitorProps) {
    super(scope, id, props, () => ({ kind: 'sqs', name: props.name ?? kebab(props.queue.node.id) }));
    const { queue } = props;
    const deadLetterMessages = props.deadLetterMessages ?? 1;

    if (props.deadLetter) {
      this.addDeadLetterAlarm(queue, deadLetterMessages, 'Messages reached this dead-letter queue');
      return;
    }

    const config = queueConfig(queue);
    const nearExpirySeconds = props.nearExpiryAge?.toSeconds() ?? Math.floor(config.retention.seconds / 2);
    const teamAge = props.oldestMessageAge?.toSeconds();
    const oldestMessage =
      teamAge === undefined
        ? defaultOldestMessageAge(config)
        : { seconds: teamAge, reason: `${describeSeconds(teamAge)}, set by the team` };

    this.addAlarm({
      signal: 'oldest-message-age',
      metric: queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: oldestMessage.seconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // An idle queue stops reporting; no data means no waiting message.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'Messages wait longer than consumers should need; consumers are failing, stuck or too few.',
      thresholdReason: oldestMessage.reason,
      thresholdUnit: 's',
    });

    this.addAlarm({
      signal: 'messages-near-expiry',
      metric: queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: nearExpirySeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary:
        'The oldest message nears the end of its retention period; unprocessed messages will soon be deleted.',
      thresholdReason: props.nearExpiryAge
        ? `${describeSeconds(nearExpirySeconds)}, set by the team (retention period ${config.retention.text})`
        : `half of the retention period of ${config.retention.text}`,
      thresholdUnit: 's',
    });

    if (withoutRedrivePolicy(queue)) {
      Annotations.of(this).addWarningV2(
        '@vigil/monitoring:sqs-without-redrive-policy',
        `${queue.node.path} has no redrive policy: SQS leaves a message received three or more times and ` +
          'never deleted out of ApproximateAgeOfOldestMessage, so no Vigil alarm sees a poison message, and ' +
          'it is deleted unprocessed at the end of the retention period. Give the queue a dead-letter queue ' +
          '(`deadLetterQueue: { queue, maxReceiveCount: 3 }`): this monitor then alarms on any message in it.',
      );
    }

    const deadLetterQueue = queue instanceof sqs.Queue ? queue.deadLetterQueue : undefined;
    if (deadLetterQueue && (props.deadLetterQueueAlarms ?? true)) {
      this.addDeadLetterAlarm(
        deadLetterQueue.queue,
        deadLetterMessages,
        Token.isUnresolved(deadLetterQueue.maxReceiveCount)
          ? 'Messages failed repeated receives and were moved to the dead-letter queue'
          : `Messages failed ${deadLetterQueue.maxReceiveCount} receives and were moved to the dead-letter queue`,
        // Its messages have a source queue to go back to once the cause is gone.
        'dlq-redrive',
      );
    }
  }

  private addDeadLetterAlarm(
    deadLetterQueue: sqs.IQueue,
    threshold: number,
    what: string,
    playbook?: string,
  ): void {
    this.addAlarm({
      signal: 'dead-letter-messages',
      // Maximum over five minutes: the approximate count can read 0 for a moment while messages remain.
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: `${what}; that work is not done until someone inspects and redrives them.`,
      playbook,
      thresholdReason:
        threshold === 1
          ? 'any visible message (each one is lost work)'
          : `${threshold} visible messages, set by the team`,
    });
  }
}

/** A standard queue of the app whose template sets no redrive policy; false when a token hides either. */
function withoutRedrivePolicy(queue: sqs.IQueue): boolean {
  const cfn = queue.node.defaultChild;
  if (!(cfn instanceof sqs.CfnQueue)) return false;
  const fifo = cfn.fifoQueue;
  if (fifo === true || (fifo !== undefined && Token.isUnresolved(fifo))) return false;
  return cfn.redrivePolicy === undefined;
}

interface Seconds {
  readonly seconds: number;
  /** How the value is described in a threshold reason. */
  readonly text: string;
}

interface QueueConfig {
  readonly visibilityTimeout: Seconds;
  readonly retention: Seconds;
}

/** The queue's visibility timeout and retention, falling back to SQS's defaults when unset or unreadable. */
function queueConfig(queue: sqs.IQueue): QueueConfig {
  const cfn = queue.node.defaultChild instanceof sqs.CfnQueue ? queue.node.defaultChild : undefined;
  return {
    visibilityTimeout: setting(cfn, cfn?.visibilityTimeout, DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
    retention: setting(cfn, cfn?.messageRetentionPeriod, DEFAULT_RETENTION_SECONDS),
  };
}

function setting(cfn: sqs.CfnQueue | undefined, value: number | undefined, sqsDefault: number): Seconds {
  if (value !== undefined && !Token.isUnresolved(value)) {
    return { seconds: value, text: describeSeconds(value) };
  }
  const why =
    cfn === undefined
      ? 'SQS default assumed: the queue is imported'
      : value === undefined
        ? 'SQS default'
        : 'SQS default assumed: the queue sets it from a value unknown at synth time';
  return { seconds: sqsDefault, text: `${describeSeconds(sqsDefault)} (${why})` };
}

/** The larger of 5 minutes and 4 visibility timeouts, kept well below the near-expiry alarm. */
function defaultOldestMessageAge(config: QueueConfig): { seconds: number; reason: string } {
  const behind = VISIBILITY_TIMEOUTS_BEHIND * config.visibilityTimeout.seconds;
  const cap = Math.floor(config.retention.seconds / 4);
  if (Math.max(behind, MIN_OLDEST_MESSAGE_AGE_SECONDS) > cap) {
    return { seconds: cap, reason: `a quarter of the retention period of ${config.retention.text}` };
  }
  if (behind >= MIN_OLDEST_MESSAGE_AGE_SECONDS) {
    return {
      seconds: behind,
      reason: `${VISIBILITY_TIMEOUTS_BEHIND}× the visibility timeout of ${config.visibilityTimeout.text}`,
    };
  }
  return {
    seconds: MIN_OLDEST_MESSAGE_AGE_SECONDS,
    reason: `5 min, more than ${VISIBILITY_TIMEOUTS_BEHIND}× the visibility timeout of ${config.visibilityTimeout.text}`,
  };
}

/** `172800` → `2 days`, `480` → `8 min`. */
function describeSeconds(seconds: number): string {
  const units: [number, string, string][] = [
    [86_400, ' day', ' days'],
    [3_600, ' h', ' h'],
    [60, ' min', ' min'],
  ];
  for (const [size, one, many] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count}${count === 1 ? one : many}`;
    }
  }
  return `${seconds} s`;
}
