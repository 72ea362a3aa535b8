import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import * as vl from 'vega-lite';
import type { BacktestReport, ReportedAlarm } from './backtest-report';
import { DATAPOINT_NOTE, duration, iso } from './text-report';

const WIDTH = 760;
const HEIGHT = 180;
/** Enough points to draw every spike at this width: each bucket keeps its lowest and highest value. */
const BUCKETS = 380;

/** A self-contained HTML page: the summary table, then one chart per alarm that went to ALARM. */
export async function htmlReport(report: BacktestReport): Promise<string> {
  const fired = report.alarms.filter((alarm) => alarm.alarmTransitions > 0);
  const charts = await Promise.all(
    fired.map(async (alarm) => chartSection(alarm, await toSvg(chartSpec(alarm, report)))),
  );
  const rows = report.alarms.map(
    (alarm) =>
      `<tr><td>${escapeHtml(alarm.name)}${alarm.approximate ? ` <abbr title="${escapeHtml(alarm.approximateReason ?? '')}">~</abbr>` : ''}</td>` +
      `<td>${alarm.alarmTransitions}</td><td>${alarm.alarmTransitionsPerWeek}</td>` +
      `<td>${duration(alarm.secondsInAlarm)}</td><td>${alarm.finalState}</td><td>${alarm.neverHadData ? 'never' : ''}</td></tr>`,
  );
  const unsupported = report.unsupported.map(
    (entry) => `<li><b>${escapeHtml(entry.alarm)}</b>: ${escapeHtml(entry.feature)}</li>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alarm backtest ${iso(report.from)} to ${iso(report.to)}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;color:#1f2933;max-width:${WIDTH + 40}px;margin:20px auto;padding:0 20px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e4e7eb}
td:nth-child(n+2){white-space:nowrap}h2{font-size:16px;margin-top:28px}.note{color:#52606d;font-size:12px}
</style></head><body>
<h1>Alarm backtest</h1>
<p>${report.alarms.length} alarms, ${iso(report.from)} to ${iso(report.to)}. Noisiest first; a page is a transition to ALARM.</p>
<table><thead><tr><th>Alarm</th><th>Pages</th><th>Per week</th><th>In ALARM</th><th>Ends</th><th>Data</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${report.fromDatapoints && report.alarms.some((alarm) => alarm.approximate) ? `<p class="note">~ approximate. ${escapeHtml(DATAPOINT_NOTE)}</p>` : ''}
${unsupported.length > 0 ? `<h2>Not evaluated</h2><ul>${unsupported.join('\n')}</ul>` : ''}
${charts.join('\n')}
</body></html>
`;
}

function chartSection(alarm: ReportedAlarm, svg: string): string {
  return `<section><h2>${escapeHtml(alarm.name)}</h2>${svg}</section>`;
}

/** The compared value over time, the threshold as a dashed line, and each span in ALARM shaded. */
function chartSpec(alarm: ReportedAlarm, report: BacktestReport): TopLevelSpec {
  // Layers share the x scale: its domain is stated once, on whichever layer comes first.
  let domainStated = false;
  const x = (field: string) => {
    const scale = domainStated
      ? { type: 'utc' as const }
      : { type: 'utc' as const, domain: [report.from, report.to] };
    domainStated = true;
    return { field, type: 'temporal' as const, scale, title: null };
  };
  const values = decimate(alarm.values ?? []).map(([at, value]) => ({ at, value }));
  const spans = alarmSpans(alarm, report);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `${alarm.name}: value, threshold and time in ALARM`,
    width: WIDTH,
    height: HEIGHT,
    padding: 6,
    autosize: { type: 'fit', contains: 'padding' },
    config: {
      font: 'Helvetica, Arial, sans-serif',
      background: 'white',
      view: { stroke: null },
      aria: false,
    },
    layer: [
      ...(spans.length > 0
        ? [
            {
              data: { values: spans },
              mark: { type: 'rect' as const, color: '#f8d7d3' },
              encoding: { x: x('start'), x2: { field: 'end' } },
            },
          ]
        : []),
      ...(values.length > 0
        ? [
            {
              data: { values },
              mark: { type: 'line' as const, color: '#3b6ea5', strokeWidth: 1.2 },
              encoding: { x: x('at'), y: { field: 'value', type: 'quantitative' as const, title: null } },
            },
          ]
        : []),
      ...(alarm.threshold !== undefined
        ? [
            {
              data: { values: [{ threshold: alarm.threshold }] },
              mark: { type: 'rule' as const, color: '#c0392b', strokeDash: [4, 3] },
              encoding: { y: { field: 'threshold', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
  };
}

/** `[start, end)` of every stretch the alarm spent in ALARM, the open one ending at the backtest's end. */
export function alarmSpans(
  alarm: ReportedAlarm,
  report: BacktestReport,
): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  const first = alarm.transitions[0];
  let since: number | undefined = first?.from === 'ALARM' ? report.from : undefined;
  for (const transition of alarm.transitions) {
    if (transition.to === 'ALARM') since ??= transition.at;
    else if (since !== undefined) {
      spans.push({ start: since, end: transition.at });
      since = undefined;
    }
  }
  if (since !== undefined) spans.push({ start: since, end: report.to });
  return spans;
}

/** At most two points per time bucket (its lowest and highest, in time order), so a month of minutes draws fast and keeps its spikes. */
function decimate(values: ReadonlyArray<readonly [number, number | null]>): Array<readonly [number, number]> {
  const present = values.filter((entry): entry is readonly [number, number] => entry[1] !== null);
  if (present.length <= 2 * BUCKETS) return present;
  const size = Math.ceil(present.length / BUCKETS);
  const kept: Array<readonly [number, number]> = [];
  for (let start = 0; start < present.length; start += size) {
    const bucket = present.slice(start, start + size);
    let low = bucket[0];
    let high = bucket[0];
    for (const entry of bucket) {
      if (low === undefined || entry[1] < low[1]) low = entry;
      if (high === undefined || entry[1] > high[1]) high = entry;
    }
    if (low === undefined || high === undefined) continue;
    kept.push(...(low === high ? [low] : low[0] < high[0] ? [low, high] : [high, low]));
  }
  return kept;
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  // Vega-Lite warns that the layers' time domains conflict when they are the same span given twice.
  const compiled = vl.compile(spec, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return (await view.toSVG()).replace(/ class="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
