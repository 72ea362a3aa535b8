import type { AlarmSeverity } from '../../constructs/contracts/alarm-severity';
import type { PlaybookPolicy } from '../../constructs/contracts/remediation';
import type { ActionsSuppression, AlarmChange, AlarmState } from '../shared/alarm-change';
import type { EventAlertKind, EventFact, EventResource } from './events/event-alert';

/**
 * What the alert tells the person receiving it:
 * - `alarm`: an episode opened (first ALARM);
 * - `reopened`: ALARM again shortly after a resolution, on the same thread;
 * - `flapping`: too many transitions in a short time; one alert stands for all of them;
 * - `resolved`: back to OK after an ALARM, on the same thread (or to no data, where the episode
 *   policy resolves on no data: closed, not recovered);
 * - `no-data`: the alarm lost its data. From ALARM (previous state ALARM) it is news on the open
 *   episode's thread: the alarm went blind while alarming, and the episode and its page stay open
 *   until OK. Otherwise the alarm lost its data while not in an episode;
 * - `updated`: a business alert, finding or Health event reported again while its episode is open
 *   (worse than before, or after a quiet window), on the same thread;
 * - `unparseable`: an event the enricher could not read, forwarded raw so it is not lost.
 *
 * For an event alert (`event` set), `alarm` opens its episode and `resolved` closes it.
 */
export type NotificationKind =
  | 'alarm'
  | 'reopened'
  | 'flapping'
  | 'resolved'
  | 'no-data'
  | 'updated'
  | 'unparseable';

/** The conversation an alert belongs to: one per alarm episode, shared by every format. */
export interface EpisodeRef {
  /** Stable for the whole episode, e.g. `vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z`. */
  readonly id: string;
  readonly openedAt: string;
  /** State transitions seen in this episode so far, this one included. */
  readonly transitions: number;
  readonly flapping: boolean;
}

export interface Datapoint {
  readonly timestamp: string;
  readonly value: number;
}

/**
 * The series around the breach (GetMetricData): the trend and the graph. Not the headline value: its
 * newest point is often a period still in progress when the alarm changes, so it reads lower (sums)
 * or different (percentiles) from what CloudWatch evaluated; that is {@link Evaluation}.
 */
export interface BreachData {
  /** Label of the series the alarm compares. */
  readonly label: string;
  /** Oldest first, the window around the transition; each stamped with its period's start. */
  readonly datapoints: readonly Datapoint[];
  /** Seconds each datapoint covers, when the alarm says. */
  readonly period?: number;
  readonly threshold?: number;
  /** Anomaly bands: the band at the transition. */
  readonly lowerBound?: number;
  readonly upperBound?: number;
}

/** Which values breach, as the alarm compares: its ComparisonOperator in words. */
export type BreachDirection =
  | 'above'
  | 'at-or-above'
  | 'below'
  | 'at-or-below'
  | 'outside-band'
  | 'above-band'
  | 'below-band';

/**
 * What CloudWatch evaluated for this change, from the event itself (`reasonData`): the one source of
 * the headline numbers, because these are the values the state was decided on.
 */
export interface Evaluation {
  /** The values of the evaluation range, oldest first (`recentDatapoints`). */
  readonly datapoints: readonly number[];
  readonly threshold?: number;
  /** Anomaly bands: the band's edges for each datapoint. */
  readonly lowerThresholds?: readonly number[];
  readonly upperThresholds?: readonly number[];
  /** From the alarm's comparison operator, or CloudWatch's reason sentence; absent when neither says. */
  readonly breaches?: BreachDirection;
}

/**
 * How the alarm's values read, when something says so: `percent` (already 0 to 100: the metric's unit
 * is Percent, or its label ends in `(%)`), `fraction` (0 to 1: the threshold sentence states the
 * threshold as a percentage and the threshold is that percentage over 100). Absent: shown as they are.
 */
export type ValueUnit = 'percent' | 'fraction';

export interface MetricGraph {
  /** Presigned GET URL of the PNG; it stops working at `expiresAt`. */
  readonly url: string;
  readonly expiresAt: string;
  /** Object key in the alert artifacts bucket. */
  readonly key: string;
}

export interface ErrorExcerpt {
  readonly message: string;
  readonly count: number;
}

export interface LogErrors {
  readonly logGroup: string;
  /** Most frequent first. */
  readonly top: readonly ErrorExcerpt[];
  /** Console link to the same Logs Insights query. */
  readonly queryUrl: string;
}

export interface FailingTrace {
  readonly id: string;
  readonly url: string;
  /** Seconds. */
  readonly durationSeconds?: number;
  readonly httpStatus?: number;
  readonly fault: boolean;
  readonly error: boolean;
  readonly throttle: boolean;
}

export interface StateTransition {
  readonly at: string;
  readonly from: AlarmState;
  readonly to: AlarmState;
}

export interface AlarmHistorySummary {
  readonly windowHours: number;
  /** State changes in the window, this one included. */
  readonly transitions: number;
  /** Transitions per hour over the window: 0 is steady, above 1 is flapping. */
  readonly flapScore: number;
  /** Newest first, at most a handful. */
  readonly recent: readonly StateTransition[];
}

export interface ResourceChange {
  readonly at: string;
  /** The API call, e.g. `UpdateAlias20150331`. */
  readonly event: string;
  /** Who made it (IAM user or role session). */
  readonly actor?: string;
  readonly resource: string;
}

/** Owner, runbook and playbook from the alarm's AWS tags. */
export interface AlarmTags {
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A part the alert lacks, and why: said in every format so nobody assumes "no errors". Besides the
 * context sources, `episodes` means the alert could not be deduplicated or threaded, and
 * `description` that the alarm's description looks like Vigil's but could not be read (so service,
 * severity, summary and runbook come from tags or defaults).
 */
export interface MissingContext {
  readonly source: ContextSource | 'episodes' | 'description';
  readonly reason: string;
}

export const CONTEXT_SOURCES = [
  'datapoints',
  'graph',
  'logs',
  'traces',
  'history',
  'changes',
  'tags',
] as const;
export type ContextSource = (typeof CONTEXT_SOURCES)[number];

/** Everything gathered; each part is absent when its source failed (then it is in `missing`). */
export interface AlertContext {
  readonly breach?: BreachData;
  readonly graph?: MetricGraph;
  readonly logs?: LogErrors;
  readonly traces?: readonly FailingTrace[];
  readonly history?: AlarmHistorySummary;
  readonly changes?: readonly ResourceChange[];
  readonly tags?: AlarmTags;
}

/**
 * Where the whole payload of an unreadable event is kept (the channels cut what exceeds their limits),
 * or why it could not be stored.
 */
export type RawEventCopy =
  | {
      readonly stored: true;
      /** Size of the payload, UTF-8. */
      readonly bytes: number;
      readonly bucket: string;
      /** Object key in the alert artifacts bucket, `unreadable/<date>/<sha256>.<json|txt>`. */
      readonly key: string;
      /** Presigned GET URL; it stops working at `expiresAt`. */
      readonly url: string;
      readonly expiresAt: string;
    }
  | { readonly stored: false; readonly bytes: number; readonly error: string };

/**
 * Every unreadable event is one PagerDuty incident and one chat thread, whatever its content: a format
 * change that makes every alarm unreadable pages once, not once per alarm.
 */
export const UNREADABLE_EPISODE_ID = 'vigil-unreadable-events';

export interface AlertLink {
  readonly label: string;
  readonly url: string;
}

/**
 * What an alert that is not about an alarm is about: a business alert, a GuardDuty or Security Hub
 * finding, an AWS Health event. Its title is the alert's `summary`, its text the `reason`.
 */
export interface AlertEvent {
  readonly kind: EventAlertKind;
  /** The EventBridge `source` and `detail-type` it arrived with. */
  readonly source: string;
  readonly detailType: string;
  /** Its severity in its service's terms, e.g. `GuardDuty High (8)`. */
  readonly originalSeverity: string;
  /** What makes reports the same problem (finding id, dedupe key…): the episode key. */
  readonly key: string;
  readonly resources: readonly EventResource[];
  readonly facts: readonly EventFact[];
}

export interface ChildAlarm {
  readonly name: string;
  readonly state: AlarmState;
  /** The child's Vigil summary when it has one. */
  readonly summary?: string;
}

/**
 * The one model every delivery format is rendered from. Built by the enricher from the alarm
 * change, the episode decision and the gathered context.
 */
export interface EnrichedAlert {
  readonly notification: NotificationKind;
  readonly severity: AlarmSeverity;
  readonly alarm: {
    readonly name: string;
    readonly arn: string;
    readonly account: string;
    readonly region: string;
    /** `event` for business alerts, findings and Health events (see {@link EnrichedAlert.event}). */
    readonly kind: AlarmChange['kind'] | 'event';
  };
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  readonly changedAt: string;
  /** CloudWatch's reason sentence. */
  readonly reason: string;
  /**
   * Composite alarms: CloudWatch suppressed the alarm's actions for this change. Every format says so
   * first; PagerDuty is not paged for it (the topic and chat still get it).
   */
  readonly actionsSuppressed?: ActionsSuppression;
  /**
   * The values CloudWatch evaluated for this change; absent when the event carried none (composites,
   * classic SNS notifications), and then the formats say where their number comes from.
   */
  readonly evaluation?: Evaluation;
  /** How to read the alarm's values (see {@link ValueUnit}); absent when nothing says. */
  readonly valueUnit?: ValueUnit;
  /** Service, resource and signal (Vigil alarms), or what is known of an outside alarm. */
  readonly service: string;
  readonly resource?: string;
  readonly signal?: string;
  /** What it means when this fires. */
  readonly summary: string;
  /** Why the threshold is what it is. */
  readonly thresholdReason?: string;
  readonly owner?: string;
  readonly runbook?: string;
  /**
   * The playbook the alarm names and how it runs in this environment; no policy when that playbook is
   * not deployed here (nothing will act).
   */
  readonly remediation?: { readonly playbook: string; readonly policy?: PlaybookPolicy };
  readonly episode: EpisodeRef;
  /** Composite alarms: children in ALARM. */
  readonly children: readonly ChildAlarm[];
  readonly context: AlertContext;
  /** Console deep links: alarm, metrics, logs, traces, runbook. */
  readonly links: readonly AlertLink[];
  readonly missing: readonly MissingContext[];
  /**
   * Business alerts, findings and Health events: what the event says. Their `state` is ALARM while
   * the problem is open and OK once resolved; `alarm` names the event (its title, finding or event
   * ARN, account, region, kind `event`).
   */
  readonly event?: AlertEvent;
  /** Unparseable events only: the payload as received, so nothing is lost. */
  readonly rawEvent?: string;
  /** Unparseable events only: the payload's stored copy, or why there is none. */
  readonly rawEventCopy?: RawEventCopy;
}
