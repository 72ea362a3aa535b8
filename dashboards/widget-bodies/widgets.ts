import type { MetricRow, UnplacedWidget } from './dashboard-body';

// The widget builders both kinds of dashboard use: the synth-time ones (service-dashboard.ts,
// operations-overview.ts, through JsonWidget) and the live ones the dashboard updater writes. Values
// may be CDK tokens rendered as strings (an alarm ARN, the region): the synth-time dashboard resolves
// them when it renders its body, the Lambda never sees one.

/** A markdown text widget; transparent, so headings read as part of the page. */
export function textWidget(markdown: string, size: { width: number; height: number }): UnplacedWidget {
  return { type: 'text', ...size, properties: { markdown, background: 'transparent' } };
}

/** The heading above a resource's graphs: `## <kind> <name>`. */
export function resourceHeading(kind: string, name: string): UnplacedWidget {
  return textWidget(`## ${kind} ${name}`, { width: 24, height: 1 });
}

export interface AlarmStatusOptions {
  readonly title: string;
  /** ARNs of the alarms, at most 100 (CloudWatch's limit for one alarm status widget). */
  readonly alarmArns: readonly string[];
  readonly width: number;
  readonly height: number;
  /** @default CloudWatch's default order */
  readonly sortBy?: 'stateUpdatedTimestamp';
}

/** The state of a list of alarms. */
export function alarmStatusWidget(options: AlarmStatusOptions): UnplacedWidget {
  if (options.alarmArns.length > 100) {
    throw new Error(
      `alarm status widget ${options.title}: ${options.alarmArns.length} alarms, at most 100 fit`,
    );
  }
  return {
    type: 'alarm',
    width: options.width,
    height: options.height,
    properties: {
      title: options.title,
      alarms: [...options.alarmArns],
      ...(options.sortBy && { sortBy: options.sortBy }),
    },
  };
}

/** One alarm's metric graphed against its threshold (the alarm annotation draws both). */
export function alarmGraphWidget(options: {
  readonly alarmArn: string;
  readonly title: string;
  readonly region: string;
}): UnplacedWidget {
  return {
    type: 'metric',
    width: 8,
    height: 6,
    properties: {
      view: 'timeSeries',
      title: options.title,
      region: options.region,
      annotations: { alarms: [options.alarmArn] },
    },
  };
}

/** A time-series graph of metrics, each row carrying its own statistic and label. */
export function metricGraphWidget(options: {
  readonly title: string;
  readonly region: string;
  readonly metrics: readonly MetricRow[];
  /** Seconds. @default 300 */
  readonly period?: number;
}): UnplacedWidget {
  return {
    type: 'metric',
    width: 8,
    height: 6,
    properties: {
      view: 'timeSeries',
      title: options.title,
      region: options.region,
      metrics: options.metrics.map((row) => [...row]),
      period: options.period ?? 300,
    },
  };
}
