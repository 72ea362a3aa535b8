import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AlarmSeverity } from '../../constructs/contracts/alarm-severity';
import { logger } from '../shared/observability';
import { ContextTimeoutError, withTimeout } from './context/with-timeout';
import type { ClaimResult, DeliveryKey, DeliveryRecords } from './delivery-record';
import type { EnrichedAlert } from './enriched-alert';
import { toChatbotNotification } from './formats/chatbot-notification';
import { fitToSize } from './formats/fit-to-size';
import { PAGERDUTY_MAX_BYTES, pagerDutyAction, toPagerDutyEvent } from './formats/pagerduty-event';
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
  /** Channels this event had already gone to (a retry or redelivery of it): not sent again. */
  readonly skipped: readonly DeliveryChannel[];
  /** True when a failure was kept in the dead-letter queue. */
  readonly deadLettered: boolean;
}

/** Nothing could keep the alert: not the channels, not the dead-letter queue. Lambda's retries take over. */
export class AlertLostError extends Error {
  override readonly name = 'AlertLostError';
}

/** A channel did not answer in the time the alert's deadline left it; it is dead-lettered instead. */
export class DeliveryTimeoutError extends Error {
  override readonly name = 'DeliveryTimeoutError';
}

export interface AlertDeliveryOptions {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly pagerDuty: PagerDutySender;
  readonly destinations: Readonly<Record<AlarmSeverity, SeverityDestinations>>;
  readonly deadLetterQueueUrl: string;
  /** What each event already went to, so a duplicate of it sends nothing twice. */
  readonly records: Pick<DeliveryRecords, 'claim' | 'markSent' | 'release'>;
  /** Most a topic publish may take, within what the deadline leaves. @default 2000 ms */
  readonly publishTimeoutMs?: number;
  /**
   * Kept at the end of the alert's deadline for the dead-letter queue, and the most its send may take:
   * the channels must have answered by then. @default 400 ms
   */
  readonly deadLetterTimeoutMs?: number;
  /** Most a delivery record write (claim, sent, released) may take. @default 300 ms */
  readonly recordTimeoutMs?: number;
}

/** One alert's delivery: which event it is for, and by when it must be sent or dead-lettered. */
export interface DeliveryRequest {
  /**
   * The event, so a retry or redelivery of it is known; absent, nothing is recorded and every channel
   * is sent (an unreadable event has no id of its own: equal texts may be distinct deliveries).
   */
  readonly key?: DeliveryKey;
  /** Epoch milliseconds. */
  readonly deadline: number;
  /** Claims (and a warmed routing key) started while context was gathered; made here when absent. */
  readonly prepared?: PreparedDelivery;
}

/** What {@link AlertDelivery.prepare} started: the claims of every channel configured, resolving by their timeout. */
export interface PreparedDelivery {
  readonly claims: Promise<ReadonlyMap<DeliveryChannel, ClaimResult>>;
}

// SQS accepts 256 KiB per message; the dead letter carries the rendered alert and the failures.
const SQS_MAX_BYTES = 262_144;

interface Sent {
  /** SNS's MessageId, when it gave one; a publish answered without one still went out. */
  readonly messageId?: string;
}

/**
 * Sends one alert to every channel of its severity at once. A channel that fails does not stop the
 * others; the alert and the failures go to the dead-letter queue (alarmed straight to the critical
 * topic, outside this path), so a failed page is never silent. Every call is bounded by the alert's
 * deadline: the channels must answer before the time kept for the dead-letter queue, so an alert whose
 * channel hangs is dead-lettered in time rather than lost to the function's timeout (and re-sent to
 * the channels that worked by each of Lambda's retries). Each channel is claimed in the delivery
 * record first: a duplicate of the event sends only what did not go out.
 */
export class AlertDelivery {
  private readonly publishTimeoutMs: number;
  private readonly deadLetterTimeoutMs: number;
  private readonly recordTimeoutMs: number;

  constructor(private readonly options: AlertDeliveryOptions) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? 2000;
    this.deadLetterTimeoutMs = options.deadLetterTimeoutMs ?? 400;
    this.recordTimeoutMs = options.recordTimeoutMs ?? 300;
  }

  /**
   * Starts what does not depend on the alert's content, to run while context is gathered: a claim on
   * each channel any severity uses (the alert's severity may still come from its tags), and the read of
   * each PagerDuty routing key, so a cold start's first Secrets Manager call is not on the page's path.
   */
  prepare(key: DeliveryKey | undefined, deadline: number): PreparedDelivery {
    const all = Object.values(this.options.destinations);
    const channels: DeliveryChannel[] = ['topic'];
    if (all.some((destinations) => destinations.chatTopicArn)) channels.push('chat');
    if (all.some((destinations) => destinations.pagerDutySecretName)) channels.push('pagerduty');
    for (const secretName of new Set(all.flatMap((destinations) => destinations.pagerDutySecretName ?? []))) {
      // Its failure is the page's to report, when the alert turns out to page.
      this.options.pagerDuty.routingKey(secretName).catch(() => undefined);
    }
    if (key === undefined) return { claims: Promise.resolve(new Map()) };
    const timeoutMs = Math.max(
      0,
      Math.min(this.recordTimeoutMs, deadline - this.deadLetterTimeoutMs - Date.now()),
    );
    const claims = Promise.all(
      channels.map(
        async (channel) => [channel, await this.options.records.claim(key, channel, timeoutMs)] as const,
      ),
    ).then((entries) => new Map(entries));
    return { claims };
  }

  async deliver(alert: EnrichedAlert, request: DeliveryRequest): Promise<DeliveryOutcome> {
    const { key, deadline } = request;
    const claims = await (request.prepared ?? this.prepare(key, deadline)).claims;
    const sendBy = deadline - this.deadLetterTimeoutMs;
    const destinations = this.options.destinations[alert.severity];
    const attempts: [DeliveryChannel, (signal: AbortSignal) => Promise<Sent>][] = [
      [
        'topic',
        (signal) => this.publish({ TopicArn: destinations.topicArn, ...toSnsMessage(alert) }, signal),
      ],
    ];
    if (destinations.chatTopicArn) {
      const chatTopicArn = destinations.chatTopicArn;
      attempts.push(['chat', (signal) => this.publishToChat(chatTopicArn, alert, signal)]);
    }
    // Not a channel of an alert that does nothing in PagerDuty (a suppressed composite, no data while in
    // ALARM): its claim is released below like any unused channel's.
    if (destinations.pagerDutySecretName) {
      const secretName = destinations.pagerDutySecretName;
      const paging = pagerDutyAction(alert);
      if (paging.action === 'none') {
        logger.info('Nothing sent to PagerDuty', { alarm: alert.alarm.name, reason: paging.reason });
      } else {
        attempts.push(['pagerduty', (signal) => this.page(secretName, alert, signal)]);
      }
    }

    const skipped: DeliveryChannel[] = [];
    const running: { channel: DeliveryChannel; claim?: ClaimResult; result: Promise<Sent> }[] = [];
    for (const [channel, attempt] of attempts) {
      const claim = claims.get(channel);
      if (claim?.status === 'taken') {
        skipped.push(channel);
        continue;
      }
      running.push({ channel, claim, result: this.bounded(sendBy, attempt) });
    }
    const settled = await Promise.allSettled(running.map((entry) => entry.result));

    const delivered: DeliveryChannel[] = [];
    const failed: { channel: DeliveryChannel; error: string }[] = [];
    const bookkeeping: Promise<void>[] = [];
    settled.forEach((result, index) => {
      const { channel, claim } = running[index] as (typeof running)[number];
      const token = key && claim?.status === 'claimed' ? claim.token : undefined;
      if (result.status === 'fulfilled') {
        delivered.push(channel);
        if (key && token) {
          bookkeeping.push(
            this.options.records.markSent(key, channel, token, result.value, this.recordTimeoutMs),
          );
        }
      } else {
        const error = errorText(result.reason);
        failed.push({ channel, error });
        // Released, so a retry of the event sends it (the dead letter is for humans, not a delivery).
        if (key && token) {
          bookkeeping.push(this.options.records.release(key, channel, token, error, this.recordTimeoutMs));
        }
      }
    });
    // Claimed in case the severity used them; it did not, so a later delivery may.
    for (const [channel, claim] of claims) {
      if (key && claim.status === 'claimed' && !attempts.some(([used]) => used === channel)) {
        bookkeeping.push(
          this.options.records.release(
            key,
            channel,
            claim.token,
            'not a channel of this alert',
            this.recordTimeoutMs,
          ),
        );
      }
    }

    try {
      if (failed.length === 0) return { delivered, failed, skipped, deadLettered: false };
      await this.deadLetter(alert, failed);
      return { delivered, failed, skipped, deadLettered: true };
    } finally {
      // Recorded before returning (or throwing for Lambda's retry), so that retry finds what went out.
      await Promise.all(bookkeeping);
    }
  }

  /** The channel's attempt, cut off when the time before the dead-letter reserve runs out. */
  private async bounded(sendBy: number, attempt: (signal: AbortSignal) => Promise<Sent>): Promise<Sent> {
    const timeoutMs = Math.max(0, sendBy - Date.now());
    try {
      return await withTimeout(timeoutMs, attempt);
    } catch (error) {
      if (error instanceof ContextTimeoutError && error.timeoutMs === timeoutMs) {
        throw new DeliveryTimeoutError(`no answer within ${timeoutMs} ms, all the alert's deadline left it`);
      }
      throw error;
    }
  }

  private async publishToChat(topicArn: string, alert: EnrichedAlert, signal: AbortSignal): Promise<Sent> {
    const render = (candidate: EnrichedAlert) => JSON.stringify(toChatbotNotification(candidate));
    return this.publish(
      { TopicArn: topicArn, Message: render(fitToSize(alert, render, SNS_MAX_BYTES)) },
      signal,
    );
  }

  /**
   * One Publish, within `publishTimeoutMs` as well as the channel's time. Success is the answer itself:
   * SNS documents MessageId as optional, so a missing or empty one is not a failure (which would
   * dead-letter, and on a retry re-send, an alert that went out).
   */
  private async publish(input: PublishCommandInput, signal: AbortSignal): Promise<Sent> {
    const output = await withTimeout(this.publishTimeoutMs, (own) =>
      this.options.sns.send(new PublishCommand(input), { abortSignal: AbortSignal.any([signal, own]) }),
    ).catch((error: unknown) => {
      if (error instanceof ContextTimeoutError) {
        throw new DeliveryTimeoutError(
          `Publish to ${input.TopicArn}: no answer within ${error.timeoutMs} ms`,
        );
      }
      throw error;
    });
    return { messageId: output.MessageId || undefined };
  }

  private async page(secretName: string, alert: EnrichedAlert, signal: AbortSignal): Promise<Sent> {
    const routingKey = await this.options.pagerDuty.routingKey(secretName);
    signal.throwIfAborted();
    const render = (candidate: EnrichedAlert) => JSON.stringify(toPagerDutyEvent(candidate, routingKey));
    const event = toPagerDutyEvent(fitToSize(alert, render, PAGERDUTY_MAX_BYTES), routingKey);
    // Only alerts with a PagerDuty action get here (deliver); trimming changes none of what decides it.
    if (event !== undefined) await this.options.pagerDuty.send(event, signal);
    return {};
  }

  /**
   * Keeps an event that was refused (a business alert that breaks its schema) in the dead-letter
   * queue, whole, with the reason: no alert can be made of it, and its owner fixes it from this. The
   * queue's own alarm tells on-call something is there. Throws {@link AlertLostError} when the queue
   * refuses, so Lambda retries the invocation and finally keeps it in the on-failure destination.
   */
  async rejectEvent(rejection: { readonly reason: string; readonly raw: string }, deadline: number) {
    const body = (raw: string) => JSON.stringify({ rejected: { reason: rejection.reason }, event: raw });
    // An event is at most 256 KiB (PutEvents), so the wrapper rarely needs room; the reason always fits.
    const room = SQS_MAX_BYTES - 1024 - Buffer.byteLength(body(''));
    const raw =
      Buffer.byteLength(body(rejection.raw)) <= SQS_MAX_BYTES - 1024
        ? rejection.raw
        : `${Buffer.from(rejection.raw)
            .subarray(0, Math.max(0, room - 100))
            .toString('utf8')}… [cut to fit the queue's message size]`;
    const timeoutMs = Math.max(this.deadLetterTimeoutMs, deadline - Date.now());
    try {
      await withTimeout(timeoutMs, (abortSignal) =>
        this.options.sqs.send(
          new SendMessageCommand({
            QueueUrl: this.options.deadLetterQueueUrl,
            MessageBody: body(raw),
            MessageAttributes: { rejected: { DataType: 'String', StringValue: 'event' } },
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      logger.error('Dead-letter queue refused the rejected event', { reason: rejection.reason, error });
      throw new AlertLostError(
        `rejected event (${rejection.reason}) could not be dead-lettered either: ${errorText(error)}`,
      );
    }
  }

  private async deadLetter(
    alert: EnrichedAlert,
    failed: readonly { channel: DeliveryChannel; error: string }[],
  ) {
    const render = (candidate: EnrichedAlert) =>
      JSON.stringify({ failed, alert: toStructuredAlert(candidate) });
    try {
      await withTimeout(this.deadLetterTimeoutMs, (abortSignal) =>
        this.options.sqs.send(
          new SendMessageCommand({
            QueueUrl: this.options.deadLetterQueueUrl,
            MessageBody: render(fitToSize(alert, render, SQS_MAX_BYTES - 1024)),
            MessageAttributes: {
              severity: { DataType: 'String', StringValue: alert.severity },
              channels: {
                DataType: 'String',
                StringValue: failed.map((failure) => failure.channel).join(','),
              },
            },
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      logger.error('Dead-letter queue refused the alert', { alarm: alert.alarm.name, error });
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
