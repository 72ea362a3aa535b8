import { createHash } from 'node:crypto';
import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import { oneLine, truncateText } from '../../shared/message-text';
import type { EnrichedAlert } from '../enriched-alert';
import {
  alertTitle,
  changeLine,
  childLine,
  errorLine,
  eventFactLines,
  eventResourceLines,
  historyLine,
  leadLines,
  measurement,
  missingLine,
  plural,
  rawEventCopyLine,
  selfHealingLine,
  stoppedInAlarm,
  timeOf,
  titleHead,
  traceLine,
  transitionLine,
} from './email-text';

/** The Events API v2 refuses larger events. */
export const PAGERDUTY_MAX_BYTES = 512 * 1024;

const SUMMARY_MAX_LENGTH = 1024;
const DEDUP_KEY_MAX_LENGTH = 255;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyLink {
  readonly href: string;
  readonly text: string;
}

export interface PagerDutyImage {
  readonly src: string;
  readonly href: string;
  readonly alt: string;
}

export interface PagerDutyTrigger {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp?: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
  readonly links: readonly PagerDutyLink[];
  readonly images?: readonly PagerDutyImage[];
  readonly client: 'Vigil';
  readonly client_url?: string;
}

/** PagerDuty ignores a resolve's payload, so none is sent. */
export interface PagerDutyResolve {
  readonly routing_key: string;
  readonly event_action: 'resolve';
  readonly dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTrigger | PagerDutyResolve;

const SEVERITIES: Readonly<Record<AlarmSeverity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  warning: 'warning',
  info: 'info',
};

/** What PagerDuty is sent for an alert, or why nothing. */
export type PagerDutyAction =
  | { readonly action: 'trigger' | 'resolve' }
  | { readonly action: 'none'; readonly reason: string };

/**
 * Whether the alert pages, resolves, or leaves PagerDuty alone:
 * - `resolved` resolves the episode's incident, suppressed or not: a resolve wakes nobody, and an
 *   incident paged before its alarm's actions were suppressed must still close.
 * - A change whose actions CloudWatch suppressed (a composite with an actions suppressor) pages no one:
 *   the suppressor exists to stop exactly that. The topic and chat still get it, saying so.
 * - `no-data` from ALARM (the alarm stopped reporting while alarming) does nothing. The episode and its
 *   incident stay open until OK, so a resolve would lie. A trigger on the same dedup key would, by the
 *   Events API v2's deduplication, only be added to the open alert when there is one; but when the
 *   responder has already resolved the incident, a trigger with that key opens a new incident, which
 *   would page someone at night for lost data. The news goes to the episode's topic and chat thread.
 * - Everything else triggers, on the episode id as dedup key.
 */
export function pagerDutyAction(alert: EnrichedAlert): PagerDutyAction {
  if (alert.notification === 'resolved') return { action: 'resolve' };
  if (alert.actionsSuppressed) {
    return { action: 'none', reason: `actions suppressed by ${alert.actionsSuppressed.by}` };
  }
  if (stoppedInAlarm(alert)) {
    return { action: 'none', reason: 'no data while in ALARM: the open incident stays as it is' };
  }
  return { action: 'trigger' };
}

/**
 * The Events API v2 body, or undefined when the alert does nothing in PagerDuty
 * ({@link pagerDutyAction}). The dedup key is the episode id, so a reopened or flapping alarm updates
 * the open incident instead of paging again, and the resolution closes it.
 */
export function toPagerDutyEvent(alert: EnrichedAlert, routingKey: string): PagerDutyEvent | undefined {
  const { action } = pagerDutyAction(alert);
  if (action === 'none') return undefined;
  const dedupKey = dedupKeyOf(alert.episode.id);
  if (action === 'resolve') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const numbers = measurement(alert);
  const graph = alert.context.graph;
  const alarmLink = alert.links.find((link) => link.label.toLowerCase().includes('alarm')) ?? alert.links[0];
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      // The numbers first: the incident list shows only the start of the summary.
      summary: truncateText(
        numbers === undefined
          ? alertTitle(alert)
          : `${titleHead(alert)}: ${numbers}. ${oneLine(alert.summary)}`.trim(),
        SUMMARY_MAX_LENGTH,
      ),
      source: alert.alarm.arn || `${alert.service}/${alert.resource ?? alert.alarm.name}`,
      severity: SEVERITIES[alert.severity],
      ...(Number.isNaN(Date.parse(alert.changedAt)) ? {} : { timestamp: alert.changedAt }),
      ...definedOnly({ component: alert.resource, group: alert.service, class: alert.signal }),
      custom_details: customDetails(alert),
    },
    links: links(alert),
    ...(graph
      ? {
          images: [
            {
              src: graph.url,
              href: graph.url,
              alt: `${alert.context.breach?.label ?? 'Metric'} around the change (link works until ${timeOf(graph.expiresAt)})`,
            },
          ],
        }
      : {}),
    client: 'Vigil',
    ...(alarmLink ? { client_url: alarmLink.url } : {}),
  };
}

/** PagerDuty caps dedup keys; a long episode id keeps its start and a digest, so it stays stable and unique. */
function dedupKeyOf(episodeId: string): string {
  if (episodeId.length <= DEDUP_KEY_MAX_LENGTH) return episodeId;
  const digest = createHash('sha256').update(episodeId).digest('hex');
  return `${episodeId.slice(0, DEDUP_KEY_MAX_LENGTH - digest.length - 1)}#${digest}`;
}

/** Shown as a key/value table on the incident: the same sentences as the email, one key per part. */
function customDetails(alert: EnrichedAlert): Record<string, unknown> {
  const { breach, logs, traces, history, changes } = alert.context;
  // The order the incident shows them in: what happened and the runbook first.
  return definedOnly({
    what_happened: leadLines(alert),
    runbook: alert.runbook,
    reason: alert.reason,
    threshold: alert.thresholdReason,
    alarm: alert.event
      ? undefined
      : `${alert.alarm.name} (${alert.alarm.kind}), account ${alert.alarm.account}, ${alert.alarm.region}`,
    event: alert.event && {
      kind: alert.event.kind,
      source: alert.event.source,
      detail_type: alert.event.detailType,
      severity: alert.event.originalSeverity,
      key: alert.event.key,
      account: alert.alarm.account,
      region: alert.alarm.region,
      details: eventFactLines(alert.event),
      resources: alert.event.resources.length > 0 ? eventResourceLines(alert.event) : undefined,
    },
    state: `${alert.state}, was ${alert.previousState}`,
    owner: alert.owner,
    self_healing: selfHealingLine(alert),
    episode: `${alert.episode.id}: opened ${timeOf(alert.episode.openedAt)}, ${plural(
      alert.episode.transitions,
      alert.event ? 'report' : 'state change',
    )}${alert.episode.flapping ? ', flapping' : ''}`,
    breach: breach && {
      label: breach.label,
      threshold: breach.threshold,
      lower_bound: breach.lowerBound,
      upper_bound: breach.upperBound,
      datapoints: breach.datapoints.map((point) => `${point.timestamp} ${point.value}`),
    },
    top_errors: logs && [
      ...logs.top.map((error) => errorLine(error.count, error.message)),
      `Query: ${logs.queryUrl}`,
    ],
    failing_traces: traces?.map(traceLine),
    history: history && [
      historyLine(history),
      ...history.recent.map((transition) => transitionLine(transition, alert.changedAt)),
    ],
    recent_changes: changes?.map((change) => changeLine(change, alert.changedAt)),
    child_alarms: alert.children.length > 0 ? alert.children.map(childLine) : undefined,
    not_included: alert.missing.length > 0 ? alert.missing.map(missingLine) : undefined,
    raw_event_copy: alert.rawEventCopy && rawEventCopyLine(alert.rawEventCopy, alert.changedAt),
    raw_event: alert.rawEvent,
  });
}

function links(alert: EnrichedAlert): PagerDutyLink[] {
  const all = alert.links.map((link) => ({ href: link.url, text: link.label }));
  const runbook = alert.runbook;
  return runbook && !all.some((link) => link.href === runbook)
    ? [{ href: runbook, text: 'Runbook' }, ...all]
    : all;
}

function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
