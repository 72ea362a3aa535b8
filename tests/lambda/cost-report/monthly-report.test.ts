import '../support/test-environment';
import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import {
  CostExplorerClient,
  GetAnomaliesCommand,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  GetSavingsPlansUtilizationCommand,
} from '@aws-sdk/client-cost-explorer';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  MAIL_HTML_LIMIT_BYTES,
  type MonthlyReportSettings,
  publishMonthlyReport,
} from '../../../lambda/cost-report/monthly-report';
import { createAwsClients } from '../../../lambda/shared/aws-clients';
import {
  anomalyPage,
  costPage,
  forecastAnswer,
  monthResult,
  totalResult,
} from './support/recorded-responses';

const costExplorer = mockClient(CostExplorerClient);
const budgets = mockClient(BudgetsClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);
const clients = createAwsClients({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const NOW = new Date('2026-11-03T06:00:00.000Z');
const settings: MonthlyReportSettings = {
  accountId: '123456789012',
  bucketName: 'vigil-dev-cost-reports',
  topicArn: 'arn:aws:sns:us-east-1:123456789012:vigil-dev-cost',
  tagKeys: ['Owner'],
  platformTag: { key: 'Project', value: 'Vigil' },
  linkTtlSeconds: 3600,
};

beforeEach(() => {
  for (const mock of [costExplorer, budgets, s3, sns, ses]) mock.reset();
  costExplorer
    .on(GetCostAndUsageCommand)
    .callsFake(async (input: { GroupBy?: { Type: string }[]; TimePeriod: { Start: string } }) => {
      if (input.GroupBy?.[0]?.Type === 'DIMENSION') {
        return costPage([
          monthResult('2026-09', [[['AWS Lambda', 'Usage'], '100.00']]),
          monthResult('2026-10', [
            [['AWS Lambda', 'Usage'], '137.00'],
            [['AWS Lambda', 'Credit'], '-12.00'],
          ]),
        ]);
      }
      if (input.GroupBy) return costPage([monthResult('2026-09', []), monthResult('2026-10', [])]);
      if (input.TimePeriod.Start === '2026-11-01') return costPage([totalResult('2026-11', '8.00')]);
      return costPage([totalResult('2026-09', '100.00'), totalResult('2026-10', '125.00')]);
    });
  costExplorer
    .on(GetCostForecastCommand)
    .resolves(forecastAnswer('2026-11-03', '2026-12-01', '110', '90', '130'));
  costExplorer.on(GetAnomaliesCommand).resolves(anomalyPage([]));
  costExplorer
    .on(GetSavingsPlansUtilizationCommand)
    .rejects(
      Object.assign(new Error('No Savings Plans utilization data'), { name: 'DataUnavailableException' }),
    );
  budgets.on(DescribeBudgetsCommand).resolves({ Budgets: [] });
  s3.on(PutObjectCommand).resolves({ VersionId: 'v2' });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  ses.on(SendEmailCommand).resolves({ MessageId: 'e' });
});

test('stores HTML, CSV and JSON under last month’s key and announces the headline with an expiring link', async () => {
  const published = await publishMonthlyReport(clients, settings, NOW);
  const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
  expect(puts.map((put) => [put.Key, put.ContentType])).toEqual([
    ['reports/2026-10/cost-report-2026-10.html', 'text/html; charset=utf-8'],
    ['reports/2026-10/cost-report-2026-10.csv', 'text/csv; charset=utf-8'],
    ['reports/2026-10/cost-report-2026-10.json', 'application/json'],
  ]);
  expect(puts.every((put) => put.Bucket === settings.bucketName)).toBe(true);
  expect(published).toMatchObject({
    month: '2026-10',
    htmlVersionId: 'v2',
    headline: '$125.00 billed (+25.0% vs 2026-09), usage +37.0%',
  });

  const [message] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  expect(message?.TopicArn).toBe(settings.topicArn);
  expect(message?.Subject).toBe(
    'Vigil cost report 2026-10: $125.00 billed (+25.0% vs 2026-09), usage +37.0%',
  );
  expect(message?.Message).toContain('Usage $137.00 (+$37.00), bill $125.00 (+$25.00), amortized $125.00');
  expect(message?.Message).toContain('Credits: −$12.00');
  expect(message?.Message).toContain('Forecast for 2026-11: $118.00 (80% interval $98.00 to $138.00)');
  // The link's lifetime is stated, and where the report stays after it.
  expect(message?.Message).toMatch(
    /Full report \(the link works until 2026-11-03 07:00 UTC; after that the report stays at s3:\/\/vigil-dev-cost-reports\/reports\/2026-10\/cost-report-2026-10\.html\): https:\/\/vigil-dev-cost-reports\.s3\.us-east-1\.amazonaws\.com\/reports\/2026-10\/cost-report-2026-10\.html\?.*X-Amz-Expires=3600/,
  );
  expect(message?.Message).not.toMatch(/-\$/);
  expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
});

test('mails the HTML through SES when an email is configured', async () => {
  await publishMonthlyReport(
    clients,
    { ...settings, email: { from: 'cost@example.org', to: ['cfo@example.org'] } },
    NOW,
  );
  const [mail] = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
  expect(mail?.Destination?.ToAddresses).toEqual(['cfo@example.org']);
  const html = mail?.Content?.Simple?.Body?.Html?.Data ?? '';
  expect(html).toMatch(/^<!DOCTYPE html>/i);
  expect(Buffer.byteLength(html)).toBeLessThanOrEqual(MAIL_HTML_LIMIT_BYTES);
  expect(html).toContain('12-month trend');
});

test('a report too large to mail whole (200 services): the mail is its summary with the link, under 60 KB', async () => {
  const services = Array.from({ length: 200 }, (_, index) => `Service number ${index} with a long name`);
  costExplorer
    .on(GetCostAndUsageCommand, {
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
      ],
    })
    .resolves(
      costPage([
        monthResult(
          '2026-09',
          services.map((service) => [[service, 'Usage'], '1.00'] as const),
        ),
        monthResult(
          '2026-10',
          services.map((service) => [[service, 'Usage'], '2.00'] as const),
        ),
      ]),
    );
  await publishMonthlyReport(
    clients,
    { ...settings, email: { from: 'cost@example.org', to: ['cfo@example.org'] } },
    NOW,
  );
  const stored = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key?.endsWith('.html'));
  expect(Buffer.byteLength(String(stored?.args[0].input.Body))).toBeGreaterThan(MAIL_HTML_LIMIT_BYTES);
  const [mail] = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
  const html = mail?.Content?.Simple?.Body?.Html?.Data ?? '';
  expect(Buffer.byteLength(html)).toBeLessThan(10_000);
  expect(html).toContain('open the full report</a>');
  expect(html).toContain('the link works until 2026-11-03 07:00 UTC');
});

test('a failing Cost Explorer query fails the run, so the schedule’s retries and dead-letter queue see it', async () => {
  costExplorer
    .on(GetCostForecastCommand)
    .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
  await expect(publishMonthlyReport(clients, settings, NOW)).rejects.toThrow(
    /GetCostForecast.*AccessDeniedException/,
  );
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
});
