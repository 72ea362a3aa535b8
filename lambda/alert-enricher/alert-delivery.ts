import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AlarmSeverity } from '../../constructs/alarm-severity';
import { withTimeout } from './context/with-timeout';
import type { EnrichedAlert } from './enriched-alert';
import { toChatbotNotification } from './formats/chatbot-notification';
import { fitToSize } from './formats/fit-to-size';
import { PAGERDUTY_MAX_BYTES, toPagerDutyEvent } from './formats/pagerduty-event';
import { SNS_MAX_BYTES, toSnsMessage } from './formats/sns-message';
import { toStructuredAlert } from './formats/structured-alert';
import type { PagerDutySender } from './pagerduty-sender';

/** Where one severity's alerts go; only the topic is required. */
export interface SeverityDestinations {
  /** Severity topic: email, HTTPS and queue subscribers get the per-protocol message. */
  readonly topicArn: string;
  /** Chat channel topic (AWS Chatbot / Amazon Q Developer), sent the custom-notification JSON. */
  readonly chatTopicArn?: string;
  /** Secrets Manager secret holding the PagerDuty routing key. */
  readonly pagerDutySecretName?: string;
}

export type DeliveryChannel = 'topic' | 'chat' | 'pagerduty';

export interface DeliveryOutcome {
  readonly delivered: readonly DeliveryChannel[];
  readonly failed: readonly { readonly channel: DeliveryChannel; readonly error: string }[];
  /** True when a failure was kept in the dead-letter queue. */
  readonly deadLettered: boolean;
}

/** Nothing could keep the alert: not the channels, not the dead-letter queue. Lambda's retries take over. */
export class AlertLostError extends Error {
  override readonly name = 'AlertLostError';
}

export interface AlertDeliveryOptions {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly pagerDuty: PagerDutySender;
  readonly destinations: Readonly<Record<AlarmSeverity, SeverityDestinations>>;
  readonly deadLetterQueueUrl: string;
  /** Time a topic publish may take before it counts as failed (and the alert is dead-lettered). @default 2000 ms */
  readonly publishTimeoutMs?: number;
}

// SQS accepts 256 KiB per message; the dead letter carries the rendered alert and the failures.
const SQS_MAX_BYTES = 262_144;

/**
 * Sends one alert to every channel of its severity at once. A channel that fails does not stop the
 * others; the alert and the failures go to the dead-letter queue (alarmed straight to the critical
 * topic, outside this path), so a failed page is never silent.
 */
export class AlertDelivery {
  constructor(private readonly options: AlertDeliveryOptions) {}

  async deliver(alert: EnrichedAlert): Promise<DeliveryOutcome> {
    const destinations = this.options.destinations[alert.severity];
    const attempts: [DeliveryChannel, () => Promise<unknown>][] = [
      [
        'topic',
        () =>
          this.options.sns.send(
            new PublishCommand({ TopicArn: destinations.topicArn, ...toSnsMessage(alert) }),
          ),
      ],
    ];
    if (destinations.chatTopicArn) {
      const chatTopicArn = destinations.chatTopicArn;
      attempts.push(['chat', () => this.publishToChat(chatTopicArn, alert)]);
    }
    if (destinations.pagerDutySecretName) {
      const secretName = destinations.pagerDutySecretName;
      attempts.push(['pagerduty', () => this.page(secretName, alert)]);
    }
    const results = await Promise.allSettled(attempts.map(([, attempt]) => attempt()));
    const delivered: DeliveryChannel[] = [];
    const failed: { channel: DeliveryChannel; error: string }[] = [];
    results.forEach((result, index) => {
      const channel = attempts[index]?.[0] ?? 'topic';
      if (result.status === 'fulfilled') delivered.push(channel);
      else failed.push({ channel, error: errorText(result.reason) });
    });
    if (failed.length === 0) return { delivered, failed, deadLettered: false };
    await this.deadLetter(alert, failed);
    return { delivered, failed, deadLettered: true };
  }

  private async publishToChat(topicArn: string, alert: EnrichedAlert): Promise<void> {
    const render = (candidate: EnrichedAlert) => JSON.stringify(toChatbotNotification(candidate));
    await this.publish({ TopicArn: topicArn, Message: render(fitToSize(alert, render, SNS_MAX_BYTES)) });
  }

  private publish(input: PublishCommandInput): Promise<unknown> {
    return withTimeout(this.options.publishTimeoutMs ?? 2000, (abortSignal) =>
      this.options.sns.send(new PublishCommand(input), { abortSignal }),
    );
  }

  private async page(secretName: string, alert: EnrichedAlert): Promise<void> {
    const routingKey = await this.options.pagerDuty.routingKey(secretName);
    const render = (candidate: EnrichedAlert) => JSON.stringify(toPagerDutyEvent(candidate, routingKey));
    await this.options.pagerDuty.send(
      toPagerDutyEvent(fitToSize(alert, render, PAGERDUTY_MAX_BYTES), routingKey),
    );
  }

  private async deadLetter(
    alert: EnrichedAlert,
    failed: readonly { channel: DeliveryChannel; error: string }[],
  ) {
    const render = (candidate: EnrichedAlert) =>
      JSON.stringify({ failed, alert: toStructuredAlert(candidate) });
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          MessageBody: render(fitToSize(alert, render, SQS_MAX_BYTES - 1024)),
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: alert.severity },
            channels: { DataType: 'String', StringValue: failed.map((failure) => failure.channel).join(',') },
          },
        }),
      );
    } catch (error) {
      throw new AlertLostError(
        `alert for ${alert.alarm.name} failed on ${failed.map((f) => `${f.channel} (${f.error})`).join(', ')} ` +
          `and the dead-letter queue refused it too: ${errorText(error)}`,
      );
    }
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 1000);
  return String(error).slice(0, 1000);
}
