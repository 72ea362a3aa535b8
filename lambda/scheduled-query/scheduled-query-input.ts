import { ALARM_SEVERITIES } from '../../constructs/contracts/alarm-severity';
import type { ScheduledQueryInput } from '../../constructs/contracts/scheduled-query';
import * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';

/** The invocation is not a schedule's input: nothing to run, and retrying cannot help. */
export class InvalidScheduledQueryInputError extends Error {
  override readonly name = 'InvalidScheduledQueryInputError';
}

// StartQuery takes 1 to 50 log group names and a query of at most 10,000 characters (CloudWatch Logs
// API reference, StartQuery).
const schema = z.strictObject({
  name: z.string().check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      error: 'must be 1 to 63 lowercase letters, digits and hyphens',
    }),
  ),
  service: z.string().check(z.minLength(1), z.maxLength(64)),
  queryString: z.string().check(z.minLength(1), z.maxLength(10_000)),
  logGroupNames: z
    .array(z.string().check(z.minLength(1), z.maxLength(512)))
    .check(z.minLength(1), z.maxLength(50)),
  lookbackMinutes: z.number().check(z.int(), z.gte(1), z.lte(7 * 24 * 60)),
  alertWhenRows: z.boolean(),
  severity: z.enum(ALARM_SEVERITIES),
  runbook: z.optional(z.url({ protocol: /^https$/ })),
  scheduledTime: z.iso.datetime({ offset: true }),
});

/** The schedule's input, validated; throws naming every bad field. */
export function readScheduledQueryInput(event: unknown): ScheduledQueryInput {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidScheduledQueryInputError(
      `not a scheduled query input: ${describeIssues(parsed.error, 'input')}`,
    );
  }
  return parsed.data;
}
