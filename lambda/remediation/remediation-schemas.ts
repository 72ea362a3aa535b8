import { z } from 'zod';
import { ALARM_SEVERITIES } from '../../constructs/contracts/alarm-severity';
import { PLAYBOOK_IDS } from '../../constructs/contracts/remediation';
import type { ActionResult, RemediationPlan, RemediationRequest, TargetState } from './remediation-types';

// Every function of a run reads these parts of the execution state; they are checked at each step
// because the state machine passes whatever the previous step left there.

const text = z.string().min(1);

export const remediationRequestSchema: z.ZodType<RemediationRequest> = z.object({
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

export const targetStateSchema: z.ZodType<TargetState> = z.object({
  exists: z.boolean(),
  arn: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  related: z
    .array(z.object({ role: text, name: text, tags: z.record(z.string(), z.string()).default({}) }))
    .optional(),
});

const plannedCall = z.object({
  service: text,
  action: text,
  parameters: z.record(z.string(), z.unknown()),
  reason: z.string(),
});

export const remediationPlanSchema: z.ZodType<RemediationPlan> = z.object({
  calls: z.array(plannedCall),
  nothingToDo: z.string().optional(),
});

export const actionResultSchema: z.ZodType<ActionResult> = z.object({
  calls: z.array(plannedCall.extend({ response: z.record(z.string(), z.unknown()) })),
  completedAt: text,
  settle: z.object({ seconds: z.number().int().min(0), basis: text }).optional(),
});
