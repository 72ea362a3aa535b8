import {
  type AlarmDescription,
  parseAlarmDescription,
  readAlarmDescription,
} from '../../constructs/contracts/alarm-description';
import {
  type ActionsSuppression,
  ALARM_STATES,
  type AlarmChange,
  type AlarmKind,
  type AlarmMetricQuery,
  type AlarmMetricStat,
  type TriggeringAlarm,
} from './alarm-change';
import * as z from './zod';
import { describeIssues } from './zod-issues';

/** One item of an invocation: an alarm change, or input that is not one (kept raw, never dropped). */
export type ParsedAlarmEvent =
  | { readonly ok: true; readonly change: AlarmChange }
  | { readonly ok: false; readonly error: string; readonly raw: string };

const state = z.enum(ALARM_STATES);
const alarmArn = z.string().check(
  z.regex(/^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/, {
    error: 'must be a CloudWatch alarm ARN',
  }),
);
const stateDetail = z.object({
  value: state,
  reason: z._default(z.string(), ''),
  reasonData: z.optional(z.string()),
  timestamp: z.string(),
  // Composite alarms with an actions suppressor ("State change for a composite alarm with a
  // suppressor alarm", CloudWatch User Guide): why CloudWatch is not taking the alarm's actions.
  actionsSuppressedBy: z.optional(z.string()),
  actionsSuppressedReason: z.optional(z.string()),
});
const eventMetric = z.object({
  id: z.string(),
  expression: z.optional(z.string()),
  label: z.optional(z.string()),
  returnData: z.optional(z.boolean()),
  period: z.optional(z.number()),
  metricStat: z.optional(
    z.object({
      metric: z.object({
        namespace: z.string(),
        name: z.string(),
        dimensions: z._default(z.record(z.string(), z.string()), {}),
      }),
      period: z.number(),
      stat: z.string(),
      unit: z.optional(z.string()),
    }),
  ),
});

/** EventBridge `CloudWatch Alarm State Change` (what Vigil's own alarms arrive as). */
const eventBridgeEvent = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string(),
  region: z.string(),
  time: z.string(),
  resources: z.tuple([alarmArn], z.string()),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: stateDetail,
    previousState: stateDetail,
    configuration: z._default(
      z.object({
        description: z.optional(z.string()),
        metrics: z.optional(z.array(eventMetric)),
        alarmRule: z.optional(z.string()),
        actionsSuppressor: z.optional(z.string()),
        actionsSuppressorWaitPeriod: z.optional(z.number()),
        actionsSuppressorExtensionPeriod: z.optional(z.number()),
      }),
      {},
    ),
  }),
});

const classicDimension = z.object({ name: z.string(), value: z.string() });
const classicMetric = z.object({
  Id: z.string(),
  Expression: z.optional(z.string()),
  Label: z.optional(z.string()),
  ReturnData: z.optional(z.boolean()),
  Period: z.optional(z.number()),
  MetricStat: z.optional(
    z.object({
      Metric: z.object({
        Namespace: z.string(),
        MetricName: z.string(),
        Dimensions: z._default(z.array(classicDimension), []),
      }),
      Period: z.number(),
      Stat: z.string(),
      Unit: z.nullish(z.string()),
    }),
  ),
});

/** The JSON CloudWatch publishes to an SNS alarm action (alarms made outside Vigil). */
const classicNotification = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmDescription: z.nullish(z.string()),
  AlarmArn: alarmArn,
  NewStateValue: state,
  OldStateValue: state,
  NewStateReason: z._default(z.string(), ''),
  StateChangeTime: z.string(),
  AlarmRule: z.nullish(z.string()),
  Trigger: z.nullish(
    z.object({
      MetricName: z.nullish(z.string()),
      Namespace: z.nullish(z.string()),
      Statistic: z.nullish(z.string()),
      ExtendedStatistic: z.nullish(z.string()),
      Unit: z.nullish(z.string()),
      Dimensions: z.nullish(z.array(classicDimension)),
      Period: z.nullish(z.number()),
      ComparisonOperator: z.nullish(z.string()),
      Threshold: z.nullish(z.number()),
      ThresholdMetricId: z.nullish(z.string()),
      Metrics: z.nullish(z.array(classicMetric)),
    }),
  ),
});

const snsEvent = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({ MessageId: z.string(), Message: z.string(), Timestamp: z.optional(z.string()) }),
      }),
    )
    .check(z.minLength(1)),
});

/** What CloudWatch explains in `reasonData`; every field is optional because its shape varies by alarm kind. */
const reasonData = z.catch(
  z.object({
    threshold: z.optional(z.number()),
    recentDatapoints: z.optional(z.array(z.number())),
    recentLowerThresholds: z.optional(z.array(z.number())),
    recentUpperThresholds: z.optional(z.array(z.number())),
    triggeringAlarms: z.optional(
      z.array(
        z.object({ arn: z.string(), state: z.object({ value: state, timestamp: z.optional(z.string()) }) }),
      ),
    ),
  }),
  {},
);

/**
 * Reads an invocation of the enricher: an EventBridge alarm state change, or an SNS event carrying
 * classic alarm notifications. Anything else comes back as one unparseable item with the payload
 * as received and a specific reason, so it can still be forwarded to a human.
 */
export function parseAlarmEvent(input: unknown): ParsedAlarmEvent[] {
  const raw = rawText(input);
  if (isObject(input) && 'Records' in input) {
    const sns = snsEvent.safeParse(input);
    if (!sns.success)
      return [{ ok: false, error: `Not an SNS event: ${describeIssues(sns.error, 'event')}`, raw }];
    return sns.data.Records.map((record) =>
      parseClassicNotification(record.Sns.MessageId, record.Sns.Message),
    );
  }
  const event = eventBridgeEvent.safeParse(input);
  if (!event.success) {
    return [
      {
        ok: false,
        error: `Not a CloudWatch alarm state change: ${describeIssues(event.error, 'event')}`,
        raw,
      },
    ];
  }
  return [{ ok: true, change: fromEventBridge(event.data) }];
}

function fromEventBridge(event: z.infer<typeof eventBridgeEvent>): AlarmChange {
  const { detail } = event;
  const configuration = detail.configuration;
  const metrics: AlarmMetricQuery[] = (configuration.metrics ?? []).map((metric) => ({
    id: metric.id,
    expression: metric.expression,
    label: metric.label,
    returnData: metric.returnData ?? true,
    period: metric.period,
    metricStat: metric.metricStat && {
      namespace: metric.metricStat.metric.namespace,
      metricName: metric.metricStat.metric.name,
      dimensions: metric.metricStat.metric.dimensions,
      period: metric.metricStat.period,
      stat: metric.metricStat.stat,
      unit: metric.metricStat.unit,
    },
  }));
  const reason = parseReasonData(detail.state.reasonData);
  const alarmArn = event.resources[0];
  return {
    origin: 'eventbridge',
    eventId: event.id,
    alarmArn,
    alarmName: detail.alarmName,
    account: event.account,
    region: event.region,
    kind: kindOf(metrics, configuration.alarmRule),
    state: detail.state.value,
    previousState: detail.previousState.value,
    changedAt: isoTime(detail.state.timestamp) ?? isoTime(event.time) ?? event.time,
    ...definedOnly({ previousChangedAt: isoTime(detail.previousState.timestamp) }),
    reason: detail.state.reason,
    description: configuration.description,
    ...vigilDescriptionOf(configuration.description),
    metrics,
    // EventBridge carries no threshold in the configuration; CloudWatch states it in reasonData.
    threshold: reason.threshold,
    thresholdMetricId: anomalyBandId(metrics),
    recentDatapoints: reason.recentDatapoints ?? [],
    recentLowerThresholds: reason.recentLowerThresholds,
    recentUpperThresholds: reason.recentUpperThresholds,
    alarmRule: configuration.alarmRule,
    triggeringAlarms: triggeringAlarmsOf(reason),
    ...definedOnly({ actionsSuppressed: actionsSuppressionOf(detail.state, configuration) }),
  };
}

/** The suppression CloudWatch states for this change; undefined when its actions were not suppressed. */
function actionsSuppressionOf(
  detail: z.infer<typeof stateDetail>,
  configuration: z.infer<typeof eventBridgeEvent>['detail']['configuration'],
): ActionsSuppression | undefined {
  const by = detail.actionsSuppressedBy?.trim();
  if (!by) return undefined;
  return {
    by,
    reason: detail.actionsSuppressedReason ?? '',
    ...definedOnly({
      suppressor: configuration.actionsSuppressor,
      waitPeriodSeconds: configuration.actionsSuppressorWaitPeriod,
      extensionPeriodSeconds: configuration.actionsSuppressorExtensionPeriod,
    }),
  };
}

/** Starts like the JSON Vigil's monitoring constructs write (`{"vigil":1,…`), spacing aside. */
const VIGIL_LIKE = /^\{\s*"vigil"\s*:/;

/**
 * The Vigil description, or why a description that looks like Vigil's JSON could not be read, so the
 * alert names the alarm and the problem instead of showing the JSON as what the alarm means.
 */
function vigilDescriptionOf(text: string | undefined): {
  vigil?: AlarmDescription;
  descriptionProblem?: string;
} {
  const vigil = parseAlarmDescription(text);
  if (vigil !== undefined) return { vigil };
  const trimmed = text?.trim() ?? '';
  if (!trimmed.startsWith('{')) return {};
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    return VIGIL_LIKE.test(trimmed)
      ? { descriptionProblem: `not JSON: ${error instanceof Error ? error.message : String(error)}` }
      : {};
  }
  if (!isObject(json) || Array.isArray(json) || !Object.hasOwn(json, 'vigil')) return {};
  const reading = readAlarmDescription(json);
  return {
    descriptionProblem: reading.ok
      ? 'not as Vigil writes it: it must start with {"vigil":'
      : reading.problems.join('; '),
  };
}

/** The record without its undefined entries, so optional fields are absent rather than undefined. */
function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function parseClassicNotification(messageId: string, message: string): ParsedAlarmEvent {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return {
      ok: false,
      error: 'SNS message is not JSON, so not a CloudWatch alarm notification',
      raw: message,
    };
  }
  const parsed = classicNotification.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: `SNS message is not a CloudWatch alarm notification: ${describeIssues(parsed.error, 'message')}`,
      raw: message,
    };
  }
  const notification = parsed.data;
  const trigger = notification.Trigger ?? undefined;
  const metrics = trigger ? classicMetrics(trigger) : [];
  // Classic notifications name the region in words (`EU (Ireland)`); the ARN has its code.
  const [, , , region = '', account = ''] = notification.AlarmArn.split(':');
  const description = notification.AlarmDescription ?? undefined;
  return {
    ok: true,
    change: {
      origin: 'sns',
      eventId: messageId,
      alarmArn: notification.AlarmArn,
      alarmName: notification.AlarmName,
      account,
      region,
      kind: kindOf(metrics, notification.AlarmRule ?? undefined),
      state: notification.NewStateValue,
      previousState: notification.OldStateValue,
      changedAt: isoTime(notification.StateChangeTime) ?? notification.StateChangeTime,
      reason: notification.NewStateReason,
      description,
      ...vigilDescriptionOf(description),
      metrics,
      threshold: trigger?.Threshold ?? undefined,
      comparisonOperator: trigger?.ComparisonOperator ?? undefined,
      thresholdMetricId: trigger?.ThresholdMetricId ?? anomalyBandId(metrics),
      recentDatapoints: [],
      alarmRule: notification.AlarmRule ?? undefined,
      triggeringAlarms: [],
    },
  };
}

/** A classic trigger names either one metric (old style) or a metric list (math and anomaly alarms). */
function classicMetrics(
  trigger: NonNullable<z.infer<typeof classicNotification>['Trigger']>,
): AlarmMetricQuery[] {
  if (trigger.Metrics && trigger.Metrics.length > 0) {
    return trigger.Metrics.map((metric) => ({
      id: metric.Id,
      expression: metric.Expression,
      label: metric.Label,
      returnData: metric.ReturnData ?? true,
      period: metric.Period,
      metricStat: metric.MetricStat && {
        namespace: metric.MetricStat.Metric.Namespace,
        metricName: metric.MetricStat.Metric.MetricName,
        dimensions: dimensionMap(metric.MetricStat.Metric.Dimensions),
        period: metric.MetricStat.Period,
        stat: metric.MetricStat.Stat,
        unit: metric.MetricStat.Unit ?? undefined,
      },
    }));
  }
  if (!trigger.MetricName || !trigger.Namespace || !trigger.Period) return [];
  const stat: AlarmMetricStat = {
    namespace: trigger.Namespace,
    metricName: trigger.MetricName,
    dimensions: dimensionMap(trigger.Dimensions ?? []),
    period: trigger.Period,
    // Classic notifications spell statistics in upper case (`AVERAGE`); GetMetricData wants `Average`.
    stat: trigger.ExtendedStatistic ?? capitalized(trigger.Statistic ?? 'Average'),
    unit: trigger.Unit ?? undefined,
  };
  return [{ id: 'm1', metricStat: stat, returnData: true }];
}

function kindOf(metrics: readonly AlarmMetricQuery[], alarmRule: string | undefined): AlarmKind {
  if (alarmRule !== undefined) return 'composite';
  if (anomalyBandId(metrics) !== undefined) return 'anomaly-band';
  return metrics.some((metric) => metric.expression !== undefined) ? 'metric-math' : 'metric';
}

function anomalyBandId(metrics: readonly AlarmMetricQuery[]): string | undefined {
  return metrics.find((metric) => /^\s*ANOMALY_DETECTION_BAND\s*\(/i.test(metric.expression ?? ''))?.id;
}

function parseReasonData(text: string | undefined): z.infer<typeof reasonData> {
  if (!text) return {};
  try {
    return reasonData.parse(JSON.parse(text));
  } catch {
    return {};
  }
}

function triggeringAlarmsOf(reason: z.infer<typeof reasonData>): TriggeringAlarm[] {
  return (reason.triggeringAlarms ?? []).map((alarm) => ({
    arn: alarm.arn,
    name: alarm.arn.split(':alarm:')[1] ?? alarm.arn,
    state: alarm.state.value,
    changedAt: alarm.state.timestamp && (isoTime(alarm.state.timestamp) ?? alarm.state.timestamp),
  }));
}

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`, which `Date` reads only with a colon in the offset. */
function isoTime(text: string): string | undefined {
  const date = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function dimensionMap(dimensions: readonly { name: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(dimensions.map((dimension) => [dimension.name, dimension.value]));
}

function capitalized(statistic: string): string {
  const lower = statistic.toLowerCase();
  return lower === 'samplecount' ? 'SampleCount' : lower.charAt(0).toUpperCase() + lower.slice(1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The payload as received, for a human to read when it cannot be parsed. */
function rawText(input: unknown): string {
  if (typeof input === 'string') return input;
  try {
    return JSON.stringify(input) ?? String(input);
  } catch {
    return String(input);
  }
}
