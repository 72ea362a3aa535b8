import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import type { RemediationMode } from '../../../constructs/contracts/remediation';
import type { AlarmState } from '../../shared/alarm-change';
import type {
  BreachDirection,
  EnrichedAlert,
  EpisodeRef,
  NotificationKind,
  ValueUnit,
} from '../enriched-alert';
import type { EventAlertKind } from '../events/event-alert';
import { alertTitle } from './email-text';

export const STRUCTURED_ALERT_SCHEMA = 'vigil.alert/1';

/**
 * The alert for machines (webhooks, queue subscribers). Every key is always present, `null` when its
 * part is unknown, so consumers never guess between "absent" and "renamed". The shape is spelled out
 * here rather than copied from the model: a field added to the model does not change the schema
 * until it is added here, with the version bumped when a field changes meaning.
 */
export interface StructuredAlert {
  readonly schema: typeof STRUCTURED_ALERT_SCHEMA;
  /** The one-line title humans see (email subject, chat title), untruncated. */
  readonly title: string;
  readonly notification: NotificationKind;
  readonly severity: AlarmSeverity;
  readonly alarm: {
    readonly name: string;
    readonly arn: string;
    readonly account: string;
    readonly region: string;
    readonly kind: EnrichedAlert['alarm']['kind'];
  };
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  readonly changedAt: string;
  readonly reason: string;
  /**
   * Composite alarms whose actions CloudWatch suppressed for this change (`by`: `Alarm`, `WaitPeriod`
   * or `ExtensionPeriod`, as CloudWatch spells it); null when not suppressed. Such a change pages no one.
   */
  readonly actionsSuppressed: {
    readonly by: string;
    readonly reason: string;
    readonly suppressor: string | null;
    readonly waitPeriodSeconds: number | null;
    readonly extensionPeriodSeconds: number | null;
  } | null;
  /**
   * What CloudWatch evaluated for this change (the event's reasonData), the values the state was
   * decided on; null when the event carried none. `context.breach` is the series around it.
   */
  readonly evaluation: {
    readonly datapoints: readonly number[];
    readonly threshold: number | null;
    readonly lowerThresholds: readonly number[] | null;
    readonly upperThresholds: readonly number[] | null;
    readonly breaches: BreachDirection | null;
  } | null;
  /** `percent` (0 to 100) or `fraction` (0 to 1) when something says how the values read. */
  readonly valueUnit: ValueUnit | null;
  readonly service: string;
  readonly resource: string | null;
  readonly signal: string | null;
  readonly summary: string;
  readonly thresholdReason: string | null;
  readonly owner: string | null;
  readonly runbook: string | null;
  /** `mode` null: the playbook is not deployed in this environment, so nothing will act. */
  readonly remediation: {
    readonly playbook: string;
    readonly mode: RemediationMode | null;
    readonly approval: boolean;
  } | null;
  readonly episode: EpisodeRef;
  readonly children: readonly {
    readonly name: string;
    readonly state: AlarmState;
    readonly summary: string | null;
  }[];
  readonly context: StructuredContext;
  readonly links: readonly { readonly label: string; readonly url: string }[];
  readonly missing: readonly { readonly source: string; readonly reason: string }[];
  /**
   * Business alerts, GuardDuty and Security Hub findings and AWS Health events (`alarm.kind` is
   * `event`): what the event is and says; null for alarm alerts.
   */
  readonly event: {
    readonly kind: EventAlertKind;
    readonly source: string;
    readonly detailType: string;
    /** The severity in the service's own terms, e.g. `GuardDuty High (8)`. */
    readonly originalSeverity: string;
    /** The episode key: finding id, Health event ARN, business dedupe key (with their scope). */
    readonly key: string;
    readonly resources: readonly {
      readonly type: string | null;
      readonly id: string;
      readonly region: string | null;
      readonly status: string | null;
    }[];
    readonly facts: readonly { readonly label: string; readonly value: string }[];
  } | null;
  readonly rawEvent: string | null;
  /**
   * Unparseable events: where the whole payload is stored (`rawEvent` may be cut to fit), or why it is
   * not (`stored` false, `error` set); null for every other alert.
   */
  readonly rawEventCopy: {
    readonly stored: boolean;
    readonly bytes: number;
    readonly bucket: string | null;
    readonly key: string | null;
    readonly url: string | null;
    readonly expiresAt: string | null;
    readonly error: string | null;
  } | null;
}

export interface StructuredContext {
  readonly breach: {
    readonly label: string;
    readonly datapoints: readonly { readonly timestamp: string; readonly value: number }[];
    readonly threshold: number | null;
    readonly lowerBound: number | null;
    readonly upperBound: number | null;
  } | null;
  readonly graph: { readonly url: string; readonly expiresAt: string; readonly key: string } | null;
  readonly logs: {
    readonly logGroup: string;
    readonly top: readonly { readonly message: string; readonly count: number }[];
    readonly queryUrl: string;
  } | null;
  readonly traces:
    | readonly {
        readonly id: string;
        readonly url: string;
        readonly durationSeconds: number | null;
        readonly httpStatus: number | null;
        readonly fault: boolean;
        readonly error: boolean;
        readonly throttle: boolean;
      }[]
    | null;
  readonly history: {
    readonly windowHours: number;
    readonly transitions: number;
    readonly flapScore: number;
    readonly recent: readonly { readonly at: string; readonly from: AlarmState; readonly to: AlarmState }[];
  } | null;
  readonly changes:
    | readonly {
        readonly at: string;
        readonly event: string;
        readonly actor: string | null;
        readonly resource: string;
      }[]
    | null;
  readonly tags: Readonly<Record<string, string>> | null;
}

export function toStructuredAlert(alert: EnrichedAlert): StructuredAlert {
  const { breach, graph, logs, traces, history, changes, tags } = alert.context;
  return {
    schema: STRUCTURED_ALERT_SCHEMA,
    title: alertTitle(alert),
    notification: alert.notification,
    severity: alert.severity,
    alarm: {
      name: alert.alarm.name,
      arn: alert.alarm.arn,
      account: alert.alarm.account,
      region: alert.alarm.region,
      kind: alert.alarm.kind,
    },
    state: alert.state,
    previousState: alert.previousState,
    changedAt: alert.changedAt,
    reason: alert.reason,
    actionsSuppressed: alert.actionsSuppressed
      ? {
          by: alert.actionsSuppressed.by,
          reason: alert.actionsSuppressed.reason,
          suppressor: alert.actionsSuppressed.suppressor ?? null,
          waitPeriodSeconds: alert.actionsSuppressed.waitPeriodSeconds ?? null,
          extensionPeriodSeconds: alert.actionsSuppressed.extensionPeriodSeconds ?? null,
        }
      : null,
    evaluation: alert.evaluation
      ? {
          datapoints: [...alert.evaluation.datapoints],
          threshold: alert.evaluation.threshold ?? null,
          lowerThresholds: alert.evaluation.lowerThresholds ? [...alert.evaluation.lowerThresholds] : null,
          upperThresholds: alert.evaluation.upperThresholds ? [...alert.evaluation.upperThresholds] : null,
          breaches: alert.evaluation.breaches ?? null,
        }
      : null,
    valueUnit: alert.valueUnit ?? null,
    service: alert.service,
    resource: alert.resource ?? null,
    signal: alert.signal ?? null,
    summary: alert.summary,
    thresholdReason: alert.thresholdReason ?? null,
    owner: alert.owner ?? null,
    runbook: alert.runbook ?? null,
    remediation: alert.remediation
      ? {
          playbook: alert.remediation.playbook,
          mode: alert.remediation.policy?.mode ?? null,
          approval: alert.remediation.policy?.approval ?? false,
        }
      : null,
    episode: {
      id: alert.episode.id,
      openedAt: alert.episode.openedAt,
      transitions: alert.episode.transitions,
      flapping: alert.episode.flapping,
    },
    children: alert.children.map((child) => ({
      name: child.name,
      state: child.state,
      summary: child.summary ?? null,
    })),
    context: {
      breach: breach
        ? {
            label: breach.label,
            datapoints: breach.datapoints.map((point) => ({
              timestamp: point.timestamp,
              value: point.value,
            })),
            threshold: breach.threshold ?? null,
            lowerBound: breach.lowerBound ?? null,
            upperBound: breach.upperBound ?? null,
          }
        : null,
      graph: graph ? { url: graph.url, expiresAt: graph.expiresAt, key: graph.key } : null,
      logs: logs
        ? {
            logGroup: logs.logGroup,
            top: logs.top.map((error) => ({ message: error.message, count: error.count })),
            queryUrl: logs.queryUrl,
          }
        : null,
      traces:
        traces?.map((trace) => ({
          id: trace.id,
          url: trace.url,
          durationSeconds: trace.durationSeconds ?? null,
          httpStatus: trace.httpStatus ?? null,
          fault: trace.fault,
          error: trace.error,
          throttle: trace.throttle,
        })) ?? null,
      history: history
        ? {
            windowHours: history.windowHours,
            transitions: history.transitions,
            flapScore: history.flapScore,
            recent: history.recent.map((transition) => ({
              at: transition.at,
              from: transition.from,
              to: transition.to,
            })),
          }
        : null,
      changes:
        changes?.map((change) => ({
          at: change.at,
          event: change.event,
          actor: change.actor ?? null,
          resource: change.resource,
        })) ?? null,
      tags: tags ? { ...tags.tags } : null,
    },
    links: alert.links.map((link) => ({ label: link.label, url: link.url })),
    missing: alert.missing.map((missing) => ({ source: missing.source, reason: missing.reason })),
    event: alert.event
      ? {
          kind: alert.event.kind,
          source: alert.event.source,
          detailType: alert.event.detailType,
          originalSeverity: alert.event.originalSeverity,
          key: alert.event.key,
          resources: alert.event.resources.map((resource) => ({
            type: resource.type ?? null,
            id: resource.id,
            region: resource.region ?? null,
            status: resource.status ?? null,
          })),
          facts: alert.event.facts.map((fact) => ({ label: fact.label, value: fact.value })),
        }
      : null,
    rawEvent: alert.rawEvent ?? null,
    rawEventCopy: rawEventCopyOf(alert.rawEventCopy),
  };
}

function rawEventCopyOf(copy: EnrichedAlert['rawEventCopy']): StructuredAlert['rawEventCopy'] {
  if (copy === undefined) return null;
  return copy.stored
    ? {
        stored: true,
        bytes: copy.bytes,
        bucket: copy.bucket,
        key: copy.key,
        url: copy.url,
        expiresAt: copy.expiresAt,
        error: null,
      }
    : {
        stored: false,
        bytes: copy.bytes,
        bucket: null,
        key: null,
        url: null,
        expiresAt: null,
        error: copy.error,
      };
}
