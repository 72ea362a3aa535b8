import { ALARM_SEVERITIES } from '../../constructs/contracts/alarm-severity';
import { PLAYBOOK_IDS } from '../../constructs/contracts/remediation';
import * as z from '../shared/zod';
import type { ActionResult, RemediationPlan, RemediationRequest, TargetState } from './remediation-types';

// Every function of a run reads these parts of the execution state; they are checked at each step
// because the state machine passes whatever the previous step left there.

const text = z.string().check(z.minLength(1));

export const remediationRequestSchema: z.ZodMiniType<RemediationRequest> = z.object({
  runId: text,
  playbook: z.enum(PLAYBOOK_IDS),
  mode: z.enum(['dry-run', 'enforce']),
  approval: z.boolean(),
  alarm: z.object({ name: text, arn: text }),
  episodeId: text,
  severity: z.enum(ALARM_SEVERITIES),
  account: text,
  region: text,
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('lambda-alias'), functionName: text, aliasName: text }),
    z.object({ kind: z.literal('lambda-function'), functionName: text }),
    z.object({ kind: z.literal('sqs-queue'), queueName: text }),
  ]),
  requestedAt: text,
});

export const targetStateSchema: z.ZodMiniType<TargetState> = z.object({
  exists: z.boolean(),
  arn: z.optional(z.string()),
  tags: z._default(z.record(z.string(), z.string()), {}),
  related: z.optional(
    z.array(z.object({ role: text, name: text, tags: z._default(z.record(z.string(), z.string()), {}) })),
  ),
});

const plannedCall = z.object({
  service: text,
  action: text,
  parameters: z.record(z.string(), z.unknown()),
  reason: z.string(),
});

export const remediationPlanSchema: z.ZodMiniType<RemediationPlan> = z.object({
  calls: z.array(plannedCall),
  nothingToDo: z.optional(z.string()),
});

export const actionResultSchema: z.ZodMiniType<ActionResult> = z.object({
  calls: z.array(z.extend(plannedCall, { response: z.record(z.string(), z.unknown()) })),
  completedAt: text,
  settle: z.optional(z.object({ seconds: z.number().check(z.int(), z.gte(0)), basis: text })),
});
