import { ALARM_SEVERITIES, type AlarmSeverity } from '../../constructs/contracts/alarm-severity';
import {
  PLAYBOOK_IDS,
  type PlaybookId,
  type PlaybookPolicy,
  REMEDIATION_MODES,
} from '../../constructs/contracts/remediation';
import { jsonText, keyedRecord, readEnvironment, requiredText, wholeNumber } from '../shared/environment';
import * as z from '../shared/zod';
import type { SeverityDestinations } from './alert-delivery';

/** What the alert enricher is told by its environment (set by the alerting stack). */
export interface EnricherConfig {
  readonly destinations: Readonly<Record<AlarmSeverity, SeverityDestinations>>;
  readonly episodeTableName: string;
  readonly artifactsBucketName: string;
  readonly deadLetterQueueUrl: string;
  readonly graphUrlTtlSeconds: number;
  readonly contextDeadlineMs: number;
  readonly flapTransitions: number;
  readonly flapWindowMinutes: number;
  readonly episodeRetentionDays: number;
  readonly outsideAlarmSeverity: AlarmSeverity;
  /** How each playbook deployed here runs; a playbook missing from it is not deployed. */
  readonly remediationPlaybooks: Readonly<Partial<Record<PlaybookId, PlaybookPolicy>>>;
  /** @default PagerDuty's Events API v2 endpoint */
  readonly pagerDutyEventsUrl?: string;
  /**
   * Where the enricher runs, so an alarm of another region or account is not queried with this
   * region's clients: the region from `AWS_REGION` (set by Lambda), the account from the severity
   * topics' ARNs (the alerting stack creates them beside the function). Absent outside Lambda.
   */
  readonly home?: { readonly region: string; readonly account?: string };
}

const severityMap = (name: string) =>
  z.pipe(
    jsonText(`mapping severities to ${name}`),
    keyedRecord('severity', ALARM_SEVERITIES, z.string().check(z.minLength(1))),
  );

const playbookPolicies = z.pipe(
  jsonText('mapping playbook ids to their mode and approval'),
  z.partialRecord(
    z.enum(PLAYBOOK_IDS),
    z.strictObject({ mode: z.enum(REMEDIATION_MODES), approval: z.boolean() }),
  ),
);

const topicArn = requiredText.check(z.regex(/^arn:aws[a-z-]*:sns:/, { error: 'must be an SNS topic ARN' }));

const schema = z.pipe(
  z.object({
    CRITICAL_TOPIC_ARN: topicArn,
    HIGH_TOPIC_ARN: topicArn,
    WARNING_TOPIC_ARN: topicArn,
    INFO_TOPIC_ARN: topicArn,
    CHAT_TOPIC_ARNS: z._default(severityMap('chat topic ARNs'), {}),
    PAGERDUTY_SECRET_NAMES: z._default(severityMap('Secrets Manager secret names'), {}),
    PAGERDUTY_EVENTS_URL: z.optional(z.url({ protocol: /^https?$/ })),
    EPISODE_TABLE_NAME: requiredText,
    ARTIFACTS_BUCKET_NAME: requiredText,
    DEAD_LETTER_QUEUE_URL: z.url({ protocol: /^https$/ }),
    GRAPH_URL_TTL_SECONDS: wholeNumber('seconds', { min: 60, max: 43_200 }),
    CONTEXT_DEADLINE_MS: wholeNumber('milliseconds', { min: 500, max: 3500 }),
    FLAP_TRANSITIONS: wholeNumber('transitions', { min: 2, max: 50 }),
    FLAP_WINDOW_MINUTES: wholeNumber('minutes', { min: 5, max: 1440 }),
    EPISODE_RETENTION_DAYS: wholeNumber('days', { min: 1, max: 3650 }),
    OUTSIDE_ALARM_SEVERITY: z.enum(ALARM_SEVERITIES),
    REMEDIATION_PLAYBOOKS: playbookPolicies,
    AWS_REGION: z.optional(z.string().check(z.minLength(1))),
  }),
  z.transform((env): EnricherConfig => {
    const topics: Record<AlarmSeverity, string> = {
      critical: env.CRITICAL_TOPIC_ARN,
      high: env.HIGH_TOPIC_ARN,
      warning: env.WARNING_TOPIC_ARN,
      info: env.INFO_TOPIC_ARN,
    };
    const destinations = Object.fromEntries(
      ALARM_SEVERITIES.map((severity) => [
        severity,
        {
          topicArn: topics[severity],
          chatTopicArn: env.CHAT_TOPIC_ARNS[severity],
          pagerDutySecretName: env.PAGERDUTY_SECRET_NAMES[severity],
        },
      ]),
    ) as Record<AlarmSeverity, SeverityDestinations>;
    return {
      destinations,
      episodeTableName: env.EPISODE_TABLE_NAME,
      artifactsBucketName: env.ARTIFACTS_BUCKET_NAME,
      deadLetterQueueUrl: env.DEAD_LETTER_QUEUE_URL,
      graphUrlTtlSeconds: env.GRAPH_URL_TTL_SECONDS,
      contextDeadlineMs: env.CONTEXT_DEADLINE_MS,
      flapTransitions: env.FLAP_TRANSITIONS,
      flapWindowMinutes: env.FLAP_WINDOW_MINUTES,
      episodeRetentionDays: env.EPISODE_RETENTION_DAYS,
      outsideAlarmSeverity: env.OUTSIDE_ALARM_SEVERITY,
      remediationPlaybooks: env.REMEDIATION_PLAYBOOKS,
      pagerDutyEventsUrl: env.PAGERDUTY_EVENTS_URL,
      ...(env.AWS_REGION
        ? { home: { region: env.AWS_REGION, account: accountOf(env.CRITICAL_TOPIC_ARN) } }
        : {}),
    };
  }),
);

/** `arn:aws:sns:<region>:<account>:<name>` → the account; undefined when the ARN has none. */
function accountOf(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Reads the enricher's settings; throws naming every missing or malformed variable. */
export function readEnricherConfig(env: NodeJS.ProcessEnv = process.env): EnricherConfig {
  return readEnvironment(schema, env);
}
