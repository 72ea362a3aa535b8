import { isDeepStrictEqual } from 'node:util';
import type { PlaybookId } from '../../../constructs/contracts/remediation';
import type * as z from '../../shared/zod';
import type {
  ActionResult,
  PlannedCall,
  RemediationPlan,
  RemediationTarget,
  TargetState,
} from '../remediation-types';

export type TargetKind = RemediationTarget['kind'];
export type TargetOf<K extends TargetKind> = Extract<RemediationTarget, { kind: K }>;

/**
 * What a playbook does to one kind of target; the state machine around it decides whether and when.
 * Every method but `plan` reads or changes AWS; `plan` is pure, so dry-run and approval show exactly
 * what `act` will do.
 */
export interface Playbook<K extends TargetKind = TargetKind, TSnapshot = unknown> {
  readonly id: PlaybookId;
  readonly targetKind: K;
  /** Checks a snapshot that came back through the state machine before plan, act or rollback rely on it. */
  readonly snapshotSchema: z.ZodMiniType<TSnapshot>;
  /** Whether the target exists, its ARN and its tags; a missing target is an answer, not an error. */
  describe(target: TargetOf<K>): Promise<TargetState>;
  /** The state `act` changes, JSON-serializable, enough for `plan` and for `rollback` to restore it. */
  snapshot(target: TargetOf<K>): Promise<TSnapshot>;
  /** The exact calls `act` would make, or why there is nothing safe to do; makes no AWS call. */
  plan(target: TargetOf<K>, snapshot: TSnapshot): RemediationPlan;
  /** Makes exactly the calls of `plan`, in order; refuses a plan it would not have made itself. */
  act(target: TargetOf<K>, snapshot: TSnapshot, plan: RemediationPlan): Promise<ActionResult>;
  /** Puts back what the snapshot recorded; `action` is what `act` reported, when it got that far. */
  rollback(target: TargetOf<K>, snapshot: TSnapshot, action?: ActionResult): Promise<ActionResult>;
}

export const PLAYBOOK_ERROR_CODES = [
  // The target changed since the snapshot (a deploy, another run) and was left as it is.
  'TARGET_CHANGED',
  'NOT_FOUND',
  // `act` was given a plan this playbook would not make from that snapshot.
  'PLAN_MISMATCH',
  // The operation is malformed or meant for another playbook: a bug in the caller, never retried.
  'INVALID_OPERATION',
] as const;
export type PlaybookErrorCode = (typeof PLAYBOOK_ERROR_CODES)[number];

/** The error name a Step Functions `Catch` matches for `code`, e.g. `PlaybookError.TARGET_CHANGED`. */
export function playbookErrorName(code: PlaybookErrorCode): string {
  return `PlaybookError.${code}`;
}

/**
 * An expected failure. Lambda reports an error's `name` as its type and a Step Functions `Catch`
 * matches nothing else, so the code is part of the name.
 */
export class PlaybookError extends Error {
  override readonly name: string;

  constructor(
    readonly code: PlaybookErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = playbookErrorName(code);
  }
}

/** Whether `error` is an AWS service error with one of `names`. */
export function isAwsError(error: unknown, ...names: readonly string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/** One change: the call as it is planned and approved, and how to make it. */
export interface PlaybookStep {
  readonly call: PlannedCall;
  /** Makes the call; resolves to what AWS answered. */
  readonly make: () => Promise<object>;
}

/** The steps a playbook would take from a snapshot, or why it takes none. */
export interface Changes {
  readonly steps: readonly PlaybookStep[];
  readonly nothingToDo?: string;
}

export function nothingToDo(reason: string): Changes {
  return { steps: [], nothingToDo: reason };
}

export function planOf(changes: Changes): RemediationPlan {
  return changes.nothingToDo === undefined
    ? { calls: changes.steps.map((step) => step.call) }
    : { calls: [], nothingToDo: changes.nothingToDo };
}

/**
 * Makes the steps after checking they are the approved plan's calls. The plan may have waited hours
 * for approval and a deploy may have changed the playbook since; what was not approved is not made.
 * Reasons are prose and may be reworded, so only what each call does is compared.
 */
export async function actOn(changes: Changes, approved: RemediationPlan): Promise<ActionResult> {
  const effect = ({ service, action, parameters }: PlannedCall) => ({ service, action, parameters });
  const planned = changes.steps.map((step) => effect(step.call));
  const approvedCalls = approved.calls.map(effect);
  if (!isDeepStrictEqual(planned, approvedCalls)) {
    throw new PlaybookError(
      'PLAN_MISMATCH',
      `The approved plan is not the one this snapshot gives, so nothing was changed. Approved: ${JSON.stringify(approvedCalls)}; from the snapshot: ${JSON.stringify(planned)}`,
    );
  }
  return makeCalls(changes.steps);
}

/** Makes the steps one after the other; a failure stops the rest. */
export async function makeCalls(steps: readonly PlaybookStep[]): Promise<ActionResult> {
  const calls: ActionResult['calls'][number][] = [];
  for (const step of steps) {
    // The SDK's request metadata is transport detail, not what the service answered.
    const response = Object.fromEntries(
      Object.entries(await step.make()).filter(([key]) => key !== '$metadata'),
    );
    calls.push({ ...step.call, response });
  }
  return { calls, completedAt: new Date().toISOString() };
}
