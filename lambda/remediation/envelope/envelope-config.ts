import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import { readEnvironment, requiredText, wholeNumber } from '../../shared/environment';
import * as z from '../../shared/zod';

/** The topic each severity's messages go to (the alerting stack's severity topics). */
export type SeverityTopics = Readonly<Record<AlarmSeverity, string>>;

/** What the envelope function is told by its environment. */
export interface EnvelopeConfig {
  readonly ledgerTableName: string;
  readonly topics: SeverityTopics;
  /** The approval function's URL, which the approve and deny links point at. */
  readonly approvalUrl: string;
  /** Secret holding the key that signs the links. */
  readonly approvalSecretArn: string;
  /** How long a human has to answer; the state machine's approval task must time out at the same moment. */
  readonly approvalTtlSeconds: number;
  readonly blastRadiusPerHour: number;
  readonly breakerMaxRuns: number;
  readonly breakerWindowMinutes: number;
  /** How long a run may hold its target: the workflows' timeout, so a lock outlives no run. */
  readonly lockLeaseSeconds: number;
}

const topicArn = requiredText.check(z.regex(/^arn:aws[a-z-]*:sns:/, { error: 'must be an SNS topic ARN' }));

const schema = z.pipe(
  z.object({
    LEDGER_TABLE_NAME: requiredText,
    CRITICAL_TOPIC_ARN: topicArn,
    HIGH_TOPIC_ARN: topicArn,
    WARNING_TOPIC_ARN: topicArn,
    INFO_TOPIC_ARN: topicArn,
    // The links carry a task token: never in clear text.
    APPROVAL_URL: z.url({ protocol: /^https$/ }),
    APPROVAL_SECRET_ARN: requiredText.check(
      z.regex(/^arn:aws[a-z-]*:secretsmanager:/, {
        error: 'must be a Secrets Manager secret ARN',
      }),
    ),
    // A minute to read the message at least; a plan older than a week was made for a situation long gone.
    APPROVAL_TTL_SECONDS: z._default(wholeNumber('seconds', { min: 60, max: 7 * 86_400 }), 3600),
    BLAST_RADIUS_PER_HOUR: z._default(wholeNumber('runs', { min: 1, max: 1000 }), 5),
    BREAKER_MAX_RUNS: z._default(wholeNumber('runs', { min: 1, max: 100 }), 2),
    BREAKER_WINDOW_MINUTES: z._default(wholeNumber('minutes', { min: 1, max: 10_080 }), 60),
    LOCK_LEASE_SECONDS: z._default(wholeNumber('seconds', { min: 60, max: 7 * 86_400 }), 8 * 3600),
  }),
  z.transform(
    (env): EnvelopeConfig => ({
      ledgerTableName: env.LEDGER_TABLE_NAME,
      topics: {
        critical: env.CRITICAL_TOPIC_ARN,
        high: env.HIGH_TOPIC_ARN,
        warning: env.WARNING_TOPIC_ARN,
        info: env.INFO_TOPIC_ARN,
      },
      approvalUrl: env.APPROVAL_URL,
      approvalSecretArn: env.APPROVAL_SECRET_ARN,
      approvalTtlSeconds: env.APPROVAL_TTL_SECONDS,
      blastRadiusPerHour: env.BLAST_RADIUS_PER_HOUR,
      breakerMaxRuns: env.BREAKER_MAX_RUNS,
      breakerWindowMinutes: env.BREAKER_WINDOW_MINUTES,
      lockLeaseSeconds: env.LOCK_LEASE_SECONDS,
    }),
  ),
);

/** Reads the envelope's settings; throws naming every missing or malformed variable. */
export function readEnvelopeConfig(env: NodeJS.ProcessEnv = process.env): EnvelopeConfig {
  return readEnvironment(schema, env);
}
