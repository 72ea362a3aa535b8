/**
 * What the remediation side of Vigil shares across layers: the construct library (alarm lint, the
 * remediation workflow), the configuration, the stacks and the Lambdas all import these from here.
 * Constants and types only, no imports: a Lambda bundle that uses one of them grows by that value.
 */

/** The playbooks Vigil knows; alarm descriptions name one in `playbook`. */
export const PLAYBOOK_IDS = ['lambda-alias-rollback', 'lambda-concurrency', 'dlq-redrive'] as const;
/** One of {@link PLAYBOOK_IDS}: what an alarm's `playbook` names and the configuration's policies are keyed by. */
export type PlaybookId = (typeof PLAYBOOK_IDS)[number];

/** `dry-run` records the calls a playbook would make and makes none; `enforce` makes them. */
export const REMEDIATION_MODES = ['dry-run', 'enforce'] as const;
/** One of {@link REMEDIATION_MODES}: whether a playbook rehearses (`dry-run`) or acts (`enforce`). */
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/**
 * How one playbook runs in an environment. Resolved from the config once, at synth, and handed to
 * both the dispatcher (which starts runs that way) and the alert enricher (which tells on-call what
 * to expect), so an alert can never promise a dry run while the playbook acts.
 */
export interface PlaybookPolicy {
  /** Whether runs only record the calls they would make (`dry-run`) or make them (`enforce`). */
  readonly mode: RemediationMode;
  /** A human approves each run through signed links in the alert thread first. */
  readonly approval: boolean;
}

/** Tag a resource must carry (value `true`) before any playbook touches it. */
export const OPT_IN_TAG = 'vigil:remediate';
/** Tag that keeps every playbook away from a resource, whatever its other tags say. */
export const DO_NOT_REMEDIATE_TAG = 'vigil:do-not-remediate';

/** How each run ends; the ledger's `outcome` and the notification say it. */
export const OUTCOMES = [
  'remediated',
  'dry-run',
  'refused',
  'nothing-to-do',
  'skipped',
  'denied',
  'approval-timed-out',
  'rolled-back',
  'target-changed',
  'unverified',
  'stopped',
  'timed-out',
  'failed',
] as const;
/** One of {@link OUTCOMES}: how a remediation run ended. */
export type Outcome = (typeof OUTCOMES)[number];

/** Attribute names the remediation ledger table must use (both keys strings; TTL on `expiresAt`). */
export const LEDGER_TABLE_KEYS = {
  /** Partition key: what an item is about, `<kind>#<id>`, e.g. `run#<run id>`, `lock#<target>`, `blast#<account>`. */
  partitionKey: 'pk',
  /** Sort key: the record kind within that partition, e.g. `run`, `lock`, `counter`. */
  sortKey: 'sk',
  /** The table's TTL attribute: epoch seconds after which DynamoDB deletes the item. */
  ttl: 'expiresAt',
} as const;
