import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ALARM_SEVERITIES } from '../../../constructs/contracts/alarm-severity';
import { EPISODE_TABLE_KEYS } from '../../../constructs/contracts/alerting';
import * as z from '../../shared/zod';
import {
  backoffAfterConflict,
  EpisodeConflictError,
  HEAD_RECORD,
  headWriteCondition,
  MAX_ATTEMPTS,
} from './episode-store';
import {
  decideEventEpisode,
  EVENT_NOTIFICATIONS,
  type EventEpisodeDecision,
  type EventEpisodeHead,
  type EventEpisodePolicy,
  type EventOccurrence,
} from './event-episode';

/**
 * The episodes of business alerts, findings and Health events, in the alarms' episode table: one
 * `head` item per event key (partition: the key, e.g. `guardduty/<account>/<region>/<finding id>`,
 * which never looks like an alarm ARN), written only over the version it was read at, as the alarm
 * heads are, so concurrent deliveries of reports about one problem are decided one after another.
 * Expires `ttlDays` after its last write, like the alarm heads.
 */

const episodeRef = z.object({
  id: z.string(),
  openedAt: z.string(),
  transitions: z.number(),
  flapping: z.boolean(),
});
const decision = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('notify'),
    notification: z.enum(EVENT_NOTIFICATIONS),
    severity: z.enum(ALARM_SEVERITIES),
    episode: episodeRef,
  }),
  z.object({ action: z.literal('suppress'), reason: z.string(), episode: z.optional(episodeRef) }),
]);
const head: z.ZodMiniType<EventEpisodeHead> = z.object({
  episode: z.optional(
    z.object({
      id: z.string(),
      openedAt: z.string(),
      status: z.enum(['open', 'resolved']),
      since: z.string(),
      reports: z.number(),
      severity: z.enum(ALARM_SEVERITIES),
      notifiedAt: z.string(),
    }),
  ),
  lastAt: z.string(),
  processed: z.array(z.object({ eventId: z.string(), decision })),
  version: z.number(),
});

export class EventEpisodeStore {
  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly policy: EventEpisodePolicy & { readonly ttlDays: number },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Decides one report about `key` and stores the result; a conflicting writer means read and decide again. */
  async record(key: string, occurrence: EventOccurrence): Promise<EventEpisodeDecision> {
    for (let attempt = 1; ; attempt++) {
      const read = await this.readHead(key);
      const step = decideEventEpisode(read, occurrence, this.policy, key);
      if (step.next === read) return step.decision;
      try {
        await this.writeHead(key, step.next, read);
        return step.decision;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        if (attempt === MAX_ATTEMPTS) {
          throw new EpisodeConflictError(
            `episode head of ${key} changed during each of ${MAX_ATTEMPTS} attempts to record event ${occurrence.eventId}`,
          );
        }
        await backoffAfterConflict(attempt);
      }
    }
  }

  private async readHead(key: string): Promise<EventEpisodeHead | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : head.parse(Item);
  }

  private async writeHead(key: string, next: EventEpisodeHead, read: EventEpisodeHead | undefined) {
    const condition = headWriteCondition(read);
    await this.dynamoDb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...next,
          ...itemKey(key),
          [EPISODE_TABLE_KEYS.ttl]: Math.floor(this.now().getTime() / 1000) + this.policy.ttlDays * 86_400,
        },
        ...condition,
      }),
    );
  }
}

function itemKey(key: string): Record<string, string> {
  return { [EPISODE_TABLE_KEYS.partitionKey]: key, [EPISODE_TABLE_KEYS.sortKey]: HEAD_RECORD };
}
