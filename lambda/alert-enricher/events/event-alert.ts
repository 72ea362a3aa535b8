import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import type { AlertLink } from '../enriched-alert';

/**
 * The kinds of event, other than alarm changes, that become alerts: a workload's business alert
 * (platform bus), and GuardDuty findings, Security Hub findings and AWS Health events (default bus).
 */
export const EVENT_ALERT_KINDS = ['business', 'guardduty', 'security-hub', 'health'] as const;
export type EventAlertKind = (typeof EVENT_ALERT_KINDS)[number];

/** A resource the event is about, as its service names it. */
export interface EventResource {
  /** e.g. `Instance`, `AwsCloudTrailTrail`; absent when the service does not say. */
  readonly type?: string;
  /** ARN or id, as given. */
  readonly id: string;
  /** Where it is, when the service says (Security Hub resources carry their region). */
  readonly region?: string;
  /** Its state, when the service says (AWS Health: `IMPAIRED`, `UNIMPAIRED`, `PENDING`, `RESOLVED`, `UNKNOWN`). */
  readonly status?: string;
}

/** A labelled fact on-call needs (finding type, count, first seen…), shown in every format. */
export interface EventFact {
  readonly label: string;
  readonly value: string;
}

/**
 * One event, whichever service sent it, normalized so episodes and formats never look at its wire
 * format (as `AlarmChange` is for alarms).
 */
export interface EventAlert {
  readonly kind: EventAlertKind;
  /** The EventBridge event id: a redelivery or Lambda retry repeats it. */
  readonly eventId: string;
  /**
   * The episode key: every event about the same problem has it (GuardDuty: account, region and
   * finding id; Security Hub: the finding's `Id`; Health: affected account and event ARN; business:
   * source and dedupe key).
   */
  readonly key: string;
  readonly source: string;
  readonly detailType: string;
  /** The account and region the problem is in (the finding's or the affected account's, not the bus's). */
  readonly account: string;
  readonly region: string;
  /**
   * When this version of the problem was reported, ISO 8601: the finding's `updatedAt`, the Health
   * event's `lastUpdatedTime`, else the event's `time`. Orders updates of one episode.
   */
  readonly occurredAt: string;
  /** Vigil's severity; absent only for a business resolution that gives none (its episode's is used). */
  readonly severity?: AlarmSeverity;
  /** The problem is over (Health `closed`, a business alert with `resolved: true`). */
  readonly resolves: boolean;
  /** The severity in the service's own terms, e.g. `GuardDuty High (8)`, said next to Vigil's. */
  readonly originalSeverity: string;
  /** One line: what happened. */
  readonly title: string;
  /** What the service (or workload) says about it. */
  readonly message: string;
  /** Grouping and filter key of the alert (`guardduty`, `security-hub`, `aws-health`, or the workload's service). */
  readonly service: string;
  /** The main resource's id, when there is one. */
  readonly resource?: string;
  /** What kind of problem: finding type, control id, Health event type code. */
  readonly signal?: string;
  readonly runbook?: string;
  /** The finding's or Health event's ARN, when it has one. */
  readonly arn?: string;
  readonly resources: readonly EventResource[];
  readonly facts: readonly EventFact[];
  /** Console links for the finding or event; the runbook is in `runbook`. */
  readonly links: readonly AlertLink[];
}

/** Most resources listed: on-call needs the first few; the console link has them all. */
export const LISTED_RESOURCES = 20;

/** `resources` cut to {@link LISTED_RESOURCES}, with a fact saying how many more there are. */
export function listedResources(resources: readonly EventResource[]): {
  resources: EventResource[];
  facts: EventFact[];
} {
  if (resources.length <= LISTED_RESOURCES) return { resources: [...resources], facts: [] };
  return {
    resources: resources.slice(0, LISTED_RESOURCES),
    facts: [
      {
        label: 'Resources not listed',
        value: `${resources.length - LISTED_RESOURCES} more than the ${LISTED_RESOURCES} listed`,
      },
    ],
  };
}

/** The time as ISO 8601, or undefined when it is not a time (Health writes `Fri, 27 Jan 2023 09:01:22 GMT`). */
export function isoTime(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
