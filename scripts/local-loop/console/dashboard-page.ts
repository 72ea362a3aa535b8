import { GetMetricDataCommand, type MetricDataQuery as SdkQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricAlarmDefinition } from '../../../constructs/alarm-engine/alarm-definition';
import { toSdkStat } from '../cloudwatch-stand-in';
import { deployedValue } from '../deployed-values';
import type { RunResources } from '../scenario';
import { escapeHtml, notFound, type Page } from './html';
import { type ChartSeries, lineChartSvg } from './line-chart';

/** One widget of a dashboard body, as CloudWatch's dashboard body structure has it. */
interface Widget {
  readonly type: string;
  readonly x?: number;
  readonly y?: number;
  readonly width?: number;
  readonly height?: number;
  readonly properties?: {
    readonly title?: string;
    readonly markdown?: string;
    readonly view?: string;
    readonly stat?: string;
    readonly period?: number;
    readonly metrics?: readonly (readonly unknown[])[];
    readonly annotations?: { readonly alarms?: readonly string[] };
    readonly alarms?: readonly string[];
    readonly query?: string;
  };
}

export interface SynthesizedDashboard {
  readonly name: string;
  readonly widgets: readonly Widget[];
}

/** Every `AWS::CloudWatch::Dashboard` of the run's app, its body resolved as CloudFormation would. */
export function synthesizedDashboards(resources: RunResources): SynthesizedDashboard[] {
  return resources.reader.resources('AWS::CloudWatch::Dashboard').map((dashboard) => {
    const { DashboardName, DashboardBody } = dashboard.properties;
    const name =
      DashboardName === undefined ? dashboard.logicalId : deployedValue(DashboardName, dashboard.stack);
    const body = JSON.parse(deployedValue(DashboardBody, dashboard.stack)) as { widgets?: Widget[] };
    return { name, widgets: body.widgets ?? [] };
  });
}

export function dashboardsIndex(resources: RunResources | undefined): Page {
  if (!resources) return { title: 'Dashboards', body: '<p>The run has not opened its local AWS yet.</p>' };
  const items = synthesizedDashboards(resources).map(
    (d) =>
      `<li><a href="/dashboards/${encodeURIComponent(d.name)}">${escapeHtml(d.name)}</a> <span class="muted">${d.widgets.length} widgets</span></li>`,
  );
  return { title: 'Dashboards', body: `<ul>${items.join('')}</ul>` };
}

/**
 * A synthesized dashboard as a grid of its widgets (24 columns, as CloudWatch lays them out): metric
 * widgets as line charts of the run's metrics (GetMetricData on the run's CloudWatch stand-in, the
 * alarm's own metrics for an alarm widget), text widgets as text, the others described.
 */
export async function dashboardPage(resources: RunResources | undefined, name: string): Promise<Page> {
  if (!resources) return notFound('The run has not opened its local AWS yet.');
  const dashboard = synthesizedDashboards(resources).find((candidate) => candidate.name === name);
  if (!dashboard) return notFound(`No dashboard named ${name} in the synthesized app.`);
  const from = resources.timeline.start - 30 * 60_000;
  const to = resources.simulation.clock.now();
  const cells = await Promise.all(
    dashboard.widgets.map(async (widget) => {
      const style = `grid-column:${(widget.x ?? 0) + 1} / span ${widget.width ?? 6};grid-row:${(widget.y ?? 0) + 1} / span ${widget.height ?? 6}`;
      return `<section class="widget ${widget.type === 'metric' || widget.type === 'text' ? widget.type : 'other'}" style="${style}">${await widgetHtml(widget, resources, from, to)}</section>`;
    }),
  );
  return {
    title: `Dashboard ${dashboard.name}`,
    body: `<p class="muted">Metrics from this run's local metric store, ${new Date(from).toISOString().slice(11, 16)} to ${new Date(to).toISOString().slice(11, 16)} UTC (simulated). Widgets on metrics the scenario does not produce are empty.</p><div class="grid">${cells.join('\n')}</div>`,
  };
}

async function widgetHtml(
  widget: Widget,
  resources: RunResources,
  from: number,
  to: number,
): Promise<string> {
  const props = widget.properties ?? {};
  const title = props.title ? `<h3>${escapeHtml(props.title)}</h3>` : '';
  if (widget.type === 'text') return markdownHtml(props.markdown ?? '');
  if (widget.type !== 'metric') {
    const what =
      widget.type === 'alarm'
        ? `the state of ${props.alarms?.length ?? 0} alarms`
        : widget.type === 'log'
          ? `a Logs Insights query${props.query ? `: ${props.query}` : ''}`
          : `a ${widget.type} widget`;
    return `${title}<p>${escapeHtml(`Shows ${what}. Not rendered locally.`)}</p>`;
  }
  const { queries, threshold } = metricQueries(widget, resources.alarms);
  if (queries.length === 0) return `${title}<p class="muted">No metrics this run evaluates.</p>`;
  try {
    const { MetricDataResults = [] } = await resources.clients.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(from),
        EndTime: new Date(to),
      }),
    );
    const series: ChartSeries[] = MetricDataResults.filter((result) => (result.Values?.length ?? 0) > 0).map(
      (result) => ({
        label: result.Label ?? result.Id ?? '',
        points: (result.Timestamps ?? [])
          .map((t, i) => [new Date(t).getTime(), result.Values?.[i] ?? 0] as const)
          .sort((a, b) => a[0] - b[0]),
      }),
    );
    if (series.length === 0) return `${title}<p class="muted">No data in this run.</p>`;
    return `${title}${lineChartSvg({ series, from, to, ...(threshold === undefined ? {} : { threshold }) })}`;
  } catch (error) {
    return `${title}<p class="muted">${escapeHtml(`GetMetricData failed: ${(error as Error).message}`)}</p>`;
  }
}

/**
 * The widget's metrics as GetMetricData queries: its `metrics` rows (`[namespace, name, dimension,
 * value, …, {options}]`, `"."` repeating the row above, or `[{expression}]`), or, for a widget that
 * draws an alarm, the evaluated alarm's own queries and threshold.
 */
function metricQueries(
  widget: Widget,
  alarms: ReadonlyMap<string, MetricAlarmDefinition>,
): { queries: SdkQuery[]; threshold?: number } {
  const props = widget.properties ?? {};
  const rows = props.metrics ?? [];
  if (rows.length > 0) {
    let previous: readonly unknown[] = [];
    const queries = rows.map((row, index): SdkQuery => {
      const options = (typeof row.at(-1) === 'object' ? row.at(-1) : {}) as Record<string, unknown>;
      const parts = (typeof row.at(-1) === 'object' ? row.slice(0, -1) : row).map((part, i) =>
        part === '.' ? previous[i] : part,
      );
      previous = parts;
      const id = typeof options.id === 'string' ? options.id : `w${index}`;
      const label = typeof options.label === 'string' ? { Label: options.label } : {};
      const returnData = options.visible !== false;
      if (typeof options.expression === 'string') {
        return { Id: id, Expression: options.expression, ReturnData: returnData, ...label };
      }
      const [namespace, metricName, ...dimensions] = parts.map(String);
      const pairs: { Name: string; Value: string }[] = [];
      for (let i = 0; i + 1 < dimensions.length; i += 2) {
        pairs.push({ Name: dimensions[i] as string, Value: dimensions[i + 1] as string });
      }
      return {
        Id: id,
        MetricStat: {
          Metric: { Namespace: namespace, MetricName: metricName, Dimensions: pairs },
          Period: Number(options.period ?? props.period ?? 300),
          Stat: String(options.stat ?? props.stat ?? 'Average'),
        },
        ReturnData: returnData,
        ...label,
      };
    });
    return { queries };
  }
  const alarmName = props.annotations?.alarms?.[0]?.split(':alarm:')[1];
  const alarm = alarmName === undefined ? undefined : alarms.get(alarmName);
  if (!alarm) return { queries: [] };
  const threshold = alarm.threshold;
  if (alarm.metricStat) {
    return { queries: [{ Id: 'm1', MetricStat: toSdkStat(alarm.metricStat), Label: alarm.name }], threshold };
  }
  const queries = (alarm.metrics ?? []).map(
    (query): SdkQuery => ({
      Id: query.id,
      ...(query.expression === undefined ? {} : { Expression: query.expression }),
      ...(query.metricStat ? { MetricStat: toSdkStat(query.metricStat) } : {}),
      ...(query.label === undefined ? {} : { Label: query.label }),
      ...(query.period === undefined ? {} : { Period: query.period }),
      ReturnData: query.returnData ?? true,
    }),
  );
  return { queries, threshold };
}

/** Headings and paragraphs of a text widget's markdown (the dashboards use no more than that). */
function markdownHtml(markdown: string): string {
  return markdown
    .split(/\n+/)
    .map((line) => {
      const heading = /^(#{1,3})\s+(.*)$/.exec(line);
      if (heading) {
        const level = Math.min(3, (heading[1]?.length ?? 1) + 1);
        return `<h${level}>${escapeHtml(heading[2] ?? '')}</h${level}>`;
      }
      return `<p>${escapeHtml(line)}</p>`;
    })
    .join('');
}
