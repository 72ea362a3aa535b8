import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EPISODE_TABLE_KEYS } from '../../constructs/contracts/alerting';
import { logger } from '../shared/observability';
import { withTimeout } from './context/with-timeout';

/**
 * Which destinations an alarm change has already gone to, so a duplicate of its event does not send
 * it again. Duplicates are expected: Lambda retries a failed asynchronous invocation twice (one and
 * two minutes later) and may hand a function the same event more than once even without an error;
 * EventBridge retries a target for up to 24 hours. The episode store gives a redelivered event the
 * same decision (so an alert whose first attempt failed is not lost); this record is what stops the
 * destinations that did get it from getting it again.
 *
 * Where it lives: in the episode table, beside the alarm's episode head (partition: the alarm's ARN;
 * sort key `delivery#<eventId>#<destination>`), so no new table, key schema or grant is needed: the
 * enricher already has PutItem and UpdateItem on it, and items expire through the table's TTL
 * attribute. One item per destination, because a duplicate must re-send exactly the destinations that
 * did not get the alert: a topic publish that timed out and was dead-lettered, not the chat card and
 * the page that went out.
 *
 * How: before sending, a conditional put claims the destination for this invocation; it succeeds when
 * there is no item, when an earlier attempt released it (its send failed), or when an earlier claim's
 * lease ran out (its invocation died mid-send: Lambda's retry comes a minute later, after the lease).
 * A claim held by another invocation, or a destination marked sent, is `taken`: not sent again. After
 * the send the item is marked sent (with the SNS message id when there is one), or released so a
 * retry can send it. Failing open: when the table cannot be written in time, the destination is sent
 * unrecorded; a possible duplicate is better than a lost alert.
 */

/** The alarm change a delivery is for. */
export interface DeliveryKey {
  /** The alarm's ARN: the partition its episode head is in. */
  readonly alarmArn: string;
  /** The event's id (EventBridge event id, SNS message id): what a retry or redelivery repeats. */
  readonly eventId: string;
}

export type ClaimResult =
  /** This invocation sends; `token` proves it when marking the item sent or released. */
  | { readonly status: 'claimed'; readonly token: string }
  /** Already sent, or being sent by another invocation whose lease holds: not sent again. */
  | { readonly status: 'taken' }
  /** The table could not be written in time: sent anyway, and nothing is recorded. */
  | { readonly status: 'unrecorded'; readonly reason: string };

export interface DeliveryRecordOptions {
  /**
   * How long a claim stops other invocations from sending. Longer than one invocation can send (the
   * function's 30 s timeout), shorter than Lambda's first retry (one minute later).
   * @default 30 seconds
   */
  readonly leaseMs?: number;
  /** How long a record is kept: EventBridge redelivers for up to 24 hours. @default 48 hours */
  readonly ttlHours?: number;
  /** @default the system clock */
  readonly now?: () => Date;
}

const STATUS = { sending: 'sending', sent: 'sent', released: 'released' } as const;

export class DeliveryRecords {
  private readonly leaseMs: number;
  private readonly ttlHours: number;
  private readonly now: () => Date;

  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    /** The episode table (keyed as {@link EPISODE_TABLE_KEYS}). */
    readonly tableName: string,
    options: DeliveryRecordOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.ttlHours = options.ttlHours ?? 48;
    this.now = options.now ?? (() => new Date());
  }

  /** Claims `destination` for this invocation; never throws. */
  async claim(key: DeliveryKey, destination: string, timeoutMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const now = this.now().getTime();
    try {
      await withTimeout(timeoutMs, (abortSignal) =>
        this.dynamoDb.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...itemKey(key, destination),
              status: STATUS.sending,
              token,
              leaseUntil: now + this.leaseMs,
              eventId: key.eventId,
              destination,
              [EPISODE_TABLE_KEYS.ttl]: Math.floor(now / 1000) + this.ttlHours * 3600,
            },
            ConditionExpression:
              'attribute_not_exists(#record) OR #status = :released OR (#status = :sending AND #leaseUntil < :now)',
            ExpressionAttributeNames: {
              '#record': EPISODE_TABLE_KEYS.sortKey,
              '#status': 'status',
              '#leaseUntil': 'leaseUntil',
            },
            ExpressionAttributeValues: {
              ':released': STATUS.released,
              ':sending': STATUS.sending,
              ':now': now,
            },
          }),
          { abortSignal },
        ),
      );
      return { status: 'claimed', token };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { status: 'taken' };
      const reason = errorText(error);
      logger.warn('Delivery not recorded; sending anyway', { ...key, destination, error: reason });
      return { status: 'unrecorded', reason };
    }
  }

  /** Marks a claimed destination sent, for good; never throws (a lost mark costs a duplicate after the lease). */
  async markSent(
    key: DeliveryKey,
    destination: string,
    token: string,
    sent: { readonly messageId?: string },
    timeoutMs: number,
  ): Promise<void> {
    // SNS documents MessageId as optional with no minimum length: a publish answered without one still
    // went out, and is recorded as sent all the same; the id is kept only to trace a message.
    const messageId = sent.messageId ? sent.messageId : undefined;
    await this.update(key, destination, token, timeoutMs, {
      UpdateExpression: `SET #status = :status, #sentAt = :at${messageId ? ', #messageId = :messageId' : ''}`,
      ExpressionAttributeNames: { '#sentAt': 'sentAt', ...(messageId ? { '#messageId': 'messageId' } : {}) },
      ExpressionAttributeValues: {
        ':status': STATUS.sent,
        ':at': this.now().toISOString(),
        ...(messageId ? { ':messageId': messageId } : {}),
      },
    });
  }

  /** Gives a claimed destination back, so a retry of the event sends it; never throws. */
  async release(
    key: DeliveryKey,
    destination: string,
    token: string,
    why: string,
    timeoutMs: number,
  ): Promise<void> {
    await this.update(key, destination, token, timeoutMs, {
      UpdateExpression: 'SET #status = :status, #releasedBecause = :why',
      ExpressionAttributeNames: { '#releasedBecause': 'releasedBecause' },
      ExpressionAttributeValues: { ':status': STATUS.released, ':why': why.slice(0, 1000) },
    });
  }

  /** Updates the item only while this invocation's claim is on it. */
  private async update(
    key: DeliveryKey,
    destination: string,
    token: string,
    timeoutMs: number,
    change: {
      readonly UpdateExpression: string;
      readonly ExpressionAttributeNames: Record<string, string>;
      readonly ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<void> {
    try {
      await withTimeout(timeoutMs, (abortSignal) =>
        this.dynamoDb.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKey(key, destination),
            UpdateExpression: change.UpdateExpression,
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: {
              ...change.ExpressionAttributeNames,
              '#token': 'token',
              '#status': 'status',
            },
            ExpressionAttributeValues: { ...change.ExpressionAttributeValues, ':token': token },
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      logger.warn('Delivery record not updated', { ...key, destination, error: errorText(error) });
    }
  }
}

function itemKey(key: DeliveryKey, destination: string): Record<string, string> {
  return {
    [EPISODE_TABLE_KEYS.partitionKey]: key.alarmArn,
    [EPISODE_TABLE_KEYS.sortKey]: `delivery#${key.eventId}#${destination}`,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
