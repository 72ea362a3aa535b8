import { ALARM_SEVERITIES, type AlarmSeverity } from './alarm-severity';

/**
 * What every Vigil alarm says about itself, as JSON in its AlarmDescription, so the enrichment
 * Lambda reads service, severity, runbook and playbook from the alarm-change event without extra
 * API calls. The same facts are also the alarm's AWS tags, for filtering and IAM.
 *
 * Written by the construct library, read by the Lambdas and the alarm lint. Checked here without a
 * schema library, so neither the published package nor a Lambda bundle carries one for eleven
 * fields; tests hold the reader to a zod schema of the same shape.
 */
export interface AlarmDescription {
  /** Format version; bump when a field changes meaning. */
  readonly vigil: 1;
  /** The service the alarm belongs to (`ServiceMonitoring`'s `service`), e.g. `predictor`; alerts are grouped and routed by it. */
  readonly service: string;
  /** The watched resource's name in the service, e.g. `upload-scorer`. */
  readonly resource: string;
  /** What is measured, e.g. `errors`, `p99-duration`. */
  readonly signal: string;
  /** How urgently someone must act; decides which alert topic the alarm notifies. */
  readonly severity: AlarmSeverity;
  /** What it means when this fires, for the person paged. */
  readonly summary: string;
  /** Why the threshold is what it is and when the alarm fires, e.g. `80% of the 30 s timeout, in 3 consecutive five-minute periods`. */
  readonly threshold: string;
  /** Link to the runbook the person paged follows. @default no runbook */
  readonly runbook?: string;
  /** Remediation playbook the self-healing workflows run for this alarm. @default none */
  readonly playbook?: string;
  /** The alias callers invoke, which `lambda-alias-rollback` moves. @default the dispatcher's alias */
  readonly alias?: string;
  /** Log group of the watched resource, where the enricher looks for error lines. @default none */
  readonly logGroup?: string;
  /** Set on an alarm that only feeds a composite alarm (named here): alerting ignores its changes. @default none */
  readonly partOf?: string;
}

/** CloudWatch rejects descriptions longer than this. */
export const MAX_ALARM_DESCRIPTION_LENGTH = 1024;

const REQUIRED_TEXT = ['service', 'resource', 'signal', 'summary', 'threshold'] as const;
const OPTIONAL_TEXT = ['runbook', 'playbook', 'alias', 'logGroup', 'partOf'] as const;

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

/** A parsed JSON value read as a Vigil description, or every problem with it (`severity: must be one of …`). */
export type AlarmDescriptionReading =
  | {
      /** The value is a valid description. */
      readonly ok: true;
      /** The description, with unknown fields dropped. */
      readonly description: AlarmDescription;
    }
  | {
      /** The value is not a valid description. */
      readonly ok: false;
      /** One line per invalid field, `<field>: <what is wrong>`. */
      readonly problems: readonly string[];
    };

/** Checks a parsed JSON value field by field; fields it does not know are dropped, like a JSON schema would. */
export function readAlarmDescription(json: unknown): AlarmDescriptionReading {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problems: ['must be a JSON object'] };
  }
  const record = json as Record<string, unknown>;
  const problems: string[] = [];
  if (record.vigil !== 1)
    problems.push(`vigil: must be 1 (got ${JSON.stringify(record.vigil) ?? 'nothing'})`);
  for (const field of REQUIRED_TEXT) {
    if (typeof record[field] !== 'string') problems.push(`${field}: ${missingOrNotText(record[field])}`);
  }
  if (!ALARM_SEVERITIES.includes(record.severity as AlarmSeverity)) {
    problems.push(`severity: must be one of ${ALARM_SEVERITIES.join(', ')}`);
  }
  for (const field of OPTIONAL_TEXT) {
    if (record[field] !== undefined && typeof record[field] !== 'string')
      problems.push(`${field}: must be text`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const description: Record<string, unknown> = { vigil: 1, severity: record.severity };
  for (const field of [...REQUIRED_TEXT, ...OPTIONAL_TEXT]) {
    if (record[field] !== undefined) description[field] = record[field];
  }
  return { ok: true, description: description as unknown as AlarmDescription };
}

function missingOrNotText(value: unknown): string {
  return value === undefined ? 'is required' : 'must be text';
}

/** Reads a Vigil alarm description; undefined for alarms created outside Vigil or unreadable ones. */
export function parseAlarmDescription(text: string | undefined): AlarmDescription | undefined {
  if (!text?.startsWith('{"vigil":')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const reading = readAlarmDescription(json);
  return reading.ok ? reading.description : undefined;
}
