import type {
  Adjustment,
  BudgetStatus,
  CostAnomaly,
  CostReport,
  MonthlyAmount,
  ServiceCost,
  TagCost,
} from '../cost-report-model';
import { formatDay, formatMoney, formatMoneyChange, formatPercentChange } from '../money';
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

export { formatPercentChange } from '../money';

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
    section('Usage by service', costByService(report, charts.services)),
    section('Credits, refunds, tax and fees', adjustments(report)),
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
  const { totals, period, currency } = report;
  const money = (amount: number) => formatMoney(amount, currency);
  const forecast =
    'unavailable' in report.forecast
      ? card(`Forecast, ${monthName(period.currentMonth)}`, 'n/a', [
          `No forecast for ${monthName(period.currentMonth)}: ${report.forecast.unavailable}`,
        ])
      : card(`Forecast, ${monthName(report.forecast.month)}`, money(report.forecast.amount), [
          `${report.forecast.predictionIntervalPercent}% interval:`,
          `${money(report.forecast.lower)} – ${money(report.forecast.upper)}`,
        ]);
  const cards = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr>
${card(
  `Bill, ${monthName(period.month)}`,
  money(totals.net.lastMonth),
  [
    `${changeText(totals.net, currency)} vs ${monthName(period.previousMonth, 'short')}`,
    `amortized ${money(totals.amortized.lastMonth)}`,
  ],
  INK,
)}
<td width="12" style="width:12px;"></td>
${card(
  'Usage, before credits and tax',
  money(totals.grossUsage.lastMonth),
  [`${changeText(totals.grossUsage, currency)} vs ${monthName(period.previousMonth, 'short')}`],
  changeColour(totals.grossUsage.change),
)}
<td width="12" style="width:12px;"></td>
${forecast}
</tr>
</table>`;
  return row(`${cards}\n${budgets(report)}`, '16px 20px 8px');
}

/** `+$1,464.00 (+11.2%)`. */
function changeText(amount: MonthlyAmount, currency: string): string {
  return `${formatMoneyChange(amount.change, currency)} (${formatPercentChange(amount.changePercent)})`;
}

function card(label: string, value: string, details: readonly string[], colour = INK): string {
  return `<td valign="top" width="33%" style="width:33%;padding:12px 14px;background:#f7f9fb;border:1px solid ${LINE};border-radius:4px;">
<div style="font-size:12px;color:${MUTED};">${escapeHtml(label)}</div>
<div style="font-size:22px;font-weight:bold;color:${colour};white-space:nowrap;margin:2px 0;">${escapeHtml(value)}</div>
${details.map((detail) => `<div style="font-size:12px;color:${colour === INK ? MUTED : colour};">${escapeHtml(detail)}</div>`).join('\n')}
</td>`;
}

function budgets(report: CostReport): string {
  if (report.budgets.length === 0) {
    return paragraph('No cost budget is set for this account.', `margin:14px 0 0;color:${MUTED};`);
  }
  return report.budgets.map((status) => budget(status, report)).join('\n');
}

function budget(status: BudgetStatus, report: CostReport): string {
  const [verdict, colour] =
    status.percentUsed > 100
      ? ['Over budget', INCREASE]
      : status.percentUsed >= 80
        ? ['Near the limit', WARNING]
        : ['Within budget', DECREASE];
  const filled = Math.max(0, Math.min(100, Math.round(status.percentUsed)));
  const monthly =
    status.periodStart === `${report.period.month}-01` && status.periodEnd === report.period.end;
  const period = monthly
    ? `in ${monthName(report.period.month)}`
    : `in its period ${formatDay(status.periodStart)} to ${formatDay(lastDayBefore(status.periodEnd))}`;
  const bar =
    filled === 0
      ? `<td style="height:6px;background:${LINE};font-size:0;line-height:0;">&nbsp;</td>`
      : `<td width="${filled}%" style="height:6px;background:${colour};font-size:0;line-height:0;">&nbsp;</td>${
          filled < 100
            ? `<td style="height:6px;background:${LINE};font-size:0;line-height:0;">&nbsp;</td>`
            : ''
        }`;
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin-top:14px;">
<tr><td style="font-size:13px;padding-bottom:4px;"><span style="display:inline-block;padding:1px 7px;border-radius:9px;background:${colour};color:#ffffff;font-size:11px;font-weight:bold;">${escapeHtml(verdict)}</span>&nbsp; Budget <strong>${escapeHtml(status.name)}</strong>: ${formatMoney(status.actual, report.currency)} of ${formatMoney(status.limit, report.currency)} ${escapeHtml(period)} (${status.percentUsed.toFixed(1)}%)</td></tr>
<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${bar}</tr></table></td></tr>
</table>`;
}

/** `2026-12-01` → `2026-11-30`: budget periods end on an exclusive date. */
function lastDayBefore(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? day
    : new Date(date.getTime() - 86_400_000).toISOString().slice(0, 10);
}

function topMovers(report: CostReport, chart: string): string {
  if (report.topMovers.length === 0) {
    return paragraph(
      escapeHtml(
        `No service changed in usage between ${monthName(report.period.previousMonth)} and ${monthName(report.period.month)}.`,
      ),
    );
  }
  // In the chart's order, increases first, so the table reads as its legend.
  const movers = [...report.topMovers].sort((a, b) => b.change - a.change);
  return `${figure(chart)}\n${serviceTable(report, movers, false)}`;
}

function anomalies(report: CostReport): string {
  if (report.anomalies.length === 0) {
    return paragraph(escapeHtml(`Cost Explorer detected no anomalies in ${monthName(report.period.month)}.`));
  }
  const rows = report.anomalies.map(
    (anomaly) =>
      `<tr${anomaly.dismissed ? ` style="color:${MUTED};"` : ''}>${cell(
        `${escapeHtml(anomalyDates(anomaly))}${feedbackBadge(anomaly)}`,
        'left',
        'white-space:nowrap;',
      )}${cell(
        `${formatMoney(anomaly.impact, report.currency)}${
          anomaly.impactPercent === undefined
            ? ''
            : `<div style="font-size:12px;color:${MUTED};">${formatPercentChange(anomaly.impactPercent)}</div>`
        }`,
        'right',
        anomaly.dismissed ? '' : `color:${INCREASE};`,
      )}${cell(rootCauses(anomaly), 'left')}</tr>`,
  );
  const real = report.anomalies.filter((anomaly) => !anomaly.dismissed).length;
  const dismissed = report.anomalies.length - real;
  const summary =
    dismissed === 0
      ? ''
      : paragraph(
          escapeHtml(
            `${anomalyCount(real)}; ${dismissed} more dismissed in Cost Explorer (marked, not counted).`,
          ),
        );
  return `${summary}${table(
    [
      { heading: 'When', align: 'left', width: 170 },
      { heading: 'Impact', align: 'right', width: 90 },
      { heading: 'Root causes', align: 'left' },
    ],
    rows,
  )}`;
}

/** `1 anomaly`, `3 anomalies`. */
export function anomalyCount(count: number): string {
  return `${count} ${count === 1 ? 'anomaly' : 'anomalies'}`;
}

function feedbackBadge(anomaly: CostAnomaly): string {
  if (anomaly.feedback === undefined) return '';
  const text =
    anomaly.feedback === 'YES'
      ? 'Confirmed'
      : anomaly.feedback === 'NO'
        ? 'Dismissed: not an issue'
        : 'Dismissed: planned activity';
  return `<div style="font-size:11px;color:${anomaly.dismissed ? MUTED : INCREASE};">${text}</div>`;
}

function anomalyDates(anomaly: CostAnomaly): string {
  const start = formatDay(anomaly.start);
  if (anomaly.end === undefined) return `since ${start}`;
  const end = formatDay(anomaly.end);
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
  if (report.services.length === 0) {
    return paragraph(
      escapeHtml(
        `Nothing was used in ${monthName(report.period.month)} or ${monthName(report.period.previousMonth)}.`,
      ),
    );
  }
  const explanation = paragraph(
    'Usage before credits, refunds, tax and fees (unblended); the last column spreads Savings Plans ' +
      'and RI fees over the usage they covered (amortized).',
    `margin:0 0 8px;font-size:12px;color:${MUTED};`,
  );
  return `${figure(chart)}\n${explanation}${serviceTable(report, report.services, true)}`;
}

function serviceTable(report: CostReport, services: readonly ServiceCost[], withTotal: boolean): string {
  const { currency } = report;
  const rows = services.map(
    (service) =>
      `<tr>${cell(`${escapeHtml(service.service)}${badge(service.status)}${drivers(service, currency)}`, 'left')}${amountCells(service, currency)}${
        withTotal ? cell(formatMoney(service.amortizedLastMonth, currency), 'right', `color:${MUTED};`) : ''
      }</tr>`,
  );
  if (withTotal) {
    const usage = report.totals.grossUsage;
    const amortizedUsage =
      services.reduce((total, service) => total + Math.round(service.amortizedLastMonth * 100), 0) / 100;
    const style = `border-top:2px solid ${INK};`;
    rows.push(
      `<tr style="font-weight:bold;">${cell('Usage', 'left', style)}${amountCells(usage, currency, style)}${cell(
        formatMoney(amortizedUsage, currency),
        'right',
        style,
      )}</tr>`,
    );
  }
  const columns = amountColumns(report, 'Service');
  return table(withTotal ? [...columns, { heading: 'Amortized', align: 'right', width: 96 }] : columns, rows);
}

/**
 * What is not usage, each record type with the services it was booked on, then the bill: usage
 * plus these rows, to the cent.
 */
function adjustments(report: CostReport): string {
  const { currency, totals } = report;
  const style = `border-top:2px solid ${INK};`;
  const rows = report.adjustments.map((line: Adjustment) => {
    const detail =
      line.services.length === 0
        ? ''
        : `<div style="font-size:12px;color:${MUTED};">${escapeHtml(
            line.services
              .slice(0, 4)
              .map((entry) => `${entry.service} ${formatMoney(entry.amount, currency)}`)
              .join(' · ') + (line.services.length > 4 ? ` · ${line.services.length - 4} more` : ''),
          )}</div>`;
    return `<tr>${cell(`${escapeHtml(line.label)}${detail}`, 'left')}${amountCells(line, currency)}</tr>`;
  });
  rows.unshift(`<tr>${cell('Usage', 'left')}${amountCells(totals.grossUsage, currency)}</tr>`);
  rows.push(
    `<tr style="font-weight:bold;">${cell('Bill', 'left', style)}${amountCells(totals.net, currency, style)}</tr>`,
  );
  const none =
    report.adjustments.length === 0
      ? paragraph(
          escapeHtml(
            `No credits, refunds, tax or fees in ${monthName(report.period.month)} or ${monthName(report.period.previousMonth)}: the bill is the usage.`,
          ),
        )
      : '';
  return `${none}${table(amountColumns(report, 'Line'), rows)}${savingsPlans(report)}`;
}

/** Under the fees: whether the Savings Plans bought were used, and how much they covered. */
function savingsPlans(report: CostReport): string {
  const plans = report.savingsPlans;
  if (plans === undefined || 'unavailable' in plans) return '';
  const money = (amount: number) => formatMoney(amount, report.currency);
  const coverage =
    plans.coveragePercent === null
      ? ''
      : `; they covered ${plans.coveragePercent.toFixed(1)}% of the eligible spend (${money(plans.coveredSpend)} of ${money(plans.eligibleSpend)} at on-demand prices)`;
  return paragraph(
    escapeHtml(
      `Savings Plans: ${plans.utilizationPercent.toFixed(1)}% of the commitment used ` +
        `(${money(plans.usedCommitment)} of ${money(plans.totalCommitment)}, ${money(plans.unusedCommitment)} unused)${coverage}.`,
    ),
  );
}

/** Under a top mover: the usage types that drove it, `EU-BoxUsage:c7g.4xlarge +$1,464.00`. */
function drivers(service: ServiceCost, currency: string): string {
  if (!service.drivers || service.drivers.length === 0) return '';
  const text = service.drivers
    .map((driver) => `${driver.usageType} ${formatMoneyChange(driver.change, currency)}`)
    .join(' · ');
  return `<div style="font-size:12px;color:${MUTED};">${escapeHtml(text)}</div>`;
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
  const rows = tag.values.map(
    (entry) =>
      `<tr>${cell(escapeHtml(entry.value), 'left')}${amountCells(tagValueChange(entry), report.currency)}</tr>`,
  );
  return `<div style="font-size:13px;font-weight:bold;margin:4px 0 6px;">Tag <span style="font-family:Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 4px;border-radius:3px;">${escapeHtml(tag.tagKey)}</span> <span style="font-weight:normal;color:${MUTED};">(amortized)</span></div>
${table(amountColumns(report, 'Value'), rows)}`;
}

function platformCost(report: CostReport): string {
  const { lastMonth, monthBefore } = report.platformCost;
  const money = (amount: number) => formatMoney(amount, report.currency);
  const usage = report.totals.grossUsage.lastMonth;
  const share = usage > 0 ? `, ${((lastMonth / usage) * 100).toFixed(1)}% of the account's usage` : '';
  return paragraph(
    `Resources tagged Project=Vigil cost <strong>${money(lastMonth)}</strong> (amortized) in ${escapeHtml(monthName(report.period.month))}${escapeHtml(share)} (${money(monthBefore)} in ${escapeHtml(monthName(report.period.previousMonth))}).`,
  );
}

function apiCost(report: CostReport): string {
  const { requests, usd } = report.apiCost;
  return paragraph(
    `Recording this report made ${requests} Cost Explorer request${requests === 1 ? '' : 's'}, at a list price of <strong>${usd.toFixed(2)} USD</strong>.`,
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
    `<div style="border-top:1px solid ${LINE};padding-top:12px;font-size:12px;color:${MUTED};">Generated ${escapeHtml(generated)} by Vigil from Cost Explorer (unblended and amortized cost, ${escapeHtml(report.currency)}).</div>`,
    '12px 20px 20px',
  );
}

function amountCells(amount: MonthlyAmount, currency: string, style = ''): string {
  const colour = `color:${changeColour(amount.change)};`;
  return [
    cell(formatMoney(amount.monthBefore, currency), 'right', style),
    cell(formatMoney(amount.lastMonth, currency), 'right', style),
    cell(formatMoneyChange(amount.change, currency), 'right', style + colour),
    cell(
      formatPercentChange(amount.changePercent),
      'right',
      style + (amount.changePercent === null ? `color:${MUTED};` : colour),
    ),
  ].join('');
}

function changeColour(change: number): string {
  const cents = Math.round(change * 100);
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
  // Every byte of a cell is repeated hundreds of times in a mail that must stay unclipped: the
  // `align` attribute aligns (every client honours it on a cell), and Helvetica's and Arial's digits
  // are of one width already, so amounts line up without `font-variant-numeric`.
  const numeric = align === 'right' ? 'white-space:nowrap;' : '';
  return `<td align="${align}" valign="top" style="padding:6px 8px;border-bottom:1px solid ${LINE};${numeric}${style}">${content}</td>`;
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

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
