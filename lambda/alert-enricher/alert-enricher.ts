import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AlarmSeverity } from '../../constructs/contracts/alarm-severity';
import type { PlaybookPolicy } from '../../constructs/contracts/remediation';
import type { AlarmChange } from '../shared/alarm-change';
import { logger, metrics } from '../shared/observability';
import type { AlertDelivery, DeliveryOutcome, DeliveryRequest, PreparedDelivery } from './alert-delivery';
import type { GatheredContext } from './context/gather-context';
import { withTimeout } from './context/with-timeout';
import {
  type EnrichedAlert,
  type MissingContext,
  type RawEventCopy,
  UNREADABLE_EPISODE_ID,
} from './enriched-alert';
import {
  type AlarmTransition,
  type EpisodeDecision,
  type EpisodeNotification,
  transitionOf,
} from './episodes/episode-decision';
import type { EventEpisodeDecision, EventOccurrence } from './episodes/event-episode';
import { evaluationOf, valueUnitOf } from './evaluation';
import type { EventAlert } from './events/event-alert';
import { parseIncoming } from './events/parse-incoming';
import { isScheduledEvent, type SettledEpisode } from './flapping-check';

/** What became of one alarm change (or unreadable item) of an invocation. */
export type AlertOutcome =
  | {
      readonly alarm: string;
      /** `duplicate`: every channel already had this event's alert (a retry or redelivery of it). */
      readonly result: 'delivered' | 'dead-lettered' | 'duplicate';
      readonly delivery: DeliveryOutcome;
    }
  | { readonly alarm: string; readonly result: 'suppressed'; readonly reason: string }
  | { readonly alarm: string; readonly result: 'ignored'; readonly reason: string }
  /** A business alert that breaks its schema, kept whole in the dead-letter queue with `reason`. */
  | { readonly alarm: string; readonly result: 'rejected'; readonly reason: string };

export interface AlertEnricherDeps {
  readonly episodes: {
    record(alarm: { arn: string; name: string }, transition: AlarmTransition): Promise<EpisodeDecision>;
  };
  /** Episodes of business alerts, findings and Health events, by event key. */
  readonly eventEpisodes: {
    record(key: string, occurrence: EventOccurrence): Promise<EventEpisodeDecision>;
  };
  /** Gathers context within `deadlineMs`, always resolving by then. */
  readonly gatherContext: (change: AlarmChange, deadlineMs: number) => Promise<GatheredContext>;
  /** What context gathering may take at most; less when the episode step was slow. */
  readonly contextDeadlineMs: number;
  /** Sends by the alert's deadline, each channel once per event; `prepare` starts what it can early. */
  readonly delivery: Pick<AlertDelivery, 'deliver' | 'prepare' | 'rejectEvent'>;
  /** Severity of alarms that do not say theirs (made outside Vigil, untagged). */
  readonly outsideAlarmSeverity: AlarmSeverity;
  /** How each playbook deployed here runs (the remediation stack's own policies). */
  readonly remediationPlaybooks: Readonly<Partial<Record<string, PlaybookPolicy>>>;
  /**
   * The scheduled check of flapping episodes whose quiet window passed (see `flapping-check.ts`).
   * @default scheduled events are ignored
   */
  readonly settleFlapping?: () => Promise<SettledEpisode[]>;
  /**
   * Keeps an unreadable event's whole payload and links it, since the channels cut what exceeds their
   * limits; never throws. @default not kept: the alert carries the payload as far as each channel fits it
   */
  readonly keepRawEvent?: (raw: string) => Promise<RawEventCopy>;
}

/** From receiving a change to its alert being published or dead-lettered, whatever hangs. */
export const ALERT_DEADLINE_MS = 4000;
/** The episode step is two small DynamoDB calls; past this the alert goes out unthreaded. */
const EPISODE_TIMEOUT_MS = 1000;
/**
 * Kept for rendering and delivery after context gathering: the channels get what is left of it but the
 * dead-letter queue's share (AlertDelivery's `deadLetterTimeoutMs`), so every alert is sent or
 * dead-lettered within {@link ALERT_DEADLINE_MS}.
 */
const DELIVERY_RESERVE_MS = 1000;

/**
 * The enricher's flow for one invocation: parse, decide the episode, gather context, render and
 * deliver. It fails open at every step: an unreadable event is forwarded raw, a failed context
 * source is named in the alert, an episode table that cannot be reached means the alert goes out
 * unthreaded rather than not at all. It throws only when an alert could be neither delivered nor
 * dead-lettered, so Lambda retries the invocation and finally keeps it in its on-failure destination.
 */
export function createAlertEnricher(deps: AlertEnricherDeps): (event: unknown) => Promise<AlertOutcome[]> {
  const deliver = async (alert: EnrichedAlert, request: DeliveryRequest): Promise<AlertOutcome> => {
    const delivery = await deps.delivery.deliver(alert, request);
    const duplicate =
      delivery.delivered.length === 0 && delivery.failed.length === 0 && delivery.skipped.length > 0;
    const result = delivery.deadLettered ? 'dead-lettered' : duplicate ? 'duplicate' : 'delivered';
    const metric = {
      delivered: 'AlertsDelivered',
      'dead-lettered': 'AlertsDeadLettered',
      duplicate: 'AlertsDuplicate',
    };
    metrics.addMetric(metric[result], MetricUnit.Count, 1);
    logger.info(duplicate ? 'Alert already sent for this event' : 'Alert sent', {
      alarm: alert.alarm.name,
      notification: alert.notification,
      eventId: request.key?.eventId,
      ...delivery,
    });
    return { alarm: alert.alarm.name, result, delivery };
  };

  /** One change's delivery: the event it is for and its deadline. */
  interface Attempt {
    readonly key: DeliveryRequest['key'];
    readonly deadline: number;
    /** Starts the channel claims, once: enrichment starts them early, the bare alert reuses them. */
    readonly prepare: () => PreparedDelivery;
  }

  /** `decided`: the episode decision already made (a scheduled check decides before it alerts). */
  const enrich = async (
    change: AlarmChange,
    attempt: Attempt,
    decided?: EpisodeDecision,
  ): Promise<AlertOutcome> => {
    const started = Date.now();
    if (change.vigil?.partOf) {
      return {
        alarm: change.alarmName,
        result: 'ignored',
        reason: `feeds composite alarm ${change.vigil.partOf}`,
      };
    }
    const { decision, episodeMissing } = decided ? { decision: decided } : await decideEpisode(deps, change);
    if (decision.action === 'suppress') {
      metrics.addMetric('AlertsSuppressed', MetricUnit.Count, 1);
      logger.info('Alert suppressed', {
        alarm: change.alarmName,
        state: change.state,
        reason: decision.reason,
      });
      return { alarm: change.alarmName, result: 'suppressed', reason: decision.reason };
    }
    // Claims on the channels (and the PagerDuty key) are made while context is gathered.
    const prepared = attempt.prepare();
    const remaining = ALERT_DEADLINE_MS - DELIVERY_RESERVE_MS - (Date.now() - started);
    const gathered = await deps.gatherContext(
      change,
      Math.max(0, Math.min(deps.contextDeadlineMs, remaining)),
    );
    const missing = episodeMissing ? [episodeMissing, ...gathered.missing] : gathered.missing;
    if (missing.length > 0) metrics.addMetric('ContextMissing', MetricUnit.Count, missing.length);
    const { key, deadline } = attempt;
    return deliver(enrichedAlert(change, decision, { ...gathered, missing }, deps), {
      key,
      deadline,
      prepared,
    });
  };

  /** Alerts for the flapping episodes that settled; a failure throws, and the next schedule retries. */
  const checkFlapping = async (): Promise<AlertOutcome[]> => {
    const outcomes: AlertOutcome[] = [];
    for (const { change, decision } of (await deps.settleFlapping?.()) ?? []) {
      const key = { alarmArn: change.alarmArn, eventId: change.eventId };
      const deadline = Date.now() + ALERT_DEADLINE_MS;
      const attempt: Attempt = { key, deadline, prepare: once(() => deps.delivery.prepare(key, deadline)) };
      outcomes.push(await enrich(change, attempt, decision));
    }
    return outcomes;
  };

  /**
   * A business alert, finding or Health event: its episode decides, then it is delivered as it is.
   * No context is gathered: the event carries what on-call needs (the service's own resources and
   * links), and the alarm sources (metrics, logs of the alarm's target) have nothing to look up.
   */
  const alertOnEvent = async (event: EventAlert): Promise<AlertOutcome> => {
    const key = { alarmArn: event.key, eventId: event.eventId };
    const deadline = Date.now() + ALERT_DEADLINE_MS;
    const { decision, episodeMissing } = await decideEventEpisode(deps, event);
    const name = eventAlarmName(event);
    if (decision.action === 'suppress') {
      metrics.addMetric('AlertsSuppressed', MetricUnit.Count, 1);
      logger.info('Alert suppressed', {
        alarm: name,
        kind: event.kind,
        key: event.key,
        reason: decision.reason,
      });
      return { alarm: name, result: 'suppressed', reason: decision.reason };
    }
    const alert = eventEnrichedAlert(event, decision, episodeMissing ? [episodeMissing] : []);
    return deliver(alert, { key, deadline });
  };

  return async (event) => {
    if (isScheduledEvent(event)) return checkFlapping();
    const started = Date.now();
    const outcomes: AlertOutcome[] = [];
    for (const item of parseIncoming(event)) {
      if (item.type === 'rejected') {
        metrics.addMetric('EventsRejected', MetricUnit.Count, 1);
        logger.warn('Event rejected to the dead-letter queue', { reason: item.reason });
        await deps.delivery.rejectEvent(item, Date.now() + ALERT_DEADLINE_MS);
        outcomes.push({ alarm: 'rejected-event', result: 'rejected', reason: item.reason });
        continue;
      }
      if (item.type === 'event') {
        outcomes.push(await alertOnEvent(item.event));
        continue;
      }
      if (item.type === 'unreadable') {
        metrics.addMetric('UnparseableEvents', MetricUnit.Count, 1);
        logger.warn('Unparseable event forwarded raw', { error: item.error });
        // No key: an unreadable item has no event id, and equal texts may be distinct deliveries.
        // The copy is kept within the alert's deadline (its store gives up after a second).
        const sendBy = Date.now() + ALERT_DEADLINE_MS;
        const alert = unparseableAlert(item.error, item.raw, await deps.keepRawEvent?.(item.raw));
        outcomes.push(await deliver(alert, { deadline: sendBy }));
        continue;
      }
      const key = { alarmArn: item.change.alarmArn, eventId: item.change.eventId };
      const deadline = Date.now() + ALERT_DEADLINE_MS;
      const attempt: Attempt = { key, deadline, prepare: once(() => deps.delivery.prepare(key, deadline)) };
      try {
        outcomes.push(await enrich(item.change, attempt));
      } catch (error) {
        if (isAlertLost(error)) throw error;
        // A bug of ours must not cost the page: send what the event itself says, on the claims already
        // made (a fresh claim would find this invocation's own and skip), with time to deliver.
        logger.error('Enrichment failed; sending the bare alert', { alarm: item.change.alarmName, error });
        const bare = bareAlert(item.change, deps, `enrichment failed: ${errorText(error)}`);
        outcomes.push(
          await deliver(bare, {
            key,
            deadline: Math.max(deadline, Date.now() + DELIVERY_RESERVE_MS),
            prepared: attempt.prepare(),
          }),
        );
      }
    }
    metrics.addMetric('EnrichmentDuration', MetricUnit.Milliseconds, Date.now() - started);
    return outcomes;
  };
}

/** The episode decision; when the table cannot be reached, notify anyway and say the thread may repeat. */
async function decideEpisode(
  deps: AlertEnricherDeps,
  change: AlarmChange,
): Promise<{ decision: EpisodeDecision; episodeMissing?: MissingContext }> {
  try {
    const decision = await withTimeout(EPISODE_TIMEOUT_MS, () =>
      deps.episodes.record({ arn: change.alarmArn, name: change.alarmName }, transitionOf(change)),
    );
    return { decision };
  } catch (error) {
    logger.error('Episode table unavailable; alerting without deduplication', {
      alarm: change.alarmName,
      error,
    });
    return {
      decision: {
        action: 'notify',
        notification: notificationFor(change),
        episode: standaloneEpisode(change),
      },
      episodeMissing: { source: 'episodes', reason: `not deduplicated or threaded: ${errorText(error)}` },
    };
  }
}

/**
 * An event's episode decision; when the table cannot be reached, the event is alerted as it is (an
 * opening, or a resolution) on an episode of its own, and the alert says it may repeat.
 */
async function decideEventEpisode(
  deps: AlertEnricherDeps,
  event: EventAlert,
): Promise<{ decision: EventEpisodeDecision; episodeMissing?: MissingContext }> {
  const occurrence: EventOccurrence = {
    eventId: event.eventId,
    at: event.occurredAt,
    ...(event.severity ? { severity: event.severity } : {}),
    resolves: event.resolves,
  };
  try {
    const decision = await withTimeout(EPISODE_TIMEOUT_MS, () =>
      deps.eventEpisodes.record(event.key, occurrence),
    );
    return { decision };
  } catch (error) {
    logger.error('Episode table unavailable; alerting without deduplication', { key: event.key, error });
    return {
      decision: {
        action: 'notify',
        notification: event.resolves ? 'resolved' : 'alarm',
        // A resolution that names no severity goes where an unknown one would: the high topic.
        severity: event.severity ?? 'high',
        episode: {
          id: `${event.key}/${event.occurredAt}`,
          openedAt: event.occurredAt,
          transitions: 1,
          flapping: false,
        },
      },
      episodeMissing: { source: 'episodes', reason: `not deduplicated or threaded: ${errorText(error)}` },
    };
  }
}

/**
 * What names an event alert where an alarm's name would stand (the `alarm` SNS attribute, the title
 * when there is no resource): the workload's service for a business alert, else what kind of problem
 * it is (finding type, control, Health event type).
 */
function eventAlarmName(event: EventAlert): string {
  return event.kind === 'business' ? event.service : (event.signal ?? event.service);
}

/** The alert of a business alert, finding or Health event: what the event says, on its episode. */
function eventEnrichedAlert(
  event: EventAlert,
  decision: Extract<EventEpisodeDecision, { action: 'notify' }>,
  missing: readonly MissingContext[],
): EnrichedAlert {
  const resolved = decision.notification === 'resolved';
  return {
    notification: decision.notification,
    severity: decision.severity,
    alarm: {
      name: eventAlarmName(event),
      arn: event.arn ?? '',
      account: event.account,
      region: event.region,
      kind: 'event',
    },
    // The problem is open (ALARM) until it resolves (OK), so subscriptions filtering on state work alike.
    state: resolved ? 'OK' : 'ALARM',
    previousState: resolved || decision.notification === 'updated' ? 'ALARM' : 'OK',
    changedAt: event.occurredAt,
    reason: event.message,
    service: event.service,
    resource: event.resource,
    signal: event.signal,
    summary: event.title,
    runbook: event.runbook,
    episode: decision.episode,
    children: [],
    context: {},
    links: event.runbook ? [...event.links, { label: 'Runbook', url: event.runbook }] : [...event.links],
    missing: [...missing],
    event: {
      kind: event.kind,
      source: event.source,
      detailType: event.detailType,
      originalSeverity: event.originalSeverity,
      key: event.key,
      resources: event.resources,
      facts: event.facts,
    },
  };
}

function enrichedAlert(
  change: AlarmChange,
  decision: Extract<EpisodeDecision, { action: 'notify' }>,
  gathered: GatheredContext,
  deps: AlertEnricherDeps,
): EnrichedAlert {
  const tags = gathered.context.tags?.tags ?? {};
  const vigil = change.vigil;
  const playbook = vigil?.playbook ?? tags['vigil:playbook'];
  const severity = vigil?.severity ?? severityTag(tags['vigil:severity']) ?? deps.outsideAlarmSeverity;
  // A description that looks like Vigil's but is unreadable is not what the alarm means: the alert
  // names the alarm instead, and says why the description's parts are missing.
  const unreadableDescription: MissingContext[] =
    change.descriptionProblem === undefined
      ? []
      : [{ source: 'description', reason: `not readable: ${change.descriptionProblem}` }];
  const description = change.descriptionProblem === undefined ? change.description : undefined;
  return {
    notification: decision.notification,
    // Losing data is worth knowing, not worth waking anyone for. Losing it while in ALARM is news for
    // the open episode: it keeps the alarm's severity, so it reaches the same topic and chat thread
    // (PagerDuty does nothing with it; see pagerduty-event.ts).
    severity: decision.notification === 'no-data' && change.previousState !== 'ALARM' ? 'info' : severity,
    alarm: {
      name: change.alarmName,
      arn: change.alarmArn,
      account: change.account,
      region: change.region,
      kind: change.kind,
    },
    state: change.state,
    previousState: change.previousState,
    changedAt: change.changedAt,
    reason: change.reason,
    actionsSuppressed: change.actionsSuppressed,
    // The headline numbers are what CloudWatch evaluated; the gathered series is the trend and graph.
    evaluation: evaluationOf(change),
    valueUnit: valueUnitOf(change),
    service: vigil?.service ?? tags['vigil:service'] ?? 'unassigned',
    resource: vigil?.resource ?? tags['vigil:resource'],
    signal: vigil?.signal ?? tags['vigil:signal'],
    summary: vigil?.summary ?? description ?? `${change.alarmName} changed to ${change.state}`,
    thresholdReason: vigil?.threshold,
    owner: tags.Owner,
    runbook: vigil?.runbook ?? tags['vigil:runbook'],
    remediation: playbook ? remediationOf(playbook, deps.remediationPlaybooks) : undefined,
    episode: decision.episode,
    children: gathered.children,
    context: gathered.context,
    links: gathered.links,
    missing: [...unreadableDescription, ...gathered.missing],
  };
}

/** The alert from the event alone, for when enrichment itself broke. */
function bareAlert(change: AlarmChange, deps: AlertEnricherDeps, why: string): EnrichedAlert {
  return enrichedAlert(
    change,
    { action: 'notify', notification: notificationFor(change), episode: standaloneEpisode(change) },
    { context: {}, children: [], links: [], missing: [{ source: 'episodes', reason: why }] },
    deps,
  );
}

function unparseableAlert(error: string, raw: string, copy: RawEventCopy | undefined): EnrichedAlert {
  const now = new Date().toISOString();
  return {
    notification: 'unparseable',
    // Someone must look: it may be an alarm whose format changed.
    severity: 'high',
    alarm: { name: 'unparseable-event', arn: '', account: '', region: '', kind: 'metric' },
    state: 'ALARM',
    previousState: 'INSUFFICIENT_DATA',
    changedAt: now,
    reason: error,
    service: 'alerting',
    summary: `Vigil received an event it could not read: ${error}`,
    // One stable id: every unreadable event joins one PagerDuty incident and one chat thread.
    episode: { id: UNREADABLE_EPISODE_ID, openedAt: now, transitions: 1, flapping: false },
    children: [],
    context: {},
    links: copy?.stored ? [{ label: 'Whole event', url: copy.url }] : [],
    missing: [],
    rawEvent: raw,
    rawEventCopy: copy,
  };
}

function remediationOf(
  playbook: string,
  policies: AlertEnricherDeps['remediationPlaybooks'],
): NonNullable<EnrichedAlert['remediation']> {
  const policy = Object.hasOwn(policies, playbook) ? policies[playbook] : undefined;
  return policy === undefined ? { playbook } : { playbook, policy };
}

/** Without the episode table: what the change is by itself. No data is never a recovery (as episodes say by default). */
function notificationFor(change: AlarmChange): EpisodeNotification {
  if (change.state === 'ALARM') return 'alarm';
  return change.state === 'OK' ? 'resolved' : 'no-data';
}

function standaloneEpisode(change: AlarmChange) {
  return {
    id: `${change.alarmName}/${change.changedAt}`,
    openedAt: change.changedAt,
    transitions: 1,
    flapping: false,
  };
}

function severityTag(value: string | undefined): AlarmSeverity | undefined {
  return value === 'critical' || value === 'high' || value === 'warning' || value === 'info'
    ? value
    : undefined;
}

/** `make`, called on first use only; later calls get the same value. */
function once<T>(make: () => T): () => T {
  let made: { readonly value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

function isAlertLost(error: unknown): boolean {
  return error instanceof Error && error.name === 'AlertLostError';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
