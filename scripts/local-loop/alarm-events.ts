import { randomUUID } from 'node:crypto';
import type {
  AlarmState,
  MetricAlarmDefinition,
  MetricDataQuery,
} from '../../constructs/alarm-engine/alarm-definition';
import type { AlarmEngine, EngineTransition } from '../../constructs/alarm-engine/alarm-engine';
import type { MetricSource } from '../../constructs/alarm-engine/compiled-metric';

/**
 * The EventBridge `CloudWatch Alarm State Change` event CloudWatch sends for an engine transition, in
 * the shape AWS documents (tests/fixtures/aws/alarm-events/): the alarm's configuration as the event
 * carries it, both states, and reasonData with the datapoints the engine evaluated.
 */
export function alarmStateChangeEvent(options: {
  readonly definition: MetricAlarmDefinition;
  readonly arn: string;
  readonly transition: EngineTransition;
  readonly previousSince: number;
  readonly engine: AlarmEngine;
  readonly source: MetricSource;
}): Record<string, unknown> {
  const { definition, arn, transition, engine, source } = options;
  const [, , , region, account] = arn.split(':');
  const compiled = engine.metricOf(definition.name);
  const period = compiled?.period ?? 60;
  // The evaluation range ending at the transition, oldest first, as reasonData lists it (newest first).
  const ends = Array.from(
    { length: definition.evaluationPeriods },
    (_, k) => transition.at - k * period * 1000,
  );
  const recentDatapoints = ends
    .map((end) => compiled?.datapoint(source, end).value)
    .filter((value): value is number => value !== undefined);
  const reasonData = {
    version: '1.0',
    queryDate: cloudWatchTime(transition.at),
    startDate: cloudWatchTime((ends.at(-1) ?? transition.at) - period * 1000),
    period,
    recentDatapoints,
    ...(definition.threshold === undefined ? {} : { threshold: definition.threshold }),
  };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: new Date(transition.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [arn],
    detail: {
      alarmName: definition.name,
      configuration: {
        ...(definition.description === undefined ? {} : { description: definition.description }),
        metrics: eventMetrics(definition),
      },
      previousState: state(transition.from, 'previous state', options.previousSince),
      state: {
        value: transition.to,
        reason: transition.reason,
        reasonData: JSON.stringify(reasonData),
        timestamp: cloudWatchTime(transition.at),
      },
    },
  };
}

function state(value: AlarmState, reason: string, at: number) {
  return { value, reason, timestamp: cloudWatchTime(at) };
}

/** `2019-10-02T17:20:48.554+0000`, as CloudWatch writes state timestamps. */
function cloudWatchTime(at: number): string {
  return new Date(at).toISOString().replace('Z', '+0000');
}

/** `detail.configuration.metrics`: a single-metric alarm's metric under a generated id (AWS uses a UUID), or each query. */
function eventMetrics(definition: MetricAlarmDefinition): unknown[] {
  const queries: readonly MetricDataQuery[] = definition.metrics ?? [
    { id: randomUUID(), metricStat: definition.metricStat, returnData: true },
  ];
  return queries.map((query) => ({
    id: query.id,
    ...(query.expression === undefined ? {} : { expression: query.expression }),
    ...(query.label === undefined ? {} : { label: query.label }),
    returnData: query.returnData ?? true,
    ...(query.period === undefined ? {} : { period: query.period }),
    ...(query.metricStat
      ? {
          metricStat: {
            metric: {
              namespace: query.metricStat.metric.namespace,
              name: query.metricStat.metric.metricName,
              dimensions: query.metricStat.metric.dimensions,
            },
            period: query.metricStat.period,
            stat: query.metricStat.stat,
            ...(query.metricStat.unit === undefined ? {} : { unit: query.metricStat.unit }),
          },
        }
      : {}),
  }));
}
