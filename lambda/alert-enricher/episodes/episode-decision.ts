import type { AlarmChange, AlarmState } from '../../shared/alarm-change';
import type { EpisodeRef } from '../enriched-alert';

/**
 * Alert episodes: whether an alarm's state change is worth a notification, and on which thread.
 * An episode is one problem from its first ALARM to its resolution; every alert about it shares the
 * episode id, so chat threads and PagerDuty dedup keys line up. Pure: the store feeds it the head it
 * read and writes back the head it returns.
 */

export interface EpisodePolicy {
  /** State changes inside the flap window after which the next change is flapping. @default 4 */
  readonly flapTransitions: number;
  /** Minutes over which changes are counted for flapping, and within which a resolution can re-open. @default 30 */
  readonly flapWindowMinutes: number;
  /** Days the stored state is kept after its last write. @default 30 */
  readonly ttlDays: number;
  /**
   * Whether ALARM → INSUFFICIENT_DATA resolves the episode (and closes its page). Losing data is not
   * recovering: by default the thread is told the alarm went blind and the page stays open until OK.
   * @default false
   */
  readonly resolveOnNoData?: boolean;
}

export const DEFAULT_EPISODE_POLICY: EpisodePolicy = {
  flapTransitions: 4,
  flapWindowMinutes: 30,
  ttlDays: 30,
  resolveOnNoData: false,
};

/** One alarm state change, as far as episodes are concerned. */
export interface AlarmTransition {
  /** Identifies a delivery, so a redelivered event is recognised. */
  readonly eventId: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  /** ISO 8601 time of the change. */
  readonly at: string;
  /**
   * When the previous state began (the event's `previousState.timestamp`), if the event says. An OK
   * whose ALARM began after the last change recorded here ends an ALARM that was alerted without a
   * thread (the table was unreachable then): that alert's episode is resolved by this change.
   */
  readonly previousAt?: string;
}

/**
 * The transition an alarm change is. The enricher records it and the dispatcher reads its episode
 * with it, so both decide the same thread from the same fields.
 */
export function transitionOf(
  change: Pick<AlarmChange, 'eventId' | 'state' | 'previousState' | 'changedAt' | 'previousChangedAt'>,
): AlarmTransition {
  return {
    eventId: change.eventId,
    state: change.state,
    previousState: change.previousState,
    at: change.changedAt,
    ...(change.previousChangedAt !== undefined && { previousAt: change.previousChangedAt }),
  };
}

export const EPISODE_NOTIFICATIONS = ['alarm', 'reopened', 'flapping', 'resolved', 'no-data'] as const;
export type EpisodeNotification = (typeof EPISODE_NOTIFICATIONS)[number];

export type EpisodeDecision =
  | { readonly action: 'notify'; readonly notification: EpisodeNotification; readonly episode: EpisodeRef }
  | { readonly action: 'suppress'; readonly reason: string; readonly episode?: EpisodeRef };

/** An alarm's current or last episode. */
export interface Episode {
  /** `<alarmName>/<openedAt>`. */
  readonly id: string;
  readonly openedAt: string;
  /** `open` from an ALARM (or flapping) until an OK or INSUFFICIENT_DATA resolves it. */
  readonly status: 'open' | 'resolved';
  /** When the status last changed: opened, re-opened, started flapping or resolved. */
  readonly since: string;
  /** State changes attributed to the episode, the opening one included. */
  readonly transitions: number;
  /** Every change is suppressed until a quiet flap window passes. */
  readonly flapping: boolean;
  /** Its one flapping alert went out, so it is never re-opened (a later ALARM opens a new episode). */
  readonly flapAlerted: boolean;
}

/** An event already decided, kept so a redelivery gets the same answer. */
export interface ProcessedEvent {
  readonly eventId: string;
  readonly decision: EpisodeDecision;
}

/** What is stored per alarm. */
export interface EpisodeHead {
  /** Absent until the alarm's first ALARM. */
  readonly episode?: Episode;
  /** The state and time of the last change accepted; later deliveries of earlier changes are ignored. */
  readonly lastState: AlarmState;
  readonly lastChangeAt: string;
  /** Times of the changes inside the flap window as of the last one, oldest first. */
  readonly recentChanges: readonly string[];
  /** The last {@link REMEMBERED_EVENTS} events, newest last. */
  readonly processed: readonly ProcessedEvent[];
  /** Incremented on every write; the store writes only over the version it read. */
  readonly version: number;
}

/** Events remembered per alarm: redeliveries come within minutes, long before this many newer changes. */
export const REMEMBERED_EVENTS = 10;

export interface EpisodeStep {
  readonly decision: EpisodeDecision;
  /** The head to store; the very `head` passed in when nothing changed (a redelivery). */
  readonly next: EpisodeHead;
}

/** Decides one transition of the alarm named `alarmName` against its stored head. Never throws. */
export function decideEpisode(
  head: EpisodeHead | undefined,
  transition: AlarmTransition,
  policy: EpisodePolicy,
  alarmName: string,
): EpisodeStep {
  // Redelivery: delivery is at least once, and the first attempt may have failed before notifying, so
  // a retry gets the same decision (a notification is sent again, not suppressed as a duplicate).
  const known = head?.processed.find((event) => event.eventId === transition.eventId);
  if (head !== undefined && known !== undefined) return { decision: known.decision, next: head };

  // Out of order: a late delivery of an earlier change must not re-open or resolve what later changes decided.
  if (head !== undefined && time(transition.at) < time(head.lastChangeAt)) {
    const decision = suppress(
      `older than the last recorded change (${head.lastState} at ${head.lastChangeAt})`,
      head.episode,
    );
    return {
      decision,
      next: { ...head, processed: remember(head, transition, decision), version: head.version + 1 },
    };
  }

  const situation = observe(head, transition, policy, alarmName);
  const episode = head?.episode;
  const outcome = episode?.flapping
    ? whileFlapping(situation, episode)
    : transition.state === 'ALARM'
      ? onAlarm(situation, episode)
      : onClear(situation, episode, head);
  return { decision: outcome.decision, next: advance(head, situation, outcome) };
}

/**
 * The check of a flapping episode once its quiet window has passed, made on a schedule because the
 * change that ends flapping was itself suppressed (it came inside the window): without the check a
 * flapping episode that settled in OK would keep its page open for ever. `state` is the alarm's state
 * now (DescribeAlarms), `checkId` identifies the check so a repeated one is answered alike.
 */
export function settleFlapping(
  head: EpisodeHead,
  check: { readonly checkId: string; readonly state: AlarmState; readonly at: string },
  policy: EpisodePolicy,
): EpisodeStep {
  const known = head.processed.find((event) => event.eventId === check.checkId);
  if (known !== undefined) return { decision: known.decision, next: head };
  const episode = head.episode;
  if (episode === undefined || !episode.flapping) return { decision: suppress('not flapping'), next: head };
  const windowMs = policy.flapWindowMinutes * 60_000;
  if (time(check.at) - time(head.lastChangeAt) < windowMs) {
    return { decision: suppress(`still flapping: last change at ${head.lastChangeAt}`, episode), next: head };
  }
  const settled: Episode = { ...episode, flapping: false, since: check.at };
  const outcome: Outcome =
    check.state === 'OK' || (check.state === 'INSUFFICIENT_DATA' && policy.resolveOnNoData)
      ? notify('resolved', { ...settled, status: 'resolved' })
      : check.state === 'INSUFFICIENT_DATA'
        ? notify('no-data', settled)
        : // Steadily in ALARM: the flapping alert's page stays open, and the next OK resolves it.
          { decision: suppress('settled in ALARM: the flapping alert stands', settled), episode: settled };
  const transition: AlarmTransition = {
    eventId: check.checkId,
    state: check.state,
    previousState: head.lastState,
    at: check.at,
  };
  return {
    decision: outcome.decision,
    next: {
      ...head,
      ...withEpisode(outcome.episode),
      processed: remember(head, transition, outcome.decision),
      version: head.version + 1,
    },
  };
}

/** The transition with what the head says about it. */
interface Situation {
  readonly transition: AlarmTransition;
  readonly policy: EpisodePolicy;
  readonly alarmName: string;
  /** False for a state already recorded: the same change by a second path (EventBridge and SNS), or a repeat. */
  readonly isChange: boolean;
  /** Earlier changes inside the flap window. */
  readonly recent: readonly string[];
}

interface Outcome {
  readonly decision: EpisodeDecision;
  /** The head's episode from now on. */
  readonly episode?: Episode;
}

function observe(
  head: EpisodeHead | undefined,
  transition: AlarmTransition,
  policy: EpisodePolicy,
  alarmName: string,
): Situation {
  const windowMs = policy.flapWindowMinutes * 60_000;
  return {
    transition,
    policy,
    alarmName,
    isChange: head === undefined || head.lastState !== transition.state,
    recent: (head?.recentChanges ?? []).filter((at) => time(transition.at) - time(at) < windowMs),
  };
}

function whileFlapping(situation: Situation, episode: Episode): Outcome {
  const { transition, policy, recent } = situation;
  // Flapping: its one alert stands for every change until the alarm keeps still for a whole window.
  if (recent.length > 0) {
    const flapping = counted(situation, episode);
    const changes = recent.length + (situation.isChange ? 1 : 0);
    return {
      decision: suppress(`flapping: ${changes} transitions in ${policy.flapWindowMinutes} min`, flapping),
      episode: flapping,
    };
  }
  // Settled after a quiet window: an ALARM is a problem of its own; OK ends the flapping episode, and
  // no data leaves it open (not flapping any more) unless no data resolves.
  if (transition.state === 'ALARM') return openEpisode(situation);
  if (transition.state === 'INSUFFICIENT_DATA' && !policy.resolveOnNoData) {
    return notify('no-data', { ...counted(situation, episode), since: transition.at, flapping: false });
  }
  return notify('resolved', resolve(situation, episode));
}

/**
 * The episode of an ALARM this table never recorded, which its OK now ends: the enricher alerted it
 * unthreaded (the table was unreachable) under the id a new episode gets, `<alarm>/<its start>`, and
 * the OK's previous-state time is that start. Without this its page would stay open for ever.
 */
function unrecordedAlarm(situation: Situation, head: EpisodeHead | undefined): Episode | undefined {
  const { transition } = situation;
  const started = transition.previousAt;
  if (transition.state !== 'OK' || transition.previousState !== 'ALARM' || started === undefined)
    return undefined;
  if (Number.isNaN(time(started)) || time(started) >= time(transition.at)) return undefined;
  if (head !== undefined && time(head.lastChangeAt) >= time(started)) return undefined;
  return {
    id: `${situation.alarmName}/${started}`,
    openedAt: started,
    status: 'resolved',
    since: transition.at,
    transitions: 2,
    flapping: false,
    flapAlerted: false,
  };
}

function onAlarm(situation: Situation, episode: Episode | undefined): Outcome {
  // CloudWatch sends no event for ALARM staying ALARM, so a later ALARM that came from another state
  // means the change out of ALARM was never recorded (its event failed before reaching this table).
  // It is the same problem back again, not a repeat to swallow.
  if (
    episode?.status === 'open' &&
    situation.transition.previousState !== 'ALARM' &&
    time(situation.transition.at) > time(episode.since)
  ) {
    return flappingOr(
      situation,
      { ...counted(situation, episode), since: situation.transition.at },
      'reopened',
    );
  }
  // Already alarming: the thread has this alert; a second delivery path of the same change adds nothing.
  if (episode?.status === 'open') {
    return { decision: suppress(`already alarming since ${episode.since}`, episode), episode };
  }
  // Back soon after a resolution: the same problem, so the same thread and PagerDuty incident carry on.
  if (episode !== undefined && !episode.flapAlerted && withinWindow(situation, episode.since)) {
    const reopened: Episode = {
      ...counted(situation, episode),
      status: 'open',
      since: situation.transition.at,
    };
    return flappingOr(situation, reopened, 'reopened');
  }
  // First ALARM, or the last episode resolved long enough ago (or after flapping) to be a different problem.
  return openEpisode(situation);
}

function onClear(situation: Situation, episode: Episode | undefined, head?: EpisodeHead): Outcome {
  const { transition } = situation;
  if (episode?.status === 'open') {
    // No data is not recovery: the thread hears the alarm went blind, and its page stays open until OK.
    if (transition.state === 'INSUFFICIENT_DATA' && !situation.policy.resolveOnNoData) {
      if (!situation.isChange) return { decision: suppress('no data, already told', episode), episode };
      return flappingOr(situation, counted(situation, episode), 'no-data');
    }
    // Resolved: on the episode's own thread, which closes the chat thread and PagerDuty incident it opened.
    return flappingOr(situation, resolve(situation, episode), 'resolved');
  }
  const unthreaded = unrecordedAlarm(situation, head);
  if (unthreaded !== undefined) return notify('resolved', unthreaded);
  // No data: an alarm without data cannot fire, which is worth knowing. Only from OK: an alarm starts in
  // INSUFFICIENT_DATA, and its creation is not news.
  if (transition.state === 'INSUFFICIENT_DATA' && transition.previousState === 'OK' && situation.isChange) {
    const own: EpisodeRef = {
      id: episodeId(situation),
      openedAt: transition.at,
      transitions: 1,
      flapping: false,
    };
    return { decision: { action: 'notify', notification: 'no-data', episode: own }, ...withEpisode(episode) };
  }
  return {
    decision: suppress(`nothing to resolve: ${transition.state} with no open episode`),
    ...withEpisode(episode),
  };
}

/**
 * Flapping: the change that follows `flapTransitions` changes inside the window gets one `flapping` alert
 * instead of its own, and the episode stays open until it settles.
 */
function flappingOr(situation: Situation, episode: Episode, notification: EpisodeNotification): Outcome {
  if (situation.recent.length < situation.policy.flapTransitions) return notify(notification, episode);
  // Flapping again after no data left it open: its one flapping alert is spent, and the scheduled
  // check of the quiet window resolves it.
  if (episode.flapAlerted) {
    const flapping: Episode = { ...episode, status: 'open', since: situation.transition.at, flapping: true };
    return {
      decision: suppress('flapping again; its flapping alert already went out', flapping),
      episode: flapping,
    };
  }
  return notify('flapping', {
    ...episode,
    status: 'open',
    since: situation.transition.at,
    flapping: true,
    flapAlerted: true,
  });
}

function openEpisode(situation: Situation): Outcome {
  const { at } = situation.transition;
  return notify('alarm', {
    id: episodeId(situation),
    openedAt: at,
    status: 'open',
    since: at,
    transitions: 1,
    flapping: false,
    flapAlerted: false,
  });
}

function resolve(situation: Situation, episode: Episode): Episode {
  return {
    ...counted(situation, episode),
    status: 'resolved',
    since: situation.transition.at,
    flapping: false,
  };
}

function counted(situation: Situation, episode: Episode): Episode {
  return situation.isChange ? { ...episode, transitions: episode.transitions + 1 } : episode;
}

function advance(head: EpisodeHead | undefined, situation: Situation, outcome: Outcome): EpisodeHead {
  const { transition, isChange, recent } = situation;
  // A new episode counts its own changes: flapping is about one problem, not the alarm's whole history.
  const opened = outcome.episode !== undefined && outcome.episode.id !== head?.episode?.id;
  return {
    ...withEpisode(outcome.episode),
    lastState: isChange || head === undefined ? transition.state : head.lastState,
    lastChangeAt: isChange || head === undefined ? transition.at : head.lastChangeAt,
    recentChanges: opened ? [transition.at] : isChange ? [...recent, transition.at] : recent,
    processed: remember(head, transition, outcome.decision),
    version: (head?.version ?? 0) + 1,
  };
}

function remember(
  head: EpisodeHead | undefined,
  transition: AlarmTransition,
  decision: EpisodeDecision,
): ProcessedEvent[] {
  return [...(head?.processed ?? []), { eventId: transition.eventId, decision }].slice(-REMEMBERED_EVENTS);
}

function notify(notification: EpisodeNotification, episode: Episode): Outcome {
  return { decision: { action: 'notify', notification, episode: refTo(episode) }, episode };
}

// Optional fields are left out rather than set to undefined, so the head stores as it is.
function suppress(reason: string, episode?: Episode): EpisodeDecision {
  return episode === undefined
    ? { action: 'suppress', reason }
    : { action: 'suppress', reason, episode: refTo(episode) };
}

function withEpisode(episode: Episode | undefined): { episode?: Episode } {
  return episode === undefined ? {} : { episode };
}

function refTo(episode: Episode): EpisodeRef {
  return {
    id: episode.id,
    openedAt: episode.openedAt,
    transitions: episode.transitions,
    flapping: episode.flapping,
  };
}

function episodeId(situation: Situation): string {
  return `${situation.alarmName}/${situation.transition.at}`;
}

function withinWindow(situation: Situation, at: string): boolean {
  return time(situation.transition.at) - time(at) < situation.policy.flapWindowMinutes * 60_000;
}

function time(iso: string): number {
  return Date.parse(iso);
}
