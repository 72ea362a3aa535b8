import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LEDGER_TABLE_KEYS, type Outcome } from '../../../constructs/contracts/remediation';
import { remediationRequestSchema } from '../remediation-schemas';
import type {
  ActionResult,
  Admission,
  RemediationPlan,
  RemediationRequest,
  TargetState,
} from '../remediation-types';
import type { ApprovalResult } from './approval-links';
import type { PreActCheck } from './pre-act-check';
import type { VerificationState } from './verification';

/**
 * The remediation ledger: what self-healing decided and did, one record per run
 * (`pk = run#<runId>`, `sk = run`), kept `ttlDays`. Each step is stored under its name in the execution
 * state (`admission`, `targetState`, `plan`, `action`, …), next to the request's fields. The admission's counters (blast radius, breaker)
 * live in the same table under their own keys.
 */

/** The error the state machine's Catch hands over (`States.TaskFailed`, `Lambda.Unknown`, …). */
export interface RunError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The execution's state at the end: the request and whatever steps it reached. */
export interface RemediationRun {
  readonly request: RemediationRequest;
  readonly targetState?: TargetState;
  readonly admission?: Admission;
  readonly snapshot?: unknown;
  readonly plan?: RemediationPlan;
  readonly approvalResult?: ApprovalResult;
  /** The last look before acting (tags and the alarm's state again). */
  readonly preActCheck?: PreActCheck;
  readonly action?: ActionResult;
  readonly verification?: VerificationState;
  readonly rollback?: ActionResult;
  readonly error?: RunError;
  /** Why the rollback itself failed; `error` keeps what led to it. */
  readonly rollbackError?: RunError;
}

/** When a human was asked to approve a run, and until when the links answer. */
export interface ApprovalRequestRecord {
  readonly requestedAt: string;
  readonly expiresAt: string;
}

/**
 * What the approval page shows about a run: the request as dispatched, the calls it waits to make,
 * and how it ended if it already did (then the page offers no button).
 */
export interface ApprovalView {
  readonly request: RemediationRequest;
  readonly plan?: RemediationPlan;
  readonly approvalRequest?: ApprovalRequestRecord;
  readonly outcome?: Outcome;
}

/** What {@link RemediationLedger.recordOutcome} leaves stored that the caller decides by. */
export interface RecordedOutcome {
  /** The outcome a message already went out for, if any (a redelivered finish must not notify twice). */
  readonly notifiedOutcome?: Outcome;
}

const RUN_RECORD = 'run';
/** The steps of a run as the ledger stores them, under the names the execution state uses. */
const STEPS = [
  'targetState',
  'snapshot',
  'plan',
  'approvalResult',
  'preActCheck',
  'action',
  'verification',
  'rollback',
  'error',
  'rollbackError',
] as const;

export class RemediationLedger {
  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly ttlDays = 90,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The admission stored for a run, if its admit already ran. */
  async storedDecision(runId: string): Promise<Admission | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    return Item?.admission as Admission | undefined;
  }

  /**
   * Creates the run's record with its admission. Only the first write counts: when another admit of
   * the same run got there first, its decision stands and is returned.
   */
  async recordDecision(request: RemediationRequest, admission: Admission): Promise<Admission> {
    const now = this.now();
    try {
      await this.dynamoDb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...runKey(request.runId),
            ...requestFields(request),
            admission,
            decidedAt: now.toISOString(),
            [LEDGER_TABLE_KEYS.ttl]: this.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': LEDGER_TABLE_KEYS.partitionKey },
        }),
      );
      return admission;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.storedDecision(request.runId);
      if (stored === undefined) throw error;
      return stored;
    }
  }

  /**
   * Writes how the run ended and every step it reached. It creates the record when the run never got
   * to admission (a failed describe), and a later finish of the same run overwrites an earlier one:
   * the last word on a run is the one that stands.
   */
  async recordOutcome(outcome: Outcome, run: RemediationRun): Promise<RecordedOutcome> {
    const now = this.now();
    const values: Record<string, unknown> = {
      ...requestFields(run.request),
      ...Object.fromEntries(STEPS.filter((step) => run[step] !== undefined).map((step) => [step, run[step]])),
      outcome,
      finishedAt: now.toISOString(),
      [LEDGER_TABLE_KEYS.ttl]: this.expiresAt(now),
    };
    const names = Object.keys(values);
    const assignments = names.map((_, index) => `#f${index} = :f${index}`);
    // The admission stored by `admit` is what the counters counted; the run's copy never replaces it.
    if (run.admission !== undefined) assignments.push('#admission = if_not_exists(#admission, :admission)');
    const { Attributes } = await this.dynamoDb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(run.request.runId),
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ExpressionAttributeNames: {
          ...Object.fromEntries(names.map((name, index) => [`#f${index}`, name])),
          ...(run.admission !== undefined && { '#admission': 'admission' }),
        },
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, index) => [`:f${index}`, values[name]])),
          ...(run.admission !== undefined && { ':admission': run.admission }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { notifiedOutcome: Attributes?.notifiedOutcome as Outcome | undefined };
  }

  /**
   * Stores the plan a human is asked to approve, before the message goes out, so the page a link
   * opens shows exactly the calls the run waits to make (the link itself carries only the run id).
   */
  async recordApprovalRequest(
    runId: string,
    plan: RemediationPlan,
    approvalRequest: ApprovalRequestRecord,
  ): Promise<void> {
    await this.dynamoDb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET #plan = :plan, #approvalRequest = :approvalRequest',
        // The record exists from admission on; a run without it was never admitted and asks nothing.
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: {
          '#plan': 'plan',
          '#approvalRequest': 'approvalRequest',
          '#pk': LEDGER_TABLE_KEYS.partitionKey,
        },
        ExpressionAttributeValues: { ':plan': plan, ':approvalRequest': approvalRequest },
      }),
    );
  }

  /** The run as the approval page shows it; undefined when the ledger has no record of it. */
  async approvalView(runId: string): Promise<ApprovalView | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return {
      request: requestOf(Item),
      ...(Item.plan !== undefined && { plan: Item.plan as RemediationPlan }),
      ...(Item.approvalRequest !== undefined && {
        approvalRequest: Item.approvalRequest as ApprovalRequestRecord,
      }),
      ...(Item.outcome !== undefined && { outcome: Item.outcome as Outcome }),
    };
  }

  /** The outcome a report already went out for, if any. */
  async notifiedOutcome(runId: string): Promise<Outcome | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    return Item?.notifiedOutcome as Outcome | undefined;
  }

  /** How the run ended, if a finish recorded it. */
  async storedOutcome(runId: string): Promise<Outcome | undefined> {
    const { Item } = await this.dynamoDb.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    return Item?.outcome as Outcome | undefined;
  }

  /** Keeps why the run's report could not be sent, so the record says nobody was told. */
  async recordNotificationError(runId: string, error: string): Promise<void> {
    await this.dynamoDb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET notificationError = :error, notificationFailedAt = :at',
        ExpressionAttributeValues: { ':error': error, ':at': this.now().toISOString() },
      }),
    );
  }

  /** Remembers that the message for `outcome` went out. */
  async markNotified(runId: string, outcome: Outcome): Promise<void> {
    await this.dynamoDb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET notifiedOutcome = :outcome, notifiedAt = :at',
        ExpressionAttributeValues: { ':outcome': outcome, ':at': this.now().toISOString() },
      }),
    );
  }

  /** Epoch seconds, as DynamoDB's TTL reads it. */
  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.ttlDays * 86_400;
  }
}

function runKey(runId: string): Record<string, string> {
  return { [LEDGER_TABLE_KEYS.partitionKey]: `run#${runId}`, [LEDGER_TABLE_KEYS.sortKey]: RUN_RECORD };
}

const REQUEST_FIELDS = [
  'runId',
  'playbook',
  'mode',
  'approval',
  'alarm',
  'episodeId',
  'severity',
  'account',
  'region',
  'target',
  'requestedAt',
] as const satisfies readonly (keyof RemediationRequest)[];

/** The request flattened into the record, so the ledger can be read (and filtered) without unpacking. */
function requestFields(request: RemediationRequest): Record<string, unknown> {
  return Object.fromEntries(REQUEST_FIELDS.map((field) => [field, request[field]]));
}

/** The request back from its flattened fields (written by {@link requestFields}); checked, as any read is. */
function requestOf(item: Record<string, unknown>): RemediationRequest {
  return remediationRequestSchema.parse(
    Object.fromEntries(REQUEST_FIELDS.map((field) => [field, item[field]])),
  );
}
