import type { AlarmChange } from '../../shared/alarm-change';
import type { AlertLink } from '../enriched-alert';
import type { MetricAlarmView } from './alarm-target';
import type { TimeWindow } from './metric-datapoints';
import { metricWidget } from './metric-graph';

/** A Logs Insights query, as run by the enricher and as opened in the console. */
export interface LogsInsightsQuery extends TimeWindow {
  readonly logGroup: string;
  readonly query: string;
}

/** An X-Ray trace search, as run by the enricher and as opened in the console. */
export interface TraceSearch extends TimeWindow {
  readonly filterExpression: string;
}

/** The queries the enricher ran for this alert, linked so a reader sees the same results and more. */
export interface LinkedQueries {
  readonly logs?: LogsInsightsQuery;
  readonly traces?: TraceSearch;
}

/**
 * Console deep links for an alert: the alarm, its metrics, its error logs and failing traces (each
 * when the alarm's target has them), and its runbook. They do not depend on whether the context
 * could be gathered: a link is most useful exactly when a source is missing.
 */
export function alertLinks(
  change: Pick<AlarmChange, 'alarmName' | 'region' | 'vigil'>,
  view: MetricAlarmView | undefined,
  queries: LinkedQueries,
): AlertLink[] {
  const links: AlertLink[] = [{ label: 'Alarm', url: alarmUrl(change.region, change.alarmName) }];
  if (view && view.metrics.length > 0) links.push({ label: 'Metrics', url: metricsUrl(view) });
  if (queries.logs) links.push({ label: 'Error logs', url: logsInsightsUrl(change.region, queries.logs) });
  if (queries.traces) {
    links.push({ label: 'Failing traces', url: traceSearchUrl(change.region, queries.traces) });
  }
  const runbook = change.vigil?.runbook ?? view?.vigil?.runbook;
  if (runbook) links.push({ label: 'Runbook', url: runbook });
  return links;
}

function alarmUrl(region: string, alarmName: string): string {
  return `${consoleHome(region)}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

/** The metrics console showing the alarm's graph as the enricher draws it. */
function metricsUrl(view: MetricAlarmView): string {
  return `${consoleHome(view.region)}#metricsV2:graph=${jsurl(metricWidget(view))}`;
}

export function logsInsightsUrl(region: string, query: LogsInsightsQuery): string {
  const detail = jsurl({
    end: query.end.toISOString(),
    start: query.start.toISOString(),
    timeType: 'ABSOLUTE',
    tz: 'UTC',
    editorString: query.query,
    source: [query.logGroup],
  });
  // The console reads the fragment as a URL-encoded `?queryDetail=` with `%` written as `$`.
  return `${consoleHome(region)}#logsV2:logs-insights$3FqueryDetail$3D${detail}`;
}

function traceSearchUrl(region: string, search: TraceSearch): string {
  const state = jsurl({
    query: { expression: search.filterExpression },
    context: { timeRange: { end: search.end.toISOString(), start: search.start.toISOString() } },
  });
  return `${consoleHome(region)}#xray:traces/query?${state}`;
}

export function traceUrl(region: string, traceId: string): string {
  return `${consoleHome(region)}#xray:traces/${traceId}`;
}

function consoleHome(region: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
}

type JsUrlValue = string | number | boolean | readonly JsUrlValue[] | JsUrlObject;
interface JsUrlObject {
  readonly [key: string]: JsUrlValue | undefined;
}

/**
 * The CloudWatch console keeps its state in the fragment as JSURL: `~(key~value)` objects,
 * `~(~a~b)` arrays, `~'` strings with other characters than `[A-Za-z0-9_.-]` written as `*hh`.
 */
function jsurl(value: JsUrlValue): string {
  if (typeof value === 'string') return `~'${jsurlEscape(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `~${value}`;
  if (isArray(value)) return `~(${value.map(jsurl).join('') || '~'})`;
  const entries = Object.entries(value).flatMap(([key, entry]) =>
    entry === undefined ? [] : [`${jsurlEscape(key)}${jsurl(entry)}`],
  );
  return `~(${entries.join('~')})`;
}

function isArray(value: JsUrlValue): value is readonly JsUrlValue[] {
  return Array.isArray(value);
}

function jsurlEscape(text: string): string {
  return text.replace(/[^\w.-]/g, (char) => {
    if (char === '$') return '!';
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `*${code.toString(16).padStart(2, '0')}`
      : `**${code.toString(16).padStart(4, '0')}`;
  });
}
