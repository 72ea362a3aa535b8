/**
 * What the alerting side of Vigil shares between the stacks and the alert enricher: table keys and
 * object prefixes. Constants only, no imports, so synth loads no Lambda runtime code (AWS SDK,
 * Powertools) to read them.
 */

/** Attribute names the episode table must use. */
export const EPISODE_TABLE_KEYS = {
  /** Partition key (string): the alarm's ARN, so every record of one alarm shares a partition. */
  partitionKey: 'alarm',
  /** Sort key (string): which record of the alarm, `head` for its episode or one per alert delivery. */
  sortKey: 'record',
  /** The table's TTL attribute: epoch seconds after which DynamoDB deletes the record. */
  ttl: 'expiresAt',
} as const;

/**
 * A sparse index of the heads whose episode is flapping: only they carry `flappingIndex`, and
 * `settleAfter` is when their quiet window ends if nothing changes. The scheduled check queries it.
 */
export const EPISODE_FLAPPING_INDEX = {
  /** The global secondary index's name. */
  indexName: 'flapping',
  /**
   * Partition key (string), set only on flapping heads. Not `flapping`: episode records keep a
   * boolean of that name, and an index key must be a string.
   */
  partitionKey: 'flappingIndex',
  /** Sort key (ISO 8601 string): when the head's quiet window ends, so due heads are a range query. */
  sortKey: 'settleAfter',
} as const;

/** Where unreadable events are kept in the alert artifacts bucket. */
export const UNREADABLE_EVENTS_PREFIX = 'unreadable/';
