import type { AlarmSeverity } from '../../constructs/contracts/alarm-severity';
import type { PlaybookId } from '../../constructs/contracts/remediation';

/** What a playbook acts on, derived by the dispatcher from the alarm's metric dimensions. */
export type RemediationTarget =
  | { readonly kind: 'lambda-alias'; readonly functionName: string; readonly aliasName: string }
  | { readonly kind: 'lambda-function'; readonly functionName: string }
  | { readonly kind: 'sqs-queue'; readonly queueName: string };

/**
 * The input of every remediation state machine execution, written by the dispatcher. The state
 * machine adds its results next to it (`targetState`, `admission`, `snapshot`, `plan`, …).
 */
export interface RemediationRequest {
  /** Unique per run; also the execution name, so one alarm change never starts two runs. */
  readonly runId: string;
  readonly playbook: PlaybookId;
  /** `dry-run` computes and records the exact calls, and makes none. */
  readonly mode: 'dry-run' | 'enforce';
  /** Whether a human must approve before the playbook acts. */
  readonly approval: boolean;
  readonly alarm: { readonly name: string; readonly arn: string };
  /** The alert's thread, so remediation messages land in the alert's conversation. */
  readonly episodeId: string;
  readonly severity: AlarmSeverity;
  readonly account: string;
  readonly region: string;
  readonly target: RemediationTarget;
  readonly requestedAt: string;
}

/**
 * A resource the playbook's change reaches besides the target itself, e.g. the source queues a
 * dead-letter queue's messages are moved back to. It must be opted in and not excluded like the
 * target: the change writes to it.
 */
export interface RelatedResource {
  /** How it relates to the target, in words that read before "of <target>", e.g. `source queue`. */
  readonly role: string;
  /** Its name, e.g. the queue name `orders`. */
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What `describe` finds: whether the target exists, and its tags (for opt-in and exclusion). */
export interface TargetState {
  readonly exists: boolean;
  /** The target's ARN when it exists (the ledger and the breaker key on it). */
  readonly arn?: string;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * The other resources the change reaches, each checked for opt-in and exclusion like the target.
   * Absent when the change reaches nothing but the target.
   */
  readonly related?: readonly RelatedResource[];
}

/** One AWS API call a playbook makes or would make, exactly: what dry-run records and humans approve. */
export interface PlannedCall {
  /** e.g. `lambda`, `sqs`. */
  readonly service: string;
  /** The API action, e.g. `UpdateAlias`. */
  readonly action: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Why, in words, e.g. `point live back from version 7 to version 6`. */
  readonly reason: string;
}

/** The plan: the calls, or why there is nothing safe to do. */
export interface RemediationPlan {
  readonly calls: readonly PlannedCall[];
  /** Set when the playbook found nothing it may do (e.g. no earlier version, no spare concurrency). */
  readonly nothingToDo?: string;
}

/**
 * How long a change keeps going after the calls that started it returned: AWS carries some out on its
 * own (a message move task moves a backlog at a capped rate), and the alarm cannot recover before they
 * finish.
 */
export interface SettleTime {
  /** Seconds after `completedAt` by which the change should have finished. */
  readonly seconds: number;
  /**
   * How the seconds were worked out, for the ledger and humans, e.g. `3,600 messages at 10/s = 360 s
   * to move (456 s allowed, as the count is approximate)`.
   */
  readonly basis: string;
}

/** What `act` and `rollback` report: the calls made, each with what AWS answered. */
export interface ActionResult {
  readonly calls: readonly (PlannedCall & { readonly response: Readonly<Record<string, unknown>> })[];
  readonly completedAt: string;
  /**
   * Set by a playbook whose change goes on after its calls returned; verification waits this long on
   * top of the alarm's own recovery time before it may call the change failed. Absent: the change was
   * complete when the calls returned.
   */
  readonly settle?: SettleTime;
}

/** Why a run was refused before any change, in the order they are checked. */
export const REFUSALS = [
  'target-missing',
  'not-opted-in',
  'do-not-remediate',
  'busy',
  'blast-radius',
  'breaker-open',
] as const;
export type Refusal = (typeof REFUSALS)[number];

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly refusal: Refusal; readonly detail: string };

/** Input of the playbook functions: one operation on the run so far. */
export type PlaybookOperation =
  | { readonly op: 'describe'; readonly request: RemediationRequest }
  | { readonly op: 'snapshot'; readonly request: RemediationRequest }
  | { readonly op: 'plan'; readonly request: RemediationRequest; readonly snapshot: unknown }
  | {
      readonly op: 'act';
      readonly request: RemediationRequest;
      readonly snapshot: unknown;
      readonly plan: RemediationPlan;
    }
  | {
      readonly op: 'rollback';
      readonly request: RemediationRequest;
      readonly snapshot: unknown;
      readonly action?: ActionResult;
    };
