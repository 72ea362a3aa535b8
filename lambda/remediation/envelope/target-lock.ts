import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LEDGER_TABLE_KEYS } from '../../../constructs/contracts/remediation';
import { logger } from '../../shared/observability';

/** Whether a run holds its target now, and if not, who does and until when. */
export type LockTake =
  | { readonly taken: true }
  | { readonly taken: false; readonly holder: string; readonly until: string };

const LOCK_RECORD = 'lock';

/**
 * One run per target at a time: two alarms on one function would otherwise stack their changes and
 * each restore a stale snapshot. The lock is an item in the ledger table, taken with a conditional
 * put and held for a lease no longer than a run can live (the state machine's timeout), so a run that
 * ends without releasing it (stopped, or a lost finish) blocks the target no longer than that.
 */
export class TargetLock {
  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly leaseSeconds: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Takes the target for `runId`; taking it again by the same run (a retried admit) succeeds. */
  async take(targetKey: string, runId: string): Promise<LockTake> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    const leaseUntil = nowSeconds + this.leaseSeconds;
    try {
      await this.dynamoDb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...lockKey(targetKey),
            runId,
            leaseUntil,
            // Kept a day past the lease for the record, then removed by the table's TTL.
            [LEDGER_TABLE_KEYS.ttl]: leaseUntil + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #runId = :runId OR #leaseUntil < :now',
          ExpressionAttributeNames: {
            '#pk': LEDGER_TABLE_KEYS.partitionKey,
            '#runId': 'runId',
            '#leaseUntil': 'leaseUntil',
          },
          ExpressionAttributeValues: { ':runId': runId, ':now': nowSeconds },
        }),
      );
      return { taken: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.dynamoDb.send(
        new GetCommand({ TableName: this.tableName, Key: lockKey(targetKey), ConsistentRead: true }),
      );
      return {
        taken: false,
        holder: String(Item?.runId ?? 'another run'),
        until: new Date(Number(Item?.leaseUntil ?? leaseUntil) * 1000).toISOString(),
      };
    }
  }

  /** Releases the target if `runId` holds it; never someone else's lock. Best effort: the lease ends it anyway. */
  async release(targetKey: string, runId: string): Promise<void> {
    await this.dynamoDb
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(targetKey),
          ConditionExpression: '#runId = :runId',
          ExpressionAttributeNames: { '#runId': 'runId' },
          ExpressionAttributeValues: { ':runId': runId },
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return;
        logger.warn('Target lock not released; its lease will end it', { targetKey, runId, error });
      });
  }
}

function lockKey(targetKey: string): Record<string, string> {
  return { [LEDGER_TABLE_KEYS.partitionKey]: `lock#${targetKey}`, [LEDGER_TABLE_KEYS.sortKey]: LOCK_RECORD };
}
