/**
 * What the alerting side of Vigil shares between the stacks and the alert enricher: table keys and
 * object prefixes. Constants only, no imports, so synth loads no Lambda runtime code (AWS SDK,
 * Powertools) to read them.
 */

/** Attribute names the episode table must use. */
export const EPISODE_TABLE_KEYS = { partitionKey: 'alarm', sortKey: 'record', ttl: 'expiresAt' } as const;

/**
 * A sparse index of the heads whose episode is flapping: only they carry `flappingIndex`, and
 * `settleAfter` is when their quiet window ends if nothing changes. The scheduled check queries it.
 */
export const EPISODE_FLAPPING_INDEX = {
  indexName: 'flapping',
  // Not `flapping`: episode records keep a boolean of that name, and an index key must be a string.
  partitionKey: 'flappingIndex',
  sortKey: 'settleAfter',
} as const;

/** Where unreadable events are kept in the alert artifacts bucket. */
export const UNREADABLE_EVENTS_PREFIX = 'unreadable/';
