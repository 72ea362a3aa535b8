import { ALARM_SEVERITIES, type AlarmSeverity } from './alarm-severity';

/**
 * A business alert: what a workload says about itself when something its own logic noticed needs a
 * person (payments failing at the provider, a nightly export that produced nothing), put on the
 * environment's platform bus (`vigil-<env>-platform`) as the `detail` of an event whose
 * `detail-type` is {@link BUSINESS_ALERT_DETAIL_TYPE}. The alert enricher renders it in the same
 * formats as an alarm, on the same severity topics, chat threads and PagerDuty services.
 *
 * Episodes: one per `dedupeKey` of one event `source`. The first alert opens it; a repeat of the key
 * while it is open threads into the same alert (same chat thread, same PagerDuty incident), and is
 * told again only when its severity rises or a quiet window has passed since the last notice; an
 * alert with `resolved: true` resolves it.
 *
 * Read field by field here, without a schema library, so that neither the published package nor a
 * Lambda bundle carries one; a property test holds {@link readBusinessAlert} to a zod schema.
 */
export interface BusinessAlert {
  /**
   * How urgently a human must act; decides the topic, chat channel and PagerDuty service. Required,
   * except on a resolution, which goes where its episode went. @default the episode's (resolutions only)
   */
  readonly severity?: AlarmSeverity;
  /** One line: what happened, e.g. `Card payments failing at the provider`; at most 200 characters. */
  readonly title: string;
  /** What it means and what is known, for the person receiving it; at most 4000 characters. */
  readonly message: string;
  /** The service raising it, e.g. `orders` (letters, digits, `.`, `_`, `-`; at most 64): alerts are grouped and filtered by it. */
  readonly service: string;
  /** An https link to what the person receiving it should do. @default no runbook */
  readonly runbook?: string;
  /**
   * What makes two alerts the same problem, e.g. `payments/provider-down`: the episode key, within
   * the event's source. 1 to 200 printable ASCII characters without spaces.
   */
  readonly dedupeKey: string;
  /** `true`: the problem of this `dedupeKey` is over; its open episode resolves. @default false */
  readonly resolved?: boolean;
}

/** The `detail-type` of a business alert event; the alerting rule matches on it. */
export const BUSINESS_ALERT_DETAIL_TYPE = 'Business Alert';

/** Most characters of a title: it is the email subject's and chat title's main part. */
export const BUSINESS_ALERT_TITLE_MAX_LENGTH = 200;
/** Most characters of a message: a chat card's description holds 8000 with the rest of the alert. */
export const BUSINESS_ALERT_MESSAGE_MAX_LENGTH = 4000;
/** Most characters of a dedupe key: with its source and the episode's start it stays a usable PagerDuty dedup key. */
export const BUSINESS_ALERT_DEDUPE_KEY_MAX_LENGTH = 200;
/** Most characters of a runbook link. */
export const BUSINESS_ALERT_RUNBOOK_MAX_LENGTH = 2048;

/** The fields a business alert may have; any other is refused, so a misspelt `runBook` is not silently dropped. */
export const BUSINESS_ALERT_FIELDS = [
  'severity',
  'title',
  'message',
  'service',
  'runbook',
  'dedupeKey',
  'resolved',
] as const;

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DEDUPE_KEY = /^[\x21-\x7E]+$/;
const HTTPS_URL = /^https:\/\/[^\s/?#]+[^\s]*$/;

/**
 * Why `source` cannot be a business alert's event source, or undefined when it can. "Customer-generated
 * events can have any value here, as long as it doesn't begin with "aws."" ("AWS service event
 * metadata", EventBridge User Guide eb-events-structure.html); the `Source` pattern EventBridge's
 * own PutEvents callers document ("EventBridgeParameters", EventBridge Scheduler API Reference:
 * 1 to 256 characters, `(?=[/\.\-_A-Za-z0-9]+)((?!aws\.).*)`) adds the length and the first
 * character. Checked before publishing and again when reading.
 */
export function businessAlertSourceProblem(source: unknown): string | undefined {
  if (typeof source !== 'string') return source === undefined ? 'is required' : 'must be text';
  if (source.length === 0 || source.length > 256) return 'must be 1 to 256 characters';
  if (source.startsWith('aws.')) return 'must not start with "aws." (reserved for AWS services)';
  if (!/^[/.\-_A-Za-z0-9]/.test(source)) return 'must start with a letter, digit, "/", ".", "-" or "_"';
  return undefined;
}

/** A parsed JSON value read as a business alert, or every problem with it. */
export type BusinessAlertReading =
  | {
      /** The value is a valid business alert. */
      readonly ok: true;
      /** The alert, with only the fields it has. */
      readonly alert: BusinessAlert;
    }
  | {
      /** The value is not a valid business alert. */
      readonly ok: false;
      /**
       * One line per problem, `<field>: <what is wrong>`, e.g. `severity: must be one of critical,
       * high, warning, info`; an unknown field's name is quoted as JSON unless it is a plain word.
       */
      readonly problems: readonly string[];
    };

/**
 * Checks a parsed JSON value field by field. Never throws, whatever it is given: what is wrong is
 * said per field, so the workload's owner can fix it from the dead-letter message alone.
 */
export function readBusinessAlert(json: unknown): BusinessAlertReading {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problems: ['detail: must be a JSON object'] };
  }
  const record = json as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(record).filter(
    (field) => !(BUSINESS_ALERT_FIELDS as readonly string[]).includes(field),
  );
  for (const field of unknown) {
    // A name that could be misread (empty, with spaces or a colon) is quoted as JSON.
    const name = /^[A-Za-z0-9_$.-]+$/.test(field) ? field : JSON.stringify(field);
    problems.push(`${name}: is not a business alert field (known: ${BUSINESS_ALERT_FIELDS.join(', ')})`);
  }
  const resolved = record.resolved;
  if (resolved !== undefined && typeof resolved !== 'boolean')
    problems.push('resolved: must be true or false');
  const severity = record.severity;
  if (severity === undefined) {
    if (resolved !== true) problems.push('severity: is required (only a resolution may leave it out)');
  } else if (!ALARM_SEVERITIES.includes(severity as AlarmSeverity)) {
    problems.push(`severity: must be one of ${ALARM_SEVERITIES.join(', ')}`);
  }
  const title = textProblem(record.title, BUSINESS_ALERT_TITLE_MAX_LENGTH);
  if (title) problems.push(`title: ${title}`);
  const message = textProblem(record.message, BUSINESS_ALERT_MESSAGE_MAX_LENGTH);
  if (message) problems.push(`message: ${message}`);
  const service = patternProblem(record.service, SERVICE, 'must be 1 to 64 letters, digits, ".", "_" or "-"');
  if (service) problems.push(`service: ${service}`);
  const dedupeKey =
    typeof record.dedupeKey === 'string' && record.dedupeKey.length > BUSINESS_ALERT_DEDUPE_KEY_MAX_LENGTH
      ? `must be at most ${BUSINESS_ALERT_DEDUPE_KEY_MAX_LENGTH} characters`
      : patternProblem(record.dedupeKey, DEDUPE_KEY, 'must be printable ASCII without spaces');
  if (dedupeKey) problems.push(`dedupeKey: ${dedupeKey}`);
  if (record.runbook !== undefined) {
    const runbook =
      typeof record.runbook === 'string' && record.runbook.length > BUSINESS_ALERT_RUNBOOK_MAX_LENGTH
        ? `must be at most ${BUSINESS_ALERT_RUNBOOK_MAX_LENGTH} characters`
        : patternProblem(record.runbook, HTTPS_URL, 'must be an https:// link');
    if (runbook) problems.push(`runbook: ${runbook}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const alert: Record<string, unknown> = {};
  for (const field of BUSINESS_ALERT_FIELDS) {
    if (record[field] !== undefined) alert[field] = record[field];
  }
  return { ok: true, alert: alert as unknown as BusinessAlert };
}

/** Text with something in it (not only spaces), at most `max` characters. */
function textProblem(value: unknown, max: number): string | undefined {
  if (value === undefined) return 'is required';
  if (typeof value !== 'string') return 'must be text';
  if (value.trim().length === 0) return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters (got ${value.length})`;
  return undefined;
}

function patternProblem(value: unknown, pattern: RegExp, requirement: string): string | undefined {
  if (value === undefined) return 'is required';
  if (typeof value !== 'string') return 'must be text';
  return pattern.test(value) ? undefined : requirement;
}
