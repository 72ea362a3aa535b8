import { OUTCOMES, type Outcome } from '../../../constructs/contracts/remediation';
import { ALARM_STATES } from '../../shared/alarm-change';
import type { AwsClients } from '../../shared/aws-clients';
import { logger } from '../../shared/observability';
import * as z from '../../shared/zod';
import { describeIssues } from '../../shared/zod-issues';
import {
  actionResultSchema,
  remediationPlanSchema,
  remediationRequestSchema,
  targetStateSchema,
} from '../remediation-schemas';
import { type Admission, REFUSALS } from '../remediation-types';
import { AdmissionGate, lockKeyOf } from './admission';
import { ApprovalLinks } from './approval-links';
import { type ApprovalRequested, ApprovalRequester } from './approval-request';
import type { EnvelopeConfig } from './envelope-config';
import { checkBeforeAct, type PreActCheck } from './pre-act-check';
import { RemediationLedger, type RemediationRun } from './remediation-ledger';
import { RunNotifier } from './run-notification';
import { TargetLock } from './target-lock';
import { AlarmVerifier, type VerificationResult } from './verification';

/** The state machine passed something that is not an envelope operation; its Catch sees this name. */
export class EnvelopeInputError extends Error {
  override readonly name = 'EnvelopeInputError';
}

export interface EnvelopeDependencies {
  readonly config: EnvelopeConfig;
  readonly clients: Pick<AwsClients, 'dynamoDb' | 'cloudWatch' | 'sns' | 'secretsManager'>;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** What each operation returns, by `op`. */
export type EnvelopeResult =
  | Admission
  | ApprovalRequested
  | VerificationResult
  | PreActCheck
  | { readonly outcome: Outcome };

// The state machine may pass an absent step as null (JSONPath has no "absent"); both mean "not reached".
const absent = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.nullish(schema),
    z.transform((value) => value ?? undefined),
  );

const text = z.string().check(z.minLength(1));
const request = remediationRequestSchema;
const targetState = targetStateSchema;
const plan = remediationPlanSchema;
const actionResult = actionResultSchema;
const admission = z.discriminatedUnion('admitted', [
  z.object({ admitted: z.literal(true) }),
  z.object({ admitted: z.literal(false), refusal: z.enum(REFUSALS), detail: z.string() }),
]);
const approvalResult = z.object({
  approved: z.boolean(),
  decidedBy: z.optional(z.string()),
  decidedAt: z.string(),
});
const verification = z.object({
  checks: z.number().check(z.int(), z.gte(0)),
  consecutiveOk: z.number().check(z.int(), z.gte(0)),
  // The state machine's seed before the first check has none.
  lastState: z.optional(z.enum([...ALARM_STATES, 'MISSING'])),
  stable: z.boolean(),
  expired: z.boolean(),
  inconclusive: z.optional(z.boolean()),
  deadlineSeconds: z.optional(z.number().check(z.int(), z.gte(0))),
  reason: z.optional(z.string()),
});
const run = z.object({
  request,
  targetState: absent(targetState),
  admission: absent(admission),
  snapshot: absent(z.unknown()),
  plan: absent(plan),
  approvalResult: absent(approvalResult),
  preActCheck: absent(
    z.discriminatedUnion('proceed', [
      z.object({ proceed: z.literal(true) }),
      z.object({ proceed: z.literal(false), reason: z.string() }),
    ]),
  ),
  action: absent(actionResult),
  verification: absent(verification),
  rollback: absent(actionResult),
  error: absent(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  rollbackError: absent(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
});

const operation = z.discriminatedUnion('op', [
  z.object({ op: z.literal('admit'), request, targetState }),
  z.object({ op: z.literal('requestApproval'), request, plan, taskToken: text }),
  z.object({ op: z.literal('checkBeforeAct'), request, targetState }),
  z.object({
    op: z.literal('verify'),
    request,
    action: actionResult,
    verification: absent(verification),
    stablePeriods: z.number().check(z.int(), z.gte(1)),
    deadlineSeconds: z.number().check(z.int(), z.gte(1)),
  }),
  z.object({ op: z.literal('finish'), outcome: z.enum(OUTCOMES), run }),
  // A workflow execution that ended without reaching a Finish state: the documented "Step Functions
  // Execution Status Change" event's detail (Step Functions developer guide, cw-events), whose
  // `input` is the dispatcher's request.
  z.object({
    op: z.literal('abandoned'),
    detail: z.object({
      executionArn: text,
      status: z.enum(['ABORTED', 'TIMED_OUT']),
      input: z.string(),
    }),
  }),
]);

const ABANDONED = { ABORTED: 'stopped', TIMED_OUT: 'timed-out' } as const satisfies Record<string, Outcome>;

/**
 * The envelope around a playbook: the state machine calls it before (`admit`, `requestApproval`),
 * after (`verify`) and at the end (`finish`) of each run.
 */
export function createEnvelopeHandler(deps: EnvelopeDependencies) {
  const { config, clients } = deps;
  const now = deps.now ?? (() => new Date());
  const ledger = new RemediationLedger(clients.dynamoDb, config.ledgerTableName, undefined, now);
  const lock = new TargetLock(clients.dynamoDb, config.ledgerTableName, config.lockLeaseSeconds, now);
  const gate = new AdmissionGate(
    clients.dynamoDb,
    ledger,
    lock,
    {
      blastRadiusPerHour: config.blastRadiusPerHour,
      breakerMaxRuns: config.breakerMaxRuns,
      breakerWindowMinutes: config.breakerWindowMinutes,
    },
    now,
  );
  const approvals = new ApprovalRequester({
    sns: clients.sns,
    links: new ApprovalLinks({ secretsManager: clients.secretsManager, secretArn: config.approvalSecretArn }),
    topics: config.topics,
    approvalUrl: config.approvalUrl,
    ttlSeconds: config.approvalTtlSeconds,
    ledger,
    now,
  });
  const verifier = new AlarmVerifier(clients.cloudWatch, now);
  const notifier = new RunNotifier(clients.sns, config.topics);

  /**
   * The thread is told first and the ledger written second, so an unreachable ledger never silences
   * the report; each failure is told through the other (the report names a ledger it could not read,
   * the record keeps a report that could not be sent). A retried finish whose report went out records
   * again without repeating it. A failure is thrown after both were tried, so Step Functions retries.
   */
  const finish = async (outcome: Outcome, run: RemediationRun): Promise<EnvelopeResult> => {
    const runId = run.request.runId;
    let ledgerError: unknown;
    const notified = await ledger.notifiedOutcome(runId).catch((error: unknown) => {
      ledgerError = error;
      return undefined;
    });
    let notifyError: unknown;
    if (notified !== outcome) {
      const note =
        ledgerError === undefined
          ? undefined
          : `The remediation ledger could not be read (${errorMessage(ledgerError)}): this report may repeat if the finish is retried.`;
      await notifier.notifyOutcome(outcome, run, note).catch((error: unknown) => {
        notifyError = error;
      });
    }
    try {
      await ledger.recordOutcome(outcome, run);
      if (notifyError === undefined) await ledger.markNotified(runId, outcome);
      else await ledger.recordNotificationError(runId, errorMessage(notifyError));
    } catch (error) {
      ledgerError ??= error;
    }
    if (run.request.mode === 'enforce') await lock.release(lockKeyOf(run.request), runId);
    logger.info('Run finished', {
      outcome,
      alreadyNotified: notified === outcome,
      ...(notifyError !== undefined && { notifyError }),
      ...(ledgerError !== undefined && { ledgerError }),
    });
    const failure = notifyError ?? ledgerError;
    if (failure !== undefined) throw failure;
    return { outcome };
  };

  /**
   * A stopped or timed-out execution never reaches Finish: give it its one outcome and report here,
   * unless a Finish already recorded one (a FAILED execution went through `Finish failed`).
   */
  const finishAbandoned = async (detail: {
    executionArn: string;
    status: keyof typeof ABANDONED;
    input: string;
  }): Promise<EnvelopeResult> => {
    const outcome: Outcome = ABANDONED[detail.status];
    const parsedRequest = remediationRequestSchema.safeParse(parseJson(detail.input));
    if (!parsedRequest.success) {
      throw new EnvelopeInputError(
        `Execution ${detail.executionArn} has no remediation request as input: ${describeIssues(parsedRequest.error, 'input')}`,
      );
    }
    const request = parsedRequest.data;
    logger.appendKeys({ runId: request.runId, op: 'abandoned' });
    const stored = await ledger.storedOutcome(request.runId);
    if (stored !== undefined) {
      logger.info('Run already has its outcome', { stored, status: detail.status });
      return { outcome: stored };
    }
    // The steps of a run are written at its finish: a stopped run has its admission at most.
    const admission = await ledger.storedDecision(request.runId);
    logger.info('Run ended without its finish', { outcome, executionArn: detail.executionArn });
    return finish(outcome, { request, ...(admission && { admission }) });
  };

  return async (event: unknown): Promise<EnvelopeResult> => {
    const parsed = operation.safeParse(event);
    if (!parsed.success) {
      throw new EnvelopeInputError(`Not an envelope operation: ${describeIssues(parsed.error, 'event')}`);
    }
    const input = parsed.data;
    if (input.op === 'abandoned') return finishAbandoned(input.detail);
    const runId = input.op === 'finish' ? input.run.request.runId : input.request.runId;
    logger.appendKeys({ runId, op: input.op });
    switch (input.op) {
      case 'admit': {
        const result = await gate.admit(input.request, input.targetState);
        logger.info('Admission decided', { ...result });
        return result;
      }
      case 'requestApproval': {
        const result = await approvals.requestApproval(input.request, input.plan, input.taskToken);
        logger.info('Approval requested', { ...result });
        return result;
      }
      case 'checkBeforeAct': {
        const result = await checkBeforeAct(input.request, input.targetState, verifier);
        logger.info('Checked before acting', { ...result });
        return result;
      }
      case 'verify': {
        const result = await verifier.verify({
          request: input.request,
          action: input.action,
          previous: input.verification,
          stablePeriods: input.stablePeriods,
          deadlineSeconds: input.deadlineSeconds,
        });
        logger.info('Change verified', { ...result });
        return result;
      }
      case 'finish':
        return finish(input.outcome, input.run);
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
