import { z } from 'zod';
import { ALARM_SEVERITIES } from '../alarm-severity';

/**
 * What every Vigil alarm says about itself, as JSON in its AlarmDescription, so the enrichment
 * Lambda reads service, severity, runbook and playbook from the alarm-change event without extra
 * API calls. The same facts are also the alarm's AWS tags, for filtering and IAM.
 */
export const alarmDescriptionSchema = z.object({
  /** Format version; bump when a field changes meaning. */
  vigil: z.literal(1),
  service: z.string(),
  /** The watched resource's name in the service, e.g. `upload-scorer`. */
  resource: z.string(),
  /** What is measured, e.g. `errors`, `p99-duration`. */
  signal: z.string(),
  severity: z.enum(ALARM_SEVERITIES),
  /** What it means when this fires, for the person paged. */
  summary: z.string(),
  /** Why the threshold is what it is, e.g. `80% of the 30 s timeout`. */
  threshold: z.string(),
  runbook: z.string().optional(),
  /** Remediation playbook the self-healing workflows run for this alarm. */
  playbook: z.string().optional(),
  /** The alias callers invoke, which `lambda-alias-rollback` moves (the dispatcher's default otherwise). */
  alias: z.string().optional(),
  /** Log group of the watched resource, where the enricher looks for error lines. */
  logGroup: z.string().optional(),
  /** Set on an alarm that only feeds a composite alarm (named here): alerting ignores its changes. */
  partOf: z.string().optional(),
});

export type AlarmDescription = z.infer<typeof alarmDescriptionSchema>;

/** CloudWatch rejects descriptions longer than this. */
export const MAX_ALARM_DESCRIPTION_LENGTH = 1024;

/** The description text; throws when it would not fit, naming the alarm. */
export function formatAlarmDescription(description: AlarmDescription): string {
  const text = JSON.stringify(description);
  if (text.length > MAX_ALARM_DESCRIPTION_LENGTH) {
    throw new Error(
      `alarm ${description.service}/${description.resource}/${description.signal}: description is ${text.length} ` +
        `characters, CloudWatch allows ${MAX_ALARM_DESCRIPTION_LENGTH}; shorten its summary`,
    );
  }
  return text;
}

/** Reads a Vigil alarm description; undefined for alarms created outside Vigil. */
export function parseAlarmDescription(text: string | undefined): AlarmDescription | undefined {
  if (!text?.startsWith('{"vigil":')) return undefined;
  try {
    const parsed = alarmDescriptionSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
