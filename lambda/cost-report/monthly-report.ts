import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../shared/aws-clients';
import { snsSubject } from '../shared/message-text';
import { logger } from '../shared/observability';
import { presignDownload } from '../shared/presigned-urls';
import { buildCostReport } from './build-cost-report';
import { recordCostData } from './cost-explorer-reader';
import type { CostReport, MonthlyAmount } from './cost-report-model';
import { formatMoney, formatMoneyAscii, formatMoneyChange, formatPercentChange } from './money';
import { renderMailSummaryHtml } from './render/mail-summary';
import { renderReport } from './render/render-report';
import { anomalyCount } from './render/report-html';
import { reportPeriod } from './report-period';

export interface MonthlyReportSettings {
  readonly accountId: string;
  readonly bucketName: string;
  readonly topicArn: string;
  readonly tagKeys: readonly string[];
  readonly platformTag: { readonly key: string; readonly value: string };
  /** Lifetime of the report link in the message. */
  readonly linkTtlSeconds: number;
  /** SES delivery of the HTML report, when configured. */
  readonly email?: { readonly from: string; readonly to: readonly string[] };
}

export interface PublishedReport {
  readonly month: string;
  readonly keys: { readonly html: string; readonly csv: string; readonly json: string };
  /** S3 version of the HTML: a rerun for the same month adds a version, never overwrites. */
  readonly htmlVersionId?: string;
  readonly link: string;
  readonly headline: string;
}

type ReportClients = Pick<AwsClients, 'costExplorer' | 'budgets' | 's3' | 'presigningS3' | 'sns' | 'ses'>;

/**
 * The monthly report, end to end: record last month from Cost Explorer and Budgets, compute,
 * render, store under the month's key, and announce it on the cost topic with an expiring link.
 */
export async function publishMonthlyReport(
  clients: ReportClients,
  settings: MonthlyReportSettings,
  now: Date = new Date(),
): Promise<PublishedReport> {
  const period = reportPeriod(now);
  const data = await recordCostData(clients, {
    period,
    accountId: settings.accountId,
    tagKeys: settings.tagKeys,
    platformTag: settings.platformTag,
    now,
  });
  const report = buildCostReport(data, { generatedAt: now, tagKeys: settings.tagKeys });
  const rendered = await renderReport(report);

  const base = `reports/${period.month}/cost-report-${period.month}`;
  const keys = { html: `${base}.html`, csv: `${base}.csv`, json: `${base}.json` };
  const [html] = await Promise.all([
    put(clients, settings.bucketName, keys.html, rendered.html, 'text/html; charset=utf-8'),
    put(clients, settings.bucketName, keys.csv, rendered.csv, 'text/csv; charset=utf-8'),
    put(clients, settings.bucketName, keys.json, rendered.json, 'application/json'),
  ]);
  const { url } = await presignDownload(
    { s3: clients.presigningS3, ttlSeconds: settings.linkTtlSeconds, now: () => now },
    { bucket: settings.bucketName, key: keys.html },
  );

  const headline = headlineOf(report);
  const expires = new Date(now.getTime() + settings.linkTtlSeconds * 1000);
  // A presigned link cannot outlive the credentials that signed it; the stored report does.
  const linkLine =
    `Full report (the link works until ${utcMinute(expires)}; after that the report stays at ` +
    `s3://${settings.bucketName}/${keys.html}): ${url}`;
  const text = [headline, '', ...detailLines(report), '', linkLine].join('\n');
  await clients.sns.send(
    new PublishCommand({
      TopicArn: settings.topicArn,
      // SNS subjects are ASCII: the true minus and `¥` would arrive as `?`.
      Subject: snsSubject(`Vigil cost report ${period.month}: ${headlineOf(report, { ascii: true })}`),
      Message: text,
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'cost-report' } },
    }),
  );
  if (settings.email) {
    // Gmail clips a message past about 102 KB and hides the rest behind a link: the whole report is
    // mailed only while it is well under that, otherwise its summary with the link.
    const html =
      Buffer.byteLength(rendered.html) <= MAIL_HTML_LIMIT_BYTES
        ? rendered.html
        : renderMailSummaryHtml(report, { headline, lines: detailLines(report), link: url, linkLine });
    await clients.ses.send(
      new SendEmailCommand({
        FromEmailAddress: settings.email.from,
        Destination: { ToAddresses: [...settings.email.to] },
        Content: {
          Simple: {
            Subject: { Data: `Vigil cost report ${period.month}: ${headline}` },
            Body: { Html: { Data: html }, Text: { Data: text } },
          },
        },
      }),
    );
  }
  logger.info('Cost report published', { month: period.month, keys, requests: report.apiCost.requests });
  return { month: period.month, keys, htmlVersionId: html.VersionId, link: url, headline };
}

function put(clients: ReportClients, bucket: string, key: string, body: string, contentType: string) {
  return clients.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
  );
}

/** The largest HTML mailed whole; common clients clip at about 102 KB. */
export const MAIL_HTML_LIMIT_BYTES = 60_000;

/** `2026-12-03 18:00 UTC`. */
function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * `$1,234.56 billed (+6.9% vs 2026-10), usage +11.2%`: what a subject line can carry. `ascii` for an
 * SNS subject: `-` and `CNY 273,016.90` instead of `−` and `¥273,016.90`.
 */
export function headlineOf(report: CostReport, options: { readonly ascii?: boolean } = {}): string {
  const { net, grossUsage } = report.totals;
  const { currency } = report;
  const money = (amount: number) =>
    options.ascii ? formatMoneyAscii(amount, currency) : formatMoney(amount, currency);
  const change = (amount: MonthlyAmount) => {
    const text =
      amount.changePercent === null
        ? `${Math.round(amount.change * 100) > 0 ? '+' : ''}${money(amount.change)}`
        : formatPercentChange(amount.changePercent);
    return options.ascii ? text.replace(/−/g, '-') : text;
  };
  return `${money(net.lastMonth)} billed (${change(net)} vs ${report.period.previousMonth}), usage ${change(grossUsage)}`;
}

/** The mail's lines under the headline; every amount in the account's currency, every minus a true one. */
export function detailLines(report: CostReport): string[] {
  const money = (amount: number) => formatMoney(amount, report.currency);
  const lines: string[] = [];
  const { grossUsage, net, amortized } = report.totals;
  lines.push(
    `Usage ${money(grossUsage.lastMonth)} (${formatMoneyChange(grossUsage.change, report.currency)}), ` +
      `bill ${money(net.lastMonth)} (${formatMoneyChange(net.change, report.currency)}), amortized ${money(amortized.lastMonth)}`,
  );
  for (const line of report.adjustments) lines.push(`${line.label}: ${money(line.lastMonth)}`);
  const plans = report.savingsPlans;
  if (plans !== undefined && !('unavailable' in plans)) {
    lines.push(
      `Savings Plans: ${plans.utilizationPercent.toFixed(1)}% used (${money(plans.unusedCommitment)} unused)` +
        (plans.coveragePercent === null
          ? ''
          : `, ${plans.coveragePercent.toFixed(1)}% of eligible spend covered`),
    );
  }
  if ('unavailable' in report.forecast)
    lines.push(`Forecast for ${report.period.currentMonth}: ${report.forecast.unavailable}`);
  else
    lines.push(
      `Forecast for ${report.forecast.month}: ${money(report.forecast.amount)} ` +
        `(${report.forecast.predictionIntervalPercent}% interval ${money(report.forecast.lower)} to ${money(report.forecast.upper)})`,
    );
  for (const mover of report.topMovers.slice(0, 3)) {
    const driver = mover.drivers?.[0];
    lines.push(
      `${mover.service} usage: ${formatMoneyChange(mover.change, report.currency)}` +
        (driver
          ? ` (most of all ${driver.usageType} ${formatMoneyChange(driver.change, report.currency)})`
          : ''),
    );
  }
  const real = report.anomalies.filter((anomaly) => !anomaly.dismissed).length;
  const dismissed = report.anomalies.length - real;
  if (report.anomalies.length > 0) {
    lines.push(
      `${real === 0 ? 'No cost anomalies' : anomalyCount(real)} last month` +
        (dismissed > 0 ? ` (${dismissed} dismissed in Cost Explorer, not counted)` : ''),
    );
  }
  for (const budget of report.budgets)
    lines.push(
      `Budget ${budget.name}: ${money(budget.actual)} of ${money(budget.limit)} (${budget.percentUsed.toFixed(1)}%)`,
    );
  return lines;
}
