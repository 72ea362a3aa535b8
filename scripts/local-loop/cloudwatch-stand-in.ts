import type { MetricStat as CloudWatchMetricStat, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type {
  AlarmDefinition,
  MetricAlarmDefinition,
  MetricDataQuery,
  MetricStat,
} from '../../constructs/alarm-engine/alarm-definition';
import { compileAlarmMetric } from '../../constructs/alarm-engine/compile-alarm-metric';
import type { AlarmSimulation } from '../../constructs/alarm-engine/simulated-time';
import type { LocalAws } from './local-aws';
import { drawMetricWidget, parseMetricWidget } from './metric-widget-image';

interface SdkMetricStat {
  Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };
  Period?: number;
  Stat?: string;
  Unit?: string;
}
interface SdkQuery {
  Id?: string;
  Expression?: string;
  MetricStat?: SdkMetricStat;
  ReturnData?: boolean;
  Period?: number;
  Label?: string;
}

/**
 * CloudWatch answered from the simulation: metric data from the metric feed (computed by the alarm
 * engine's own metric math), alarms and their history from the engine, on the simulated clock.
 */
export function standInCloudWatch(
  aws: LocalAws,
  simulation: AlarmSimulation,
  definitions: ReadonlyMap<string, AlarmDefinition>,
  arnOf: (name: string) => string,
  tags: ReadonlyMap<string, Readonly<Record<string, string>>>,
): void {
  const since = new Map<string, number>();
  simulation.engine.onTransition((transition) => since.set(transition.alarm, transition.at));

  aws.on(
    'CloudWatch.GetMetricData',
    (input: { MetricDataQueries?: SdkQuery[]; StartTime?: Date; EndTime?: Date }) => {
      const now = simulation.clock.now();
      return {
        MetricDataResults: metricData(
          simulation,
          (input.MetricDataQueries ?? []).map(fromSdkQuery),
          (input.StartTime ?? new Date(0)).getTime(),
          Math.min((input.EndTime ?? new Date(now)).getTime(), now),
        ),
      };
    },
  );

  aws.on('CloudWatch.GetMetricWidgetImage', (input: { MetricWidget?: string; OutputFormat?: string }) => {
    if (input.OutputFormat !== undefined && input.OutputFormat.toLowerCase() !== 'png') {
      throw Object.assign(
        new Error(`OutputFormat ${input.OutputFormat}: the local stand-in draws png only`),
        {
          name: 'InvalidParameterInput',
        },
      );
    }
    const now = simulation.clock.now();
    const widget = parseMetricWidget(input.MetricWidget ?? '', now);
    const end = Math.min(widget.end ?? now, now);
    const start = widget.start ?? end - 3 * 3600_000;
    const results = metricData(simulation, widget.queries, start, end);
    return {
      MetricWidgetImage: drawMetricWidget(widget, results, { start, end }),
    };
  });

  aws.on('CloudWatch.DescribeAlarms', (input: { AlarmNames?: string[] }) => {
    const names = input.AlarmNames ?? [...definitions.keys()];
    const MetricAlarms = names.flatMap((name) => {
      const definition = definitions.get(name);
      if (definition?.kind !== 'metric') return [];
      return [
        {
          ...toSdkAlarm(definition),
          AlarmArn: arnOf(name),
          StateValue: simulation.engine.state(name),
          StateUpdatedTimestamp: new Date(since.get(name) ?? 0),
        },
      ];
    });
    return { MetricAlarms, CompositeAlarms: [] };
  });

  aws.on('CloudWatch.ListTagsForResource', (input: { ResourceARN?: string }) => {
    const name = input.ResourceARN?.split(':alarm:')[1] ?? '';
    const found = tags.get(name);
    if (!found) {
      throw Object.assign(new Error(`no alarm ${input.ResourceARN}`), { name: 'ResourceNotFoundException' });
    }
    return { Tags: Object.entries(found).map(([Key, Value]) => ({ Key, Value })) };
  });

  aws.on(
    'CloudWatch.DescribeAlarmHistory',
    (input: { AlarmName?: string; StartDate?: Date; EndDate?: Date }) => {
      const from = input.StartDate?.getTime() ?? 0;
      const to = input.EndDate?.getTime() ?? simulation.clock.now();
      const AlarmHistoryItems = simulation.transitions
        .filter(
          (transition) =>
            transition.alarm === input.AlarmName && transition.at >= from && transition.at <= to,
        )
        .reverse()
        .map((transition) => ({
          AlarmName: transition.alarm,
          AlarmType: 'MetricAlarm',
          Timestamp: new Date(transition.at),
          HistoryItemType: 'StateUpdate',
          HistorySummary: `Alarm updated from ${transition.from} to ${transition.to}`,
          HistoryData: JSON.stringify({
            oldState: { stateValue: transition.from },
            newState: { stateValue: transition.to, stateReason: transition.reason },
          }),
        }));
      return { AlarmHistoryItems };
    },
  );
}

/**
 * GetMetricData's answer from the metric feed: each returned query computed by the alarm engine's
 * own metric math, one value per whole period between `start` and `end`.
 */
export function metricData(
  simulation: AlarmSimulation,
  queries: readonly MetricDataQuery[],
  start: number,
  end: number,
) {
  return queries
    .filter((query) => query.returnData !== false)
    .map((query) => {
      // The engine compiles a query set as an alarm does; only this query returns data.
      const compiled = compileAlarmMetric({
        kind: 'metric',
        name: `GetMetricData ${query.id}`,
        metrics: queries.map((other) => ({ ...other, returnData: other.id === query.id })),
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 1,
      });
      if (Array.isArray(compiled)) {
        return {
          Id: query.id,
          Label: query.label,
          StatusCode: 'InternalError',
          Timestamps: [],
          Values: [],
        };
      }
      const period = compiled.period * 1000;
      const Timestamps: Date[] = [];
      const Values: number[] = [];
      for (let from = Math.ceil(start / period) * period; from + period <= end; from += period) {
        const value = compiled.datapoint(simulation.feed, from + period).value;
        if (value === undefined) continue;
        Timestamps.push(new Date(from));
        Values.push(value);
      }
      return { Id: query.id, Label: query.label ?? query.id, StatusCode: 'Complete', Timestamps, Values };
    });
}

function fromSdkQuery(query: SdkQuery): MetricDataQuery {
  return {
    id: query.Id ?? '',
    ...(query.Expression === undefined ? {} : { expression: query.Expression }),
    ...(query.MetricStat ? { metricStat: fromSdkStat(query.MetricStat) } : {}),
    ...(query.ReturnData === undefined ? {} : { returnData: query.ReturnData }),
    ...(query.Period === undefined ? {} : { period: query.Period }),
    ...(query.Label === undefined ? {} : { label: query.Label }),
  };
}

function fromSdkStat(stat: SdkMetricStat): MetricStat {
  return {
    metric: {
      namespace: stat.Metric?.Namespace ?? '',
      metricName: stat.Metric?.MetricName ?? '',
      dimensions: Object.fromEntries(
        (stat.Metric?.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']),
      ),
    },
    period: stat.Period ?? 60,
    stat: stat.Stat ?? 'Average',
    ...(stat.Unit === undefined ? {} : { unit: stat.Unit }),
  };
}

/** A metric stat as the CloudWatch API takes it (GetMetricData, DescribeAlarms' metrics). */
export function toSdkStat(stat: MetricStat): CloudWatchMetricStat {
  return {
    Metric: {
      Namespace: stat.metric.namespace,
      MetricName: stat.metric.metricName,
      Dimensions: Object.entries(stat.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: stat.period,
    Stat: stat.stat,
    ...(stat.unit === undefined ? {} : { Unit: stat.unit as StandardUnit }),
  };
}

/** The alarm as DescribeAlarms returns its configuration. */
function toSdkAlarm(definition: MetricAlarmDefinition) {
  const single = definition.metricStat;
  return {
    AlarmName: definition.name,
    AlarmDescription: definition.description,
    ComparisonOperator: definition.comparisonOperator,
    EvaluationPeriods: definition.evaluationPeriods,
    DatapointsToAlarm: definition.datapointsToAlarm,
    Threshold: definition.threshold,
    TreatMissingData: definition.treatMissingData,
    ...(single
      ? {
          Namespace: single.metric.namespace,
          MetricName: single.metric.metricName,
          Dimensions: toSdkStat(single).Metric?.Dimensions,
          Period: single.period,
          Statistic: single.stat,
        }
      : {
          Metrics: (definition.metrics ?? []).map((query) => ({
            Id: query.id,
            Expression: query.expression,
            Label: query.label,
            Period: query.period,
            ReturnData: query.returnData ?? true,
            ...(query.metricStat ? { MetricStat: toSdkStat(query.metricStat) } : {}),
          })),
        }),
  };
}
