import { ALARM_SEVERITIES, type AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import type { EpisodeRef } from '../enriched-alert';

/**
 * Episodes of events that are not alarm changes (business alerts, findings, Health events). An
 * alarm has states and transitions; these have a key and a stream of reports about it: the first
 * opens an episode, later ones are updates of the same problem (a GuardDuty finding seen again, its
 * count higher; the same dedupe key raised again), and a resolution closes it. Every alert about
 * the episode shares its id, so chat threads and PagerDuty dedup keys line up, as for alarms. Pure:
 * the store feeds it the head it read and writes back the head it returns.
 */

/** One report about the problem a key names. */
export interface EventOccurrence {
  /** Identifies a delivery, so a redelivered event is recognised. */
  readonly eventId: string;
  /** When this version of the problem was reported, ISO 8601; orders the reports. */
  readonly at: string;
  /** Absent on a resolution that says none: the episode's is used. */
  readonly severity?: AlarmSeverity;
  readonly resolves: boolean;
}

export interface EventEpisodePolicy {
  /**
   * Minutes after an alert about an open episode during which a repeat of the same severity is
   * counted but not sent again: GuardDuty re-reports a finding every 15 minutes to 6 hours and a
   * workload may raise its alert on every failed request, and on-call needs one message per window,
   * not one per report. The alarm episodes' flap window.
   */
  readonly quietMinutes: number;
}

export const EVENT_NOTIFICATIONS = ['alarm', 'updated', 'resolved'] as const;
export type EventNotification = (typeof EVENT_NOTIFICATIONS)[number];

export type EventEpisodeDecision =
  | {
      readonly action: 'notify';
      readonly notification: EventNotification;
      /** The episode's severity as of this report: where the alert goes. */
      readonly severity: AlarmSeverity;
      readonly episode: EpisodeRef;
    }
  | { readonly action: 'suppress'; readonly reason: string; readonly episode?: EpisodeRef };

export interface EventEpisode {
  /** `<key>/<openedAt>`. */
  readonly id: string;
  readonly openedAt: string;
  readonly status: 'open' | 'resolved';
  /** When the status last changed. */
  readonly since: string;
  /** Reports attributed to the episode, the opening one included. */
  readonly reports: number;
  /** The highest severity reported so far. */
  readonly severity: AlarmSeverity;
  /** When its last alert went out. */
  readonly notifiedAt: string;
}

/** What is stored per key. */
export interface EventEpisodeHead {
  readonly episode?: EventEpisode;
  /** The time of the newest report accepted; an older one arriving late changes nothing. */
  readonly lastAt: string;
  /** The last {@link REMEMBERED_EVENT_REPORTS} events and their decisions, newest last. */
  readonly processed: readonly { readonly eventId: string; readonly decision: EventEpisodeDecision }[];
  /** Incremented on every write; the store writes only over the version it read. */
  readonly version: number;
}

/** Events remembered per key: redeliveries come within minutes. */
export const REMEMBERED_EVENT_REPORTS = 10;

export interface EventEpisodeStep {
  readonly decision: EventEpisodeDecision;
  /** The head to store; the very `head` passed in when nothing changed (a redelivery). */
  readonly next: EventEpisodeHead;
}

/** Decides one report about `key` against its stored head. Never throws. */
export function decideEventEpisode(
  head: EventEpisodeHead | undefined,
  occurrence: EventOccurrence,
  policy: EventEpisodePolicy,
  key: string,
): EventEpisodeStep {
  const known = head?.processed.find((event) => event.eventId === occurrence.eventId);
  if (head !== undefined && known !== undefined) return { decision: known.decision, next: head };

  const episode = head?.episode;
  const open = episode?.status === 'open' ? episode : undefined;
  const step = (decision: EventEpisodeDecision, next?: EventEpisode): EventEpisodeStep => ({
    decision,
    next: {
      ...(next ? { episode: next } : episode ? { episode } : {}),
      lastAt: head === undefined || time(occurrence.at) > time(head.lastAt) ? occurrence.at : head.lastAt,
      processed: [...(head?.processed ?? []), { eventId: occurrence.eventId, decision }].slice(
        -REMEMBERED_EVENT_REPORTS,
      ),
      version: (head?.version ?? 0) + 1,
    },
  });

  // A late delivery of an older report must not reopen or resolve what newer ones decided.
  if (head !== undefined && time(occurrence.at) < time(head.lastAt)) {
    return step(suppress(`older than the last report (${head.lastAt})`, episode));
  }

  if (occurrence.resolves) {
    if (open === undefined) return step(suppress('nothing to resolve: no open episode', episode));
    const resolved: EventEpisode = {
      ...open,
      status: 'resolved',
      since: occurrence.at,
      reports: open.reports + 1,
      notifiedAt: occurrence.at,
    };
    return step(notify('resolved', resolved), resolved);
  }

  const severity = occurrence.severity ?? open?.severity ?? 'high';
  if (open === undefined) {
    const opened: EventEpisode = {
      id: `${key}/${occurrence.at}`,
      openedAt: occurrence.at,
      status: 'open',
      since: occurrence.at,
      reports: 1,
      severity,
      notifiedAt: occurrence.at,
    };
    return step(notify('alarm', opened), opened);
  }

  const counted: EventEpisode = { ...open, reports: open.reports + 1 };
  // Worse than anything told so far: news, whenever it comes; it goes to the new severity's topic.
  if (rank(severity) > rank(open.severity)) {
    const escalated: EventEpisode = { ...counted, severity, notifiedAt: occurrence.at };
    return step(notify('updated', escalated), escalated);
  }
  const quietUntil = time(open.notifiedAt) + policy.quietMinutes * 60_000;
  if (time(occurrence.at) >= quietUntil) {
    const updated: EventEpisode = { ...counted, notifiedAt: occurrence.at };
    return step(notify('updated', updated), updated);
  }
  return step(
    suppress(
      `repeat within ${policy.quietMinutes} min of the last alert (${open.notifiedAt}); counted on the episode`,
      counted,
    ),
    counted,
  );
}

function notify(notification: EventNotification, episode: EventEpisode): EventEpisodeDecision {
  return { action: 'notify', notification, severity: episode.severity, episode: refTo(episode) };
}

function suppress(reason: string, episode?: EventEpisode): EventEpisodeDecision {
  return episode === undefined
    ? { action: 'suppress', reason }
    : { action: 'suppress', reason, episode: refTo(episode) };
}

function refTo(episode: EventEpisode): EpisodeRef {
  return { id: episode.id, openedAt: episode.openedAt, transitions: episode.reports, flapping: false };
}

/** Higher is more urgent. */
function rank(severity: AlarmSeverity): number {
  return ALARM_SEVERITIES.length - ALARM_SEVERITIES.indexOf(severity);
}

function time(iso: string): number {
  return Date.parse(iso);
}
