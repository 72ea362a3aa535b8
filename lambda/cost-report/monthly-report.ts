import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../shared/aws-clients';
import { snsSubject } from '../shared/message-text';
import { logger } from '../shared/observability';
import { presignDownload } from '../shared/presigned-urls';
import { buildCostReport } from './build-cost-report';
import { recordCostData } from './cost-explorer-reader';
import type { CostReport } from './cost-report-model';
import { renderReport } from './render/render-report';
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
  await clients.sns.send(
    new PublishCommand({
      TopicArn: settings.topicArn,
      Subject: snsSubject(`Vigil cost report ${period.month}: ${headline}`),
      Message: [headline, '', ...detailLines(report), '', `Full report (link expires): ${url}`].join('\n'),
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'cost-report' } },
    }),
  );
  if (settings.email) {
    await clients.ses.send(
      new SendEmailCommand({
        FromEmailAddress: settings.email.from,
        Destination: { ToAddresses: [...settings.email.to] },
        Content: {
          Simple: {
            Subject: { Data: `Vigil cost report ${period.month}: ${headline}` },
            Body: {
              Html: { Data: rendered.html },
              Text: { Data: [headline, ...detailLines(report), url].join('\n') },
            },
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

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** `$1,234.56 (+12.3% vs September)`: what a subject line can carry. */
export function headlineOf(report: CostReport): string {
  const { totals } = report;
  const change =
    totals.changePercent === null
      ? `${totals.changeUsd >= 0 ? '+' : '-'}${usd.format(Math.abs(totals.changeUsd))}`
      : `${totals.changePercent >= 0 ? '+' : ''}${totals.changePercent.toFixed(1)}%`;
  return `${usd.format(totals.lastMonth)} (${change} vs ${report.period.previousMonth})`;
}

function detailLines(report: CostReport): string[] {
  const lines: string[] = [];
  if ('unavailable' in report.forecast)
    lines.push(`Forecast for ${report.period.currentMonth}: ${report.forecast.unavailable}`);
  else
    lines.push(
      `Forecast for ${report.forecast.month}: ${usd.format(report.forecast.amount)} ` +
        `(${report.forecast.predictionIntervalPercent}% interval ${usd.format(report.forecast.lower)} to ${usd.format(report.forecast.upper)})`,
    );
  for (const mover of report.topMovers.slice(0, 3)) {
    lines.push(
      `${mover.service}: ${mover.changeUsd >= 0 ? '+' : '-'}${usd.format(Math.abs(mover.changeUsd))}`,
    );
  }
  if (report.anomalies.length > 0) lines.push(`${report.anomalies.length} cost anomalies last month`);
  for (const budget of report.budgets)
    lines.push(`Budget ${budget.name}: ${budget.percentUsed.toFixed(0)}% used`);
  return lines;
}
