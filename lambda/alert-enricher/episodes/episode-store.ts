import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { EPISODE_FLAPPING_INDEX, EPISODE_TABLE_KEYS } from '../../../constructs/contracts/alerting';
import { ALARM_STATES, type AlarmState } from '../../shared/alarm-change';
import { logger } from '../../shared/observability';
import * as z from '../../shared/zod';
import type { EpisodeRef } from '../enriched-alert';
import {
  type AlarmTransition,
  DEFAULT_EPISODE_POLICY,
  decideEpisode,
  EPISODE_NOTIFICATIONS,
  type Episode,
  type EpisodeDecision,
  type EpisodeHead,
  type EpisodePolicy,
  settleFlapping,
} from './episode-decision';

/**
 * The episode table. Per alarm (partition key: its ARN) a `head` item holds what
 * {@link decideEpisode} decides from, and an `episode#<openedAt>` item per episode keeps every
 * transition it saw with the decision taken. Both expire `ttlDays` after their last write.
 */

const FLAPPING = 'flapping';

/** An alarm whose flapping episode is due for its check. */
export interface FlappingAlarm {
  readonly arn: string;
  readonly name: string;
}

/** The sort key of the record each episode key (alarm ARN, event key) is decided from. */
export const HEAD_RECORD = 'head';
// An attempt fails only when another writer succeeded since its read, so n concurrent deliveries for one
// alarm (EventBridge, SNS, retries: a handful in practice) all get through within n attempts. The jitter
// spreads them apart so that few need more than one or two; the cap bounds the wait at about 1.5 s.
/** Attempts to write a head over the version read before giving up (EventEpisodeStore uses the same). */
export const MAX_ATTEMPTS = 10;
const BACKOFF_BASE_MS = 20;
const BACKOFF_CAP_MS = 250;

/** The wait before attempt `attempt + 1` after a conflicting write: jittered, exponential, capped. */
export function backoffAfterConflict(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
}

const episodeRef = z.object({
  id: z.string(),
  openedAt: z.string(),
  transitions: z.number(),
  flapping: z.boolean(),
});

const episodeDecision = z.discriminatedUnion('action', [
  z.object({ action: z.literal('notify'), notification: z.enum(EPISODE_NOTIFICATIONS), episode: episodeRef }),
  z.object({ action: z.literal('suppress'), reason: z.string(), episode: z.optional(episodeRef) }),
]);

const episodeHead: z.ZodMiniType<EpisodeHead> = z.object({
  episode: z.optional(
    z.object({
      id: z.string(),
      openedAt: z.string(),
      status: z.enum(['open', 'resolved']),
      since: z.string(),
      transitions: z.number(),
      flapping: z.boolean(),
      flapAlerted: z.boolean(),
    }),
  ),
  lastState: z.enum(ALARM_STATES),
  lastChangeAt: z.string(),
  recentChanges: z.array(z.string()),
  processed: z.array(z.object({ eventId: z.string(), decision: episodeDecision })),
  version: z.number(),
});

/** The head kept changing under every attempt; the event is undecided and Lambda's retry can try again. */
export class EpisodeConflictError extends Error {
  override readonly name = 'EpisodeConflictError';
}

export class EpisodeStore {
  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly policy: EpisodePolicy = DEFAULT_EPISODE_POLICY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Decides one transition and stores the result. The head is written only over the version it was
   * decided from, so concurrent deliveries are decided one after another: of two simultaneous first
   * ALARMs, one opens the episode and the other sees it open.
   */
  async record(alarm: { arn: string; name: string }, transition: AlarmTransition): Promise<EpisodeDecision> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.readHead(alarm.arn);
      const { decision, next } = decideEpisode(head, transition, this.policy, alarm.name);
      if (next === head) return decision;
      try {
        await this.writeHead(alarm.arn, next, head, alarm.name);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        if (attempt === MAX_ATTEMPTS) {
          throw new EpisodeConflictError(
            `episode head of ${alarm.arn} changed during each of ${MAX_ATTEMPTS} attempts to record event ${transition.eventId}`,
          );
        }
        await backoffAfterConflict(attempt);
        continue;
      }
      // History comes after the decision is safely stored, and failing to write it does not undo the
      // decision: a lost history entry is better than an alert on the wrong thread. A redelivery does
      // not append again.
      if (next.episode !== undefined && decision.episode?.id === next.episode.id) {
        await this.appendToEpisode(alarm.arn, next.episode, transition, decision).catch((error: unknown) =>
          logger.warn('Episode history not recorded', {
            alarm: alarm.arn,
            eventId: transition.eventId,
            error,
          }),
        );
      }
      return decision;
    }
  }

  /**
   * The episode a transition belongs to, decided exactly as {@link record} decides it but without
   * writing: whichever of the two reads the head first, both name the same thread. Self-healing uses
   * it so a run on a re-opened episode reports in the thread its alert is in. Undefined when the
   * transition belongs to no episode.
   */
  async episodeOf(
    alarm: { arn: string; name: string },
    transition: AlarmTransition,
  ): Promise<EpisodeRef | undefined> {
    const head = await this.readHead(alarm.arn);
    return decideEpisode(head, transition, this.policy, alarm.name).decision.episode;
  }

  /** Alarms whose flapping episode had a whole quiet window by `now`, oldest first, every page read. */
  async flappingDue(now: Date): Promise<FlappingAlarm[]> {
    const due: FlappingAlarm[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamoDb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: EPISODE_FLAPPING_INDEX.indexName,
          KeyConditionExpression: '#flapping = :flapping AND #settleAfter <= :now',
          ExpressionAttributeNames: {
            '#flapping': EPISODE_FLAPPING_INDEX.partitionKey,
            '#settleAfter': EPISODE_FLAPPING_INDEX.sortKey,
          },
          ExpressionAttributeValues: { ':flapping': FLAPPING, ':now': now.toISOString() },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        due.push({ arn: String(item[EPISODE_TABLE_KEYS.partitionKey]), name: String(item.alarmName) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return due;
  }

  /**
   * The scheduled check of a flapping alarm, decided by {@link settleFlapping} against the alarm's
   * state now and stored like any change (over the version read, retried on a conflict).
   */
  async settle(alarm: FlappingAlarm, state: AlarmState, now: Date): Promise<EpisodeDecision> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.readHead(alarm.arn);
      if (head === undefined) return { action: 'suppress', reason: 'no episode recorded' };
      const checkId = `settle#${head.episode?.id ?? ''}#${head.lastChangeAt}`;
      const { decision, next } = settleFlapping(head, { checkId, state, at: now.toISOString() }, this.policy);
      if (next === head) return decision;
      try {
        await this.writeHead(alarm.arn, next, head, alarm.name);
        return decision;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        if (attempt === MAX_ATTEMPTS) {
          throw new EpisodeConflictError(
            `episode head of ${alarm.arn} changed during each of ${MAX_ATTEMPTS} attempts to settle it`,
          );
        }
        await backoffAfterConflict(attempt);
      }
    }
  }

  private async readHead(arn: string): Promise<EpisodeHead | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: key(arn, HEAD_RECORD), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : episodeHead.parse(Item);
  }

  private async writeHead(
    arn: string,
    next: EpisodeHead,
    read: EpisodeHead | undefined,
    alarmName: string,
  ): Promise<void> {
    const condition = headWriteCondition(read);
    await this.dynamoDb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...next,
          ...key(arn, HEAD_RECORD),
          alarmName,
          ...this.flappingIndexFields(next),
          [EPISODE_TABLE_KEYS.ttl]: this.expiresAt(),
        },
        ...condition,
      }),
    );
  }

  /** Upserts the episode's record; unconditional, as only the writer that won the head gets here. */
  private async appendToEpisode(
    arn: string,
    episode: Episode,
    transition: AlarmTransition,
    decision: EpisodeDecision,
  ): Promise<void> {
    await this.dynamoDb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(arn, `episode#${episode.openedAt}`),
        UpdateExpression:
          'SET #episodeId = :episodeId, #status = :status, #flapping = :flapping, #expiresAt = :expiresAt, ' +
          '#events = list_append(if_not_exists(#events, :none), :event)',
        ExpressionAttributeNames: {
          '#episodeId': 'episodeId',
          '#status': 'status',
          '#flapping': 'flapping',
          '#expiresAt': EPISODE_TABLE_KEYS.ttl,
          '#events': 'events',
        },
        ExpressionAttributeValues: {
          ':episodeId': episode.id,
          ':status': episode.status,
          ':flapping': episode.flapping,
          ':expiresAt': this.expiresAt(),
          ':none': [],
          ':event': [{ ...transition, decision }],
        },
      }),
    );
  }

  /** Puts a flapping head in the flapping index, due when its quiet window ends; others stay out. */
  private flappingIndexFields(head: EpisodeHead): Record<string, string> {
    if (!head.episode?.flapping) return {};
    const settleAfter = new Date(Date.parse(head.lastChangeAt) + this.policy.flapWindowMinutes * 60_000);
    return {
      [EPISODE_FLAPPING_INDEX.partitionKey]: FLAPPING,
      [EPISODE_FLAPPING_INDEX.sortKey]: settleAfter.toISOString(),
    };
  }

  /** Epoch seconds, as DynamoDB's TTL reads it. */
  private expiresAt(): number {
    return Math.floor(this.now().getTime() / 1000) + this.policy.ttlDays * 86_400;
  }
}

function key(arn: string, record: string): Record<string, string> {
  return { [EPISODE_TABLE_KEYS.partitionKey]: arn, [EPISODE_TABLE_KEYS.sortKey]: record };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The condition of a head write: created only if no head exists, or replaced only over the version
 * it was read at, so two deliveries deciding at once cannot both win (the loser re-reads and decides
 * again). Alarm and event heads share the table and this rule.
 */
export function headWriteCondition(
  read: { readonly version: number } | undefined,
): Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  return read === undefined
    ? {
        ConditionExpression: 'attribute_not_exists(#key)',
        ExpressionAttributeNames: { '#key': EPISODE_TABLE_KEYS.partitionKey },
      }
    : {
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': read.version },
      };
}
