import type { BudgetStatus, CostAnomaly, CostReport, ServiceCost, TagCost } from '../cost-report-model';
import type { CostCharts } from './cost-charts';
import { tagValueChange } from './report-csv';

/*
 * Email clients strip <style> blocks, classes and scripts, and many ignore CSS layout: every style is
 * inline and every layout is a table.
 */

const FONT = 'font-family:Helvetica,Arial,sans-serif;';
const INK = '#1f2933';
const MUTED = '#52606d';
const LINE = '#e4e7eb';
const INCREASE = '#c0392b';
const DECREASE = '#23855a';
const WARNING = '#b7791f';

/** `$1,234.56`; a credit is `−$12.00`, with a true minus sign. */
export function formatUsd(amount: number): string {
  const cents = Math.round(amount * 100);
  const dollars = (Math.abs(cents) / 100).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return `${cents < 0 ? '−' : ''}$${dollars}`;
}

/** A change: `+$1,234.56`, `−$12.00` or `$0.00`. */
export function formatUsdChange(amount: number): string {
  return `${Math.round(amount * 100) > 0 ? '+' : ''}${formatUsd(amount)}`;
}

/** A change in percent with one decimal, `+12.3%`, `−4.0%`, or `n/a` when there was nothing to compare with. */
export function formatPercentChange(percent: number | null): string {
  if (percent === null) return 'n/a';
  const tenths = Math.round(percent * 10);
  const sign = tenths > 0 ? '+' : tenths < 0 ? '−' : '';
  return `${sign}${(Math.abs(tenths) / 10).toFixed(1)}%`;
}

/** `2025-03` → `March 2025`. */
export function monthName(month: string, length: 'long' | 'short' = 'long'): string {
  if (!/^\d{4}-\d{2}$/.test(month)) return month;
  return new Date(`${month}-01T00:00:00Z`).toLocaleString('en-US', {
    month: length,
    year: 'numeric',
    timeZone: 'UTC',
  });
}

export function renderReportHtml(report: CostReport, charts: CostCharts): string {
  const title = `AWS cost report, ${monthName(report.period.month)}`;
  const sections = [
    header(report),
    headline(report),
    section('12-month trend', figure(charts.trend)),
    section('Top movers', topMovers(report, charts.movers)),
    section('Anomalies', anomalies(report)),
    section('Cost by service', costByService(report, charts.services)),
    section('Cost by tag', costByTag(report)),
    section('Vigil’s own cost', platformCost(report)),
    section('Cost of this report', apiCost(report)),
    report.notes.length > 0 ? section('Notes', notes(report.notes)) : '',
    footer(report),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 8px;">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:680px;background:#ffffff;border:1px solid ${LINE};border-radius:6px;${FONT}color:${INK};font-size:14px;line-height:1.45;">
${sections.filter((html) => html !== '').join('\n')}
</table>
</td></tr>
</table>
</body>
</html>
`;
}

function header(report: CostReport): string {
  return row(
    `<div style="font-size:12px;letter-spacing:1px;text-transform:uppercase;color:${MUTED};">AWS cost report</div>
<div style="font-size:26px;font-weight:bold;margin-top:2px;">${escapeHtml(monthName(report.period.month))}</div>`,
    '24px 20px 4px',
  );
}

function headline(report: CostReport): string {
  const { totals, period } = report;
  const forecast =
    'unavailable' in report.forecast
      ? card(`Forecast, ${monthName(period.currentMonth)}`, 'n/a', [
          `No forecast for ${monthName(period.currentMonth)}: ${report.forecast.unavailable}`,
        ])
      : card(`Forecast, ${monthName(report.forecast.month)}`, formatUsd(report.forecast.amount), [
          `${report.forecast.predictionIntervalPercent}% interval:`,
          `${formatUsd(report.forecast.lower)} – ${formatUsd(report.forecast.upper)}`,
        ]);
  const cards = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr>
${card(`Total, ${monthName(period.month)}`, formatUsd(totals.lastMonth), [`${formatUsd(totals.monthBefore)} in ${monthName(period.previousMonth)}`])}
<td width="12" style="width:12px;"></td>
${card(
  `Change vs ${monthName(period.previousMonth)}`,
  formatUsdChange(totals.changeUsd),
  [formatPercentChange(totals.changePercent)],
  changeColour(totals.changeUsd),
)}
<td width="12" style="width:12px;"></td>
${forecast}
</tr>
</table>`;
  return row(`${cards}\n${budgets(report.budgets)}`, '16px 20px 8px');
}

function card(label: string, value: string, details: readonly string[], colour = INK): string {
  return `<td valign="top" width="33%" style="width:33%;padding:12px 14px;background:#f7f9fb;border:1px solid ${LINE};border-radius:4px;">
<div style="font-size:12px;color:${MUTED};">${escapeHtml(label)}</div>
<div style="font-size:22px;font-weight:bold;color:${colour};white-space:nowrap;margin:2px 0;">${escapeHtml(value)}</div>
${details.map((detail) => `<div style="font-size:12px;color:${colour === INK ? MUTED : colour};">${escapeHtml(detail)}</div>`).join('\n')}
</td>`;
}

function budgets(statuses: readonly BudgetStatus[]): string {
  if (statuses.length === 0) {
    return paragraph('No cost budget is set for this account.', `margin:14px 0 0;color:${MUTED};`);
  }
  return statuses.map(budget).join('\n');
}

function budget(status: BudgetStatus): string {
  const [verdict, colour] =
    status.percentUsed >= 100
      ? ['Over budget', INCREASE]
      : status.forecastUsd !== undefined && status.forecastUsd > status.limitUsd
        ? ['Forecast over budget', WARNING]
        : status.percentUsed >= 80
          ? ['Near the limit', WARNING]
          : ['On track', DECREASE];
  const filled = Math.max(0, Math.min(100, Math.round(status.percentUsed)));
  const forecast = status.forecastUsd === undefined ? '' : `; forecast ${formatUsd(status.forecastUsd)}`;
  const bar =
    filled === 0
      ? `<td style="height:6px;background:${LINE};font-size:0;line-height:0;">&nbsp;</td>`
      : `<td width="${filled}%" style="height:6px;background:${colour};font-size:0;line-height:0;">&nbsp;</td>${
          filled < 100
            ? `<td style="height:6px;background:${LINE};font-size:0;line-height:0;">&nbsp;</td>`
            : ''
        }`;
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin-top:14px;">
<tr><td style="font-size:13px;padding-bottom:4px;"><span style="display:inline-block;padding:1px 7px;border-radius:9px;background:${colour};color:#ffffff;font-size:11px;font-weight:bold;">${escapeHtml(verdict)}</span>&nbsp; Budget <strong>${escapeHtml(status.name)}</strong>: ${formatUsd(status.actualUsd)} of ${formatUsd(status.limitUsd)} (${status.percentUsed.toFixed(1)}%)${escapeHtml(forecast)}</td></tr>
<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${bar}</tr></table></td></tr>
</table>`;
}

function topMovers(report: CostReport, chart: string): string {
  if (report.topMovers.length === 0) {
    return paragraph(
      escapeHtml(
        `No service changed in cost between ${monthName(report.period.previousMonth)} and ${monthName(report.period.month)}.`,
      ),
    );
  }
  // In the chart's order, increases first, so the table reads as its legend.
  const movers = [...report.topMovers].sort((a, b) => b.changeUsd - a.changeUsd);
  return `${figure(chart)}\n${serviceTable(report, movers, false)}`;
}

function anomalies(report: CostReport): string {
  if (report.anomalies.length === 0) {
    return paragraph(escapeHtml(`Cost Explorer detected no anomalies in ${monthName(report.period.month)}.`));
  }
  const rows = report.anomalies.map(
    (anomaly) =>
      `<tr>${cell(escapeHtml(anomalyDates(anomaly)), 'left', 'white-space:nowrap;')}${cell(
        `${formatUsd(anomaly.impactUsd)}${
          anomaly.impactPercent === undefined
            ? ''
            : `<div style="font-size:12px;color:${MUTED};">${formatPercentChange(anomaly.impactPercent)}</div>`
        }`,
        'right',
        `color:${INCREASE};`,
      )}${cell(rootCauses(anomaly), 'left')}</tr>`,
  );
  return table(
    [
      { heading: 'When', align: 'left', width: 150 },
      { heading: 'Impact', align: 'right', width: 90 },
      { heading: 'Root causes', align: 'left' },
    ],
    rows,
  );
}

function anomalyDates(anomaly: CostAnomaly): string {
  const start = anomaly.start.slice(0, 10);
  if (anomaly.end === undefined) return `since ${start}`;
  const end = anomaly.end.slice(0, 10);
  return end === start ? start : `${start} to ${end}`;
}

function rootCauses(anomaly: CostAnomaly): string {
  if (anomaly.rootCauses.length === 0) return `<span style="color:${MUTED};">not identified</span>`;
  return anomaly.rootCauses
    .map((cause) => {
      const where = [
        cause.region,
        cause.usageType,
        cause.linkedAccount === undefined ? undefined : `account ${cause.linkedAccount}`,
      ].filter((part): part is string => part !== undefined);
      return `<div style="margin-bottom:4px;"><strong>${escapeHtml(cause.service ?? 'Unknown service')}</strong>${
        where.length > 0
          ? `<br><span style="font-size:12px;color:${MUTED};">${escapeHtml(where.join(' · '))}</span>`
          : ''
      }</div>`;
    })
    .join('');
}

function costByService(report: CostReport, chart: string): string {
  const credits = report.services.filter((service) => service.lastMonth < 0);
  const creditNote =
    credits.length === 0
      ? ''
      : paragraph(
          `The chart leaves out credits and refunds (${formatUsd(credits.reduce((sum, s) => sum + s.lastMonth, 0))}); the table includes them.`,
          `margin:0 0 8px;font-size:12px;color:${MUTED};`,
        );
  if (report.services.length === 0) {
    return paragraph(
      escapeHtml(
        `Nothing was spent in ${monthName(report.period.month)} or ${monthName(report.period.previousMonth)}.`,
      ),
    );
  }
  return `${figure(chart)}\n${creditNote}${serviceTable(report, report.services, true)}`;
}

function serviceTable(report: CostReport, services: readonly ServiceCost[], withTotal: boolean): string {
  const rows = services.map(
    (service) =>
      `<tr>${cell(`${escapeHtml(service.service)}${badge(service.status)}`, 'left')}${amountCells(
        service.monthBefore,
        service.lastMonth,
        service.changeUsd,
        service.changePercent,
      )}</tr>`,
  );
  if (withTotal) {
    const { totals } = report;
    rows.push(
      `<tr style="font-weight:bold;">${cell('Total', 'left', `border-top:2px solid ${INK};`)}${amountCells(
        totals.monthBefore,
        totals.lastMonth,
        totals.changeUsd,
        totals.changePercent,
        `border-top:2px solid ${INK};`,
      )}</tr>`,
    );
  }
  return table(amountColumns(report, 'Service'), rows);
}

function badge(status: ServiceCost['status']): string {
  if (status === 'continuing') return '';
  const [text, background] = status === 'new' ? ['NEW', '#2f6fb0'] : ['GONE', '#7b8794'];
  return ` <span style="display:inline-block;padding:0 5px;border-radius:3px;background:${background};color:#ffffff;font-size:10px;font-weight:bold;letter-spacing:0.5px;vertical-align:1px;">${text}</span>`;
}

function costByTag(report: CostReport): string {
  if (report.byTag.length === 0) return paragraph('No cost-allocation tag is configured for this report.');
  return report.byTag.map((tag) => tagTable(report, tag)).join('\n');
}

function tagTable(report: CostReport, tag: TagCost): string {
  const rows = tag.values.map((entry) => {
    const { changeUsd, changePercent } = tagValueChange(entry);
    return `<tr>${cell(escapeHtml(entry.value), 'left')}${amountCells(entry.monthBefore, entry.lastMonth, changeUsd, changePercent)}</tr>`;
  });
  return `<div style="font-size:13px;font-weight:bold;margin:4px 0 6px;">Tag <span style="font-family:Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 4px;border-radius:3px;">${escapeHtml(tag.tagKey)}</span></div>
${table(amountColumns(report, 'Value'), rows)}`;
}

function platformCost(report: CostReport): string {
  const { lastMonth, monthBefore } = report.platformCost;
  const share =
    report.totals.lastMonth > 0
      ? `, ${((lastMonth / report.totals.lastMonth) * 100).toFixed(1)}% of the total`
      : '';
  return paragraph(
    `Resources tagged Project=Vigil cost <strong>${formatUsd(lastMonth)}</strong> in ${escapeHtml(monthName(report.period.month))}${share} (${formatUsd(monthBefore)} in ${escapeHtml(monthName(report.period.previousMonth))}).`,
  );
}

function apiCost(report: CostReport): string {
  const { requests, usd } = report.apiCost;
  return paragraph(
    `Recording this report made ${requests} Cost Explorer request${requests === 1 ? '' : 's'}, billed at <strong>${formatUsd(usd)}</strong>.`,
  );
}

function notes(lines: readonly string[]): string {
  return `<ul style="margin:0;padding-left:20px;">${lines
    .map((line) => `<li style="margin-bottom:4px;">${escapeHtml(line)}</li>`)
    .join('')}</ul>`;
}

function footer(report: CostReport): string {
  const generated = report.generatedAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  return row(
    `<div style="border-top:1px solid ${LINE};padding-top:12px;font-size:12px;color:${MUTED};">Generated ${escapeHtml(generated)} by Vigil from Cost Explorer (unblended cost, ${escapeHtml(report.currency)}).</div>`,
    '12px 20px 20px',
  );
}

function amountCells(
  monthBefore: number,
  lastMonth: number,
  changeUsd: number,
  changePercent: number | null,
  style = '',
): string {
  const colour = `color:${changeColour(changeUsd)};`;
  return [
    cell(formatUsd(monthBefore), 'right', style),
    cell(formatUsd(lastMonth), 'right', style),
    cell(formatUsdChange(changeUsd), 'right', style + colour),
    cell(
      formatPercentChange(changePercent),
      'right',
      style + (changePercent === null ? `color:${MUTED};` : colour),
    ),
  ].join('');
}

function changeColour(changeUsd: number): string {
  const cents = Math.round(changeUsd * 100);
  return cents > 0 ? INCREASE : cents < 0 ? DECREASE : MUTED;
}

interface Column {
  readonly heading: string;
  readonly align: 'left' | 'right';
  /** Pixels; the column without one takes the rest. */
  readonly width?: number;
}

/** Fixed amount columns, so the service and tag tables line up under each other. */
function amountColumns(report: CostReport, name: string): Column[] {
  return [
    { heading: name, align: 'left' },
    { heading: monthName(report.period.previousMonth, 'short'), align: 'right', width: 96 },
    { heading: monthName(report.period.month, 'short'), align: 'right', width: 96 },
    { heading: 'Change', align: 'right', width: 96 },
    { heading: '%', align: 'right', width: 68 },
  ];
}

function table(columns: readonly Column[], rows: readonly string[]): string {
  const head = columns
    .map(({ heading, align, width }) => {
      const sized = width === undefined ? '' : ` width="${width}"`;
      return `<th align="${align}"${sized} style="padding:6px 8px;border-bottom:1px solid ${INK};font-size:12px;font-weight:bold;color:${MUTED};text-align:${align};white-space:nowrap;">${escapeHtml(heading)}</th>`;
    })
    .join('');
  return `<table width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;margin-bottom:12px;">
<tr>${head}</tr>
${rows.join('\n')}
</table>`;
}

/** Content is HTML already: callers escape what came from the data. */
function cell(content: string, align: 'left' | 'right', style = ''): string {
  const numeric = align === 'right' ? 'white-space:nowrap;font-variant-numeric:tabular-nums;' : '';
  return `<td align="${align}" valign="top" style="padding:6px 8px;border-bottom:1px solid ${LINE};text-align:${align};${numeric}${style}">${content}</td>`;
}

function section(title: string, body: string): string {
  return row(
    `<h2 style="margin:0 0 10px;font-size:17px;line-height:1.3;color:${INK};border-bottom:1px solid ${LINE};padding-bottom:6px;">${escapeHtml(title)}</h2>
${body}`,
    '18px 20px 6px',
  );
}

function figure(svg: string): string {
  // Scale down with the column on a phone instead of overflowing it.
  return `<div style="margin:0 0 10px;">${svg.replace('<svg ', '<svg style="display:block;max-width:100%;height:auto;" ')}</div>`;
}

function paragraph(html: string, style = 'margin:0 0 10px;'): string {
  return `<p style="${style}">${html}</p>`;
}

function row(content: string, padding: string): string {
  return `<tr><td style="padding:${padding};">\n${content}\n</td></tr>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
