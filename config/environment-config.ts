import { z } from 'zod';
import { ALARM_SEVERITIES } from '../constructs/contracts/alarm-severity';
import {
  PLAYBOOK_IDS,
  type PlaybookId,
  type PlaybookPolicy,
  REMEDIATION_MODES,
} from '../constructs/contracts/remediation';
import { defaultAlarmRulePrefix } from '../constructs/monitoring/alarm-naming';
import { OVERRIDE_KEYS } from '../constructs/monitoring/monitor-signals';

/** The only retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A literal choice whose error lists every allowed value, so a typo is fixed without opening the docs. */
function oneOf<const T extends readonly [string | number, ...(string | number)[]]>(values: T) {
  return z.literal(values, {
    error: (issue) => `must be one of ${values.join(', ')} (got ${JSON.stringify(issue.input)})`,
  });
}

function wholeDays(min: number) {
  return z
    .number({ error: (issue) => `must be a number of days (got ${JSON.stringify(issue.input)})` })
    .int({ error: 'must be a whole number of days' })
    .min(min, { error: (issue) => `must be at least ${min} (got ${JSON.stringify(issue.input)})` });
}

const accountId = z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' });
const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, {
  error: 'must be an AWS region code such as eu-west-1',
});
const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/, {
  error: 'must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
});
const nonEmpty = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .min(1, { error: 'must not be empty' });

const alertDestinations = z.strictObject({
  /** Addresses subscribed to the severity's topic by email. */
  emails: z.array(z.email({ error: 'must be an email address' })).default([]),
  /** HTTPS endpoints subscribed to the severity's topic (webhooks). */
  httpsEndpoints: z.array(z.url({ protocol: /^https$/, error: 'must be an https:// URL' })).default([]),
  /** SNS topic of an AWS Chatbot / Amazon Q Developer chat channel. */
  chatTopicArn: snsTopicArn.optional(),
  /** Secrets Manager secret name holding the PagerDuty Events API v2 routing key. */
  pagerDutyRoutingKeySecretName: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'must be a Secrets Manager secret name' })
    .optional(),
});

const alerts = z.strictObject(
  Object.fromEntries(
    ALARM_SEVERITIES.map((severity) => [severity, alertDestinations.prefault({})]),
  ) as Record<(typeof ALARM_SEVERITIES)[number], z.ZodPrefault<typeof alertDestinations>>,
);

const archive = z
  .strictObject({
    /** Days before archived objects move to S3 Standard-IA (S3 requires at least 30). */
    infrequentAccessAfterDays: wholeDays(30).default(30),
    /** Days before archived objects move to S3 Glacier Flexible Retrieval. */
    glacierAfterDays: wholeDays(0).default(90),
    /** Days before archived objects are deleted. */
    expireAfterDays: wholeDays(1).default(730),
    /** Days a replaced or deleted object version is kept before it is removed. */
    noncurrentVersionExpireDays: wholeDays(1).default(30),
    /** Days S3 server access logs of the archive are kept. */
    accessLogRetentionDays: wholeDays(1).default(365),
    /** Longest a log line waits in a Firehose buffer before it is written, in seconds. */
    bufferIntervalSeconds: z.number().int().min(0).max(900).default(300),
    /** Buffer size before Firehose writes an object, in MiB (64 at least with format processing). */
    bufferSizeMiB: z.number().int().min(1).max(128).default(64),
    /**
     * Per service, hours with no record reaching its archive stream after which its "logs stopped"
     * alarm fires (`IncomingRecords` below 1 in each hour, missing data breaching; CloudWatch
     * evaluates at most a day: 1 to 24). No default on purpose: a stream is quiet whenever its
     * service is (Vigil's alerting and remediation between incidents, the predictor in an
     * environment without traffic), and with missing data breaching a default would page for healthy
     * silence. Set it for services that log steadily, e.g. `{ predictor: 6 }` in production. A name
     * that is not an archived service fails synthesis.
     */
    logsStoppedAfterHours: z.record(z.string(), z.number().int().min(1).max(24)).default({}),
  })
  .superRefine((days, ctx) => {
    // S3 rejects a lifecycle whose Glacier transition is less than 30 days after the Standard-IA one.
    if (days.glacierAfterDays < days.infrequentAccessAfterDays + 30) {
      ctx.addIssue({
        code: 'custom',
        path: ['glacierAfterDays'],
        message: `must be at least infrequentAccessAfterDays + 30 = ${days.infrequentAccessAfterDays + 30} (got ${days.glacierAfterDays})`,
      });
    }
    if (days.expireAfterDays <= days.glacierAfterDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['expireAfterDays'],
        message: `must be greater than glacierAfterDays = ${days.glacierAfterDays} (got ${days.expireAfterDays})`,
      });
    }
  });

/**
 * Where Cognito may send a browser back after sign-in or sign-out. "Amazon Cognito requires HTTPS over
 * HTTP except for http://localhost for testing purposes only", and a redirect URI must "not include a
 * fragment component" (Cognito API reference, CreateUserPoolClient, `CallbackURLs`): so plain http is
 * accepted for `localhost` only, not for 127.0.0.1, which that page does not name.
 */
const callbackUrl = z
  .url({ error: 'must be an absolute URL' })
  .refine(
    (value) => {
      // Refinements still run after z.url() failed; that failure is the one to report.
      if (!URL.canParse(value)) return true;
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost');
    },
    {
      error: (issue) =>
        `must be an https:// URL, or http://localhost for development (got ${JSON.stringify(issue.input)})`,
    },
  )
  .refine((value) => !value.includes('#'), { error: 'must not include a fragment (#…)' });

/**
 * A Cognito domain prefix, as CreateUserPoolDomain's `Domain` pattern and length (1 to 63) allow
 * (Cognito API reference, "CreateUserPoolDomain").
 */
const cognitoDomainPrefix = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: 'must be 1 to 63 lowercase letters, digits and inner hyphens',
});

const uploadSite = z.strictObject({
  /**
   * Whether anyone may create their own account. Off: an administrator creates each user
   * (`aws cognito-idp admin-create-user`), so only the people meant to upload can.
   */
  selfSignUp: z.boolean().default(false),
  /**
   * The site's sign-in callback URLs; their origins are also the only origins the data bucket answers
   * CORS requests from, and Cognito may send the browser back to them after sign-out. None: only the
   * local upload site, `http://localhost:4781/` (`npm start -- --serve --scenario upload-site`), for development.
   */
  callbackUrls: z.array(callbackUrl).default([]),
  /** Prefix of the Cognito-hosted sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`). @default no domain */
  domainPrefix: cognitoDomainPrefix.optional(),
  /** Days an upload is kept under `uploads/` before S3 expires it; results keep `dataRetentionDays`. */
  uploadExpiryDays: wholeDays(1).default(1),
  /**
   * The site's base URL; the "results ready" mail links `<siteUrl>/results/<uploadId>`.
   * @default no link: the mail tells the reader to open the site
   */
  siteUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
});

/**
 * The "results ready" mail to the uploader (SES). Off by default: SES sends only from an identity
 * verified in the account, which no environment has until someone verifies one.
 */
const resultsMail = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** The sender, an address of `identity` (or the identity itself). */
    fromAddress: z.email({ error: 'must be an email address' }).optional(),
    /** The verified SES identity the mail is sent as: a domain (`example.org`) or an address. */
    identity: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$|^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, {
        error: 'must be a domain (example.org) or an email address',
      })
      .optional(),
  })
  .superRefine((mail, ctx) => {
    if (!mail.enabled) return;
    for (const field of ['fromAddress', 'identity'] as const) {
      if (mail[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'is required when enabled is true' });
      }
    }
    // SES sends only as a verified identity: the address itself, or any address of a verified domain.
    const { fromAddress, identity } = mail;
    if (fromAddress === undefined || identity === undefined) return;
    const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
    if (fromAddress.toLowerCase() !== identity.toLowerCase() && domain !== identity.toLowerCase()) {
      ctx.addIssue({
        code: 'custom',
        path: ['fromAddress'],
        message: `must be the identity ${identity} or an address of it (got ${JSON.stringify(fromAddress)})`,
      });
    }
  });

/**
 * One deployment environment of Vigil. Every field but `name` and `tags` has a default, so an
 * environment file states only what differs. Defaults live here and nowhere else.
 */
/** One scheduled Logs Insights query (`monitoring.scheduledQueries`). */
const scheduledQuery = z
  .strictObject({
    /** Unique in the environment: the schedule's, the metric dimension's and the alert's name. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      error: 'must be 1 to 63 lowercase letters, digits and hyphens',
    }),
    /** The service it belongs to; without `logGroups`, it reads that service's function log groups. */
    service: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/, { error: 'must be a service name such as predictor' }),
    /** The Logs Insights query (at most 10,000 characters, as StartQuery takes). */
    query: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(10_000, { error: 'must be at most 10000 characters' }),
    /** Log groups to read instead of the service's (1 to 50). @default the service's function log groups */
    logGroups: z.array(z.string().min(1)).min(1).max(50).optional(),
    /** Minutes between runs. @default 15 */
    everyMinutes: z.number().int().min(1).max(1440).default(15),
    /** Minutes of logs each run reads, back from its scheduled time. @default everyMinutes */
    lookbackMinutes: z.number().int().min(1).max(10_080).optional(),
    /** Rows mean trouble: alert with them (and resolve when a run finds none). @default true */
    alertWhenRows: z.boolean().default(true),
    /** The alert's severity. @default warning */
    severity: oneOf(ALARM_SEVERITIES).default('warning'),
    /** An https runbook link for the alert. @default none */
    runbook: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  })
  .transform((query) => ({ ...query, lookbackMinutes: query.lookbackMinutes ?? query.everyMinutes }));

const environmentFields = z.strictObject({
  /** Environment name, used in every physical resource name (`vigil-<name>-…`). */
  name: z.string().regex(/^[a-z][a-z0-9]{1,11}$/, {
    error: 'must be 2-12 lowercase letters or digits, starting with a letter',
  }),
  /** AWS account to pin the stacks to. Unset: environment-agnostic templates. */
  account: accountId.optional(),
  /** AWS region to pin the stacks to. Unset: environment-agnostic templates. */
  region: region.optional(),
  /** Cost-allocation tags applied to every resource. */
  tags: z.strictObject({
    /** Team that owns this deployment (the `Owner` tag). */
    owner: nonEmpty,
    /** Cost center billed for it (the `CostCenter` tag). */
    costCenter: nonEmpty,
  }),
  /** Where alerts of each severity are delivered. */
  alerts: alerts.prefault({}),
  logs: z
    .strictObject({
      /** Retention of every log group Vigil creates, in days. */
      retentionDays: oneOf(LOG_RETENTION_DAYS).default(30),
    })
    .prefault({}),
  /** How alarm state changes become alerts (the enrichment Lambda). */
  alerting: z
    .strictObject({
      /** State changes of one alarm within `flapWindowMinutes` that make it flapping: one alert, not a page each. */
      flapTransitions: z.number().int().min(2).max(50).default(4),
      /** Window for flapping, and for re-opening a just-resolved episode on the same thread, in minutes. */
      flapWindowMinutes: z.number().int().min(5).max(1440).default(30),
      /** Days alert episodes are kept. */
      episodeRetentionDays: wholeDays(1).default(30),
      /** Hours a graph link in an alert keeps working; presigned URLs also end with the enricher's role session. */
      graphLinkHours: z.number().int().min(1).max(12).default(12),
      /**
       * Alarms whose names start with this are enriched and, with a playbook, remediated (state
       * changes arrive by EventBridge). Default `vigil-<name>-`: this environment's alarms, the teams'
       * synthesized for it included (`alarm-naming.ts`), and never another environment's. A set
       * value must start this environment's alarm names (`vigil-<name>-` must begin with it), and
       * must not start another environment's that may share the account and region (checked by
       * `loadConfig`): a shorter one such as `vigil-` also takes teams' alarms named without an
       * environment, so it suits only an environment alone in its account and region.
       */
      alarmNamePrefix: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,200}$/, { error: 'must be letters, digits, ".", "_" or "-"' })
        .optional(),
      /** Severity of alarms made outside Vigil, which carry none of their own. */
      outsideAlarmSeverity: oneOf(ALARM_SEVERITIES).default('high'),
      /** Time the enricher gathers context before it sends what it has, in milliseconds (hard deadline 4 s). */
      contextDeadlineMs: z.number().int().min(500).max(3500).default(3000),
      /**
       * Which AWS security and health events Vigil's rules route to the enricher (default bus), as
       * alerts with episodes. Routing only: Vigil never enables GuardDuty or Security Hub, which stays
       * the account owner's choice; a rule for a service that is off matches nothing and costs nothing.
       * Turn one off when its findings already reach on-call another way.
       */
      securityEvents: z
        .strictObject({
          /**
           * GuardDuty findings (`aws.guardduty`, `GuardDuty Finding`), severity from GuardDuty's bands.
           * While on, Security Hub's copies of GuardDuty findings are not routed too (one alert per finding).
           * @default true
           */
          guardDuty: z.boolean().default(true),
          /**
           * Security Hub findings (`aws.securityhub`, `Security Hub Findings - Imported`) with workflow
           * status NEW, active, and not INFORMATIONAL, severity from `Severity.Label`.
           * @default true
           */
          securityHub: z.boolean().default(true),
          /**
           * AWS Health events specific to this account (`aws.health`, `AWS Health Event`, scope
           * ACCOUNT_SPECIFIC), severity from the event's category; `closed` resolves.
           * @default true
           */
          health: z.boolean().default(true),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Lifecycle of the log archive bucket. */
  archive: archive.prefault({}),
  budget: z
    .strictObject({
      /** Monthly cost budget for the account, in US dollars. */
      monthlyLimitUsd: z.number().positive({ error: 'must be a positive amount of US dollars' }).default(100),
      /** Extra monthly budgets for the spend carrying one cost-allocation tag value. */
      tagBudgets: z
        .array(
          z.strictObject({
            tagKey: z.string().regex(/^[\w.:/=+@ -]{1,128}$/, { error: 'must be a tag key' }),
            tagValue: z.string().max(256),
            monthlyLimitUsd: z.number().positive({ error: 'must be a positive amount of US dollars' }),
          }),
        )
        .default([]),
    })
    .prefault({}),
  /** Cost alerts and the monthly cost report (in us-east-1, where Budgets and Cost Explorer live). */
  cost: z
    .strictObject({
      /** Addresses subscribed to the cost topic (budget alerts, anomalies, the monthly report). */
      emails: z.array(z.email({ error: 'must be an email address' })).default([]),
      /**
       * An anomaly alerts at once only when its total impact reaches this many dollars AND
       * `anomalyPercent` of the expected spend. Both, because either alone is noise: 20 % of a $1
       * service is twenty cents, and $50 on a $20,000-a-month service is a quarter of a percent. $50 is half the
       * default monthly budget: money worth a message the same day. Smaller anomalies stay on the
       * console, in GetAnomalies and in the monthly report.
       */
      anomalyAbsoluteUsd: z.number().positive().default(50),
      /** …and this share of the expected spend, in percent; `null` lets the dollars alone decide. */
      anomalyPercent: z.number().positive().max(1000).nullable().default(20),
      /**
       * Create a service-wide (AWS services, DIMENSIONAL SERVICE) anomaly monitor. Only in the one
       * environment that owns the account's monitor: AWS allows "up to one AWS Service Monitor" per
       * account (https://aws.amazon.com/aws-cost-management/aws-cost-anomaly-detection/faqs/) and may
       * have made one already ("Default-Services-Monitor"), so a second fails to deploy. Every other
       * environment gives that monitor's ARN in `existingMonitorArns`. With neither (nor a tag
       * monitor), anomaly alerts are off and synthesis warns.
       */
      serviceMonitor: z.boolean().default(false),
      /** ARNs of existing anomaly monitors to subscribe (the account's service-wide monitor, most often). */
      existingMonitorArns: z
        .array(
          z.string().regex(/^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor\/[\w-]+$/, {
            error: 'must be a Cost Anomaly Detection monitor ARN (arn:aws:ce::ACCOUNT:anomalymonitor/ID)',
          }),
        )
        .default([]),
      /**
       * Extra anomaly monitors, each over the spend of some values of one tag (AWS creates tag
       * monitors in an organization's management account only, getting-started-ad.html in the
       * Billing and Cost Management User Guide).
       */
      tagMonitors: z
        .array(z.strictObject({ tagKey: z.string().min(1), tagValues: z.array(z.string()).min(1) }))
        .default([]),
      /** Cost-allocation tag keys the report groups by (they must be activated in Billing). */
      allocationTagKeys: z.array(z.string().min(1)).default(['Owner', 'CostCenter']),
      /** Day of the month the report runs, when last month's late charges have settled. */
      reportDayOfMonth: z.number().int().min(1).max(28).default(3),
      /** Send the HTML report by SES too, from a verified identity. */
      reportEmail: z.strictObject({ from: z.email(), to: z.array(z.email()).min(1) }).optional(),
    })
    .prefault({}),
  remediation: z
    .strictObject({
      /** `dry-run` records what a playbook would do and does nothing; `enforce` acts. */
      mode: oneOf(REMEDIATION_MODES).default('dry-run'),
      /** Per-playbook mode and approval, over the environment's `mode`. */
      playbooks: z
        .partialRecord(
          z.enum(PLAYBOOK_IDS),
          z.strictObject({
            mode: oneOf(REMEDIATION_MODES).optional(),
            /** A human approves each run through signed links in the alert thread. */
            approval: z.boolean().optional(),
          }),
        )
        .default({}),
      /** Most remediation runs admitted per account in any 60 minutes (a rolling window). */
      blastRadiusPerHour: z.number().int().min(1).max(100).default(5),
      /** Most runs against one target within `breakerWindowMinutes`; more open the circuit breaker. */
      breakerMaxRuns: z.number().int().min(1).max(20).default(2),
      breakerWindowMinutes: z.number().int().min(5).max(1440).default(60),
      /** Time an approval request waits; no answer counts as deny. */
      approvalTimeoutMinutes: z.number().int().min(5).max(1440).default(60),
      /** Time the triggering alarm has to stay OK for `stablePeriods` checks before the action is rolled back. */
      verifyDeadlineMinutes: z.number().int().min(5).max(180).default(15),
      /** Consecutive OK checks (one a minute) that count as recovered. */
      stablePeriods: z.number().int().min(1).max(30).default(3),
    })
    .prefault({}),
  predictor: z
    .strictObject({
      /** Largest upload accepted for scoring, in MiB as uploaded (compressed when gzip). */
      maxUploadMiB: z
        .number()
        .int()
        .min(1)
        .max(5120, { error: 'must be at most 5120 (5 GiB, the S3 single PUT limit)' })
        .default(512),
      /** Largest share of invalid rows before a whole file fails (0 to 1). */
      maxRejectedShare: z
        .number()
        .min(0, { error: 'must be between 0 and 1' })
        .max(1, { error: 'must be between 0 and 1' })
        .default(0.05),
      /** Lifetime of presigned upload and download URLs, in seconds. */
      presignTtlSeconds: z
        .number()
        .int()
        .min(60)
        .max(43_200, { error: 'must be at most 43200 (12 hours)' })
        .default(900),
      /** Days uploads and results are kept in the predictor bucket. */
      dataRetentionDays: wholeDays(1).default(30),
      /** Memory of the upload scorer; above 1769 MiB Lambda gives it a second vCPU. */
      scorerMemoryMiB: z.number().int().min(512).max(10_240).default(2048),
      /** Maximum run time of the upload scorer, in seconds. */
      scorerTimeoutSeconds: z.number().int().min(30).max(900).default(300),
      /** Availability objective of the HTTP API: share of requests not answered with a 5XX. */
      availabilityTarget: z
        .number()
        .gt(0)
        .lt(1, { error: 'must be between 0 and 1 exclusive' })
        .default(0.999),
      /** Latency objective of the API function: share of invocations faster than `latencyThresholdMs`. */
      latencyTarget: z.number().gt(0).lt(1, { error: 'must be between 0 and 1 exclusive' }).default(0.99),
      /** What fast means for the latency objective, in milliseconds. */
      latencyThresholdMs: z.number().int().min(1).default(1000),
      /**
       * Concurrency reserved for the API function. Set, it caps what one burst can take from the
       * account and lets the lambda-concurrency playbook raise it when the function throttles.
       * Lambda keeps at least 100 of the account's concurrency unreserved.
       */
      apiReservedConcurrency: z.number().int().min(1).max(10_000).optional(),
      /** Steady-state request rate allowed on the API, per second. */
      apiRateLimit: z.number().int().min(1).default(50),
      /** Burst of requests allowed on the API. */
      apiBurstLimit: z.number().int().min(1).default(100),
      /** Sign-in for the people who upload through a browser, and the data bucket's upload rules. */
      uploadSite: uploadSite.prefault({}),
      /** The "results ready" mail to each site uploader. @default off */
      resultsMail: resultsMail.prefault({}),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      /** Runbook base URL; each alarm links `<base>/<resource kind>-<signal>`. */
      runbookBaseUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
      /**
       * Per-signal overrides for every monitored resource, keyed `<kind>/<signal>` (e.g. `lambda/throttles`)
       * by a signal a monitor raises (MONITOR_SIGNALS): a misspelt key fails to compile and to load.
       */
      overrides: z
        .partialRecord(
          z.enum(OVERRIDE_KEYS),
          // The shape of SignalOverride (constructs/monitoring/signal-overrides.ts); how the fields
          // combine (thresholds ordered by severity, not with threshold) is checked at synth.
          z.strictObject({
            severity: oneOf(ALARM_SEVERITIES).optional(),
            enabled: z.boolean().optional(),
            threshold: z.number().optional(),
            thresholds: z.partialRecord(z.enum(ALARM_SEVERITIES), z.number()).optional(),
          }),
          {
            // A partial record reports keys outside the enum as unrecognized_keys, through this handler.
            error: (issue) =>
              (issue.code as string) === 'unrecognized_keys'
                ? `must be keyed <kind>/<signal> by a signal a monitor raises, one of ${OVERRIDE_KEYS.join(', ')}`
                : undefined,
          },
        )
        .default({}),
      /**
       * Logs Insights queries run on a schedule (EventBridge Scheduler): each publishes how many rows it
       * found, and one that should find nothing raises an alert with the rows when it does.
       */
      scheduledQueries: z
        .array(scheduledQuery)
        .default([])
        .refine((queries) => new Set(queries.map((query) => query.name)).size === queries.length, {
          error: 'query names must be unique',
        }),
    })
    .prefault({}),
  /** The dashboards stack: the operations overview and the live dashboards. */
  dashboards: z
    .strictObject({
      /**
       * Minutes between rebuilds of the live dashboards (one per service, from the resources tagged
       * `vigil:service` and `Environment`); a tag change also rebuilds them at once. A run that finds
       * nothing changed writes nothing.
       * @default 15
       */
      liveRefreshMinutes: z.number().int().min(1).max(1440).default(15),
    })
    .prefault({}),
  tracing: z
    .strictObject({
      /** Share of requests traced by X-Ray after the reservoir is used, 0 to 1. */
      samplingRate: z
        .number()
        .min(0, { error: 'must be between 0 and 1' })
        .max(1, { error: 'must be between 0 and 1' })
        .default(0.05),
      /** Requests traced per second before the sampling rate applies. */
      reservoirPerSecond: z.number().int().min(0, { error: 'must be 0 or more' }).default(1),
    })
    .prefault({}),
});

/** The environment schema: the fields, then the checks and defaults that involve several of them. */
export const environmentConfigSchema = environmentFields
  .superRefine((config, ctx) => {
    // A prefix that does not start the environment's own alarm names would leave them unrouted.
    const own = defaultAlarmRulePrefix(config.name);
    const prefix = config.alerting.alarmNamePrefix;
    if (prefix !== undefined && !own.startsWith(prefix)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'alarmNamePrefix'],
        message: `must start this environment's alarm names, ${own}… (got ${JSON.stringify(prefix)})`,
      });
    }
  })
  // Defaults that depend on other fields.
  .transform((config) => ({
    ...config,
    alerting: {
      ...config.alerting,
      alarmNamePrefix: config.alerting.alarmNamePrefix ?? defaultAlarmRulePrefix(config.name),
    },
  }));

/** What an environment file writes: only `name` and `tags` are required. */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;

/** A validated environment with every default filled in. */
export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;

/**
 * Each playbook's mode and approval in an environment: its own setting where it has one, the
 * environment's mode otherwise. The one place they are resolved; the remediation stack runs playbooks
 * by it and the alerting stack tells the enricher the same.
 */
export function playbookPolicies(
  remediation: EnvironmentConfig['remediation'],
): Readonly<Record<PlaybookId, PlaybookPolicy>> {
  return Object.fromEntries(
    PLAYBOOK_IDS.map((playbook) => [
      playbook,
      {
        mode: remediation.playbooks[playbook]?.mode ?? remediation.mode,
        approval: remediation.playbooks[playbook]?.approval ?? false,
      },
    ]),
  ) as Record<PlaybookId, PlaybookPolicy>;
}
