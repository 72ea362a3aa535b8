import { logger } from '../shared/observability';
import * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';
import { type Playbook, PlaybookError } from './playbooks/playbook';
import { actionResultSchema, remediationPlanSchema, remediationRequestSchema } from './remediation-schemas';
import type { PlaybookOperation } from './remediation-types';

const request = remediationRequestSchema;
const plan = remediationPlanSchema;
const actionResult = actionResultSchema;

function operationSchema(snapshot: z.ZodMiniType) {
  return z.discriminatedUnion('op', [
    z.object({ op: z.literal('describe'), request }),
    z.object({ op: z.literal('snapshot'), request }),
    z.object({ op: z.literal('plan'), request, snapshot }),
    z.object({ op: z.literal('act'), request, snapshot, plan }),
    z.object({ op: z.literal('rollback'), request, snapshot, action: z.optional(actionResult) }),
  ]);
}

/**
 * The playbook Lambda's logic: one operation of a remediation run on one playbook. AWS errors
 * other than the playbook's expected ones (throttling above all) propagate untouched, so the state
 * machine's Retry sees them by name.
 */
export function createPlaybookHandler(playbook: Playbook) {
  const schema = operationSchema(playbook.snapshotSchema);
  return async (event: PlaybookOperation): Promise<unknown> => {
    const operation = parseOperation(schema, event);
    const { runId, target, mode } = operation.request;
    if (operation.request.playbook !== playbook.id || target.kind !== playbook.targetKind) {
      throw invalid(
        `this function runs playbook ${playbook.id} on ${playbook.targetKind} targets; the request is for ${operation.request.playbook} on a ${target.kind}`,
      );
    }
    // A dry run records the plan and stops; a change reaching here would be the state machine's bug.
    if (mode === 'dry-run' && (operation.op === 'act' || operation.op === 'rollback')) {
      throw invalid(`run ${runId} is a dry run, which makes no change: ${operation.op} refused`);
    }

    logger.appendKeys({ runId, playbook: playbook.id });
    try {
      logger.info('Playbook operation', { op: operation.op, target });
      const result = await run(playbook, operation);
      logger.info('Playbook operation done', { op: operation.op, result });
      return result;
    } finally {
      logger.removeKeys(['runId', 'playbook']);
    }
  };
}

type Operation = z.output<ReturnType<typeof operationSchema>>;

function run(playbook: Playbook, operation: Operation): Promise<unknown> {
  const { target } = operation.request;
  switch (operation.op) {
    case 'describe':
      return playbook.describe(target);
    case 'snapshot':
      return playbook.snapshot(target);
    case 'plan':
      return Promise.resolve(playbook.plan(target, operation.snapshot));
    case 'act':
      return playbook.act(target, operation.snapshot, operation.plan);
    case 'rollback':
      return playbook.rollback(target, operation.snapshot, operation.action);
  }
}

function parseOperation(schema: ReturnType<typeof operationSchema>, event: unknown): Operation {
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw invalid(`Invalid playbook operation: ${describeIssues(parsed.error, 'event')}`);
  return parsed.data;
}

function invalid(message: string): PlaybookError {
  return new PlaybookError('INVALID_OPERATION', message);
}
