import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoopSummary } from '../../scripts/local-loop/scenario';
import { localLoop, REPOSITORY_ROOT as root } from '../support/local-loop-cli';

/** One file per request (lambda/cost-report/recording/recorded-exchanges.ts). */
const RECORDING = path.join(root, 'tests/fixtures/aws/cost-explorer/monthly-cost');

interface RecordedGroup {
  Keys: string[];
  Metrics: Record<'UnblendedCost' | 'AmortizedCost', { Amount: string; Unit: string }>;
}

test('monthly-cost: the report of the recorded month, as mailed: usage $35.45, the $12.00 credit and $2.98 tax on their own lines, $26.43 billed', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'monthly-cost');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const outcome = JSON.parse(stdout.trimEnd().split('\n').at(-1) as string) as LoopSummary;
  expect(outcome).toMatchObject({ scenario: 'monthly-cost', unsupportedCalls: [], alerts: [] });

  // By hand from the recording's November answer (GetCostAndUsage by SERVICE and RECORD_TYPE, both
  // pages), each line rounded to the cent as the report shows it. Usage:
  //   CloudWatch 11.64 + Lambda 7.42 + DynamoDB 4.29 + API Gateway 3.82 + KMS 3.04 + S3 2.33
  //   + Firehose 1.22 + Step Functions 0.91 + Athena 0.62 + Cost Explorer 0.09 + SNS 0.05 + SQS 0.02
  //   = 35.45; then the Athena credit −12.00 and Tax 2.98: 26.43 billed (exactly 26.4330437997).
  expect(outcome.costReport).toMatchObject({ month: '2026-11', total: 26.43, currency: 'USD' });
  expect(outcome.costReport?.services).toHaveLength(14);
  expect(outcome.costReport?.services).toEqual(
    expect.arrayContaining([
      { service: 'Amazon Athena', amount: 0.62 },
      { service: 'Credits', amount: -12 },
      { service: 'Tax', amount: 2.98 },
      { service: 'AWS Lambda', amount: 7.42 },
    ]),
  );
  const cents = (outcome.costReport?.services ?? []).reduce(
    (sum, line) => sum + Math.round(line.amount * 100),
    0,
  );
  expect(cents).toBe(2643);
  // The credit is shown as what it was, not netted into Athena's usage.
  expect(outcome.costReport?.creditsApplied).toBe(-12);

  // The recording agrees with itself: the SERVICE × RECORD_TYPE answer holds the credit line and the
  // tax, and November adds up to the trend's November.
  const exchange = (file: string) =>
    JSON.parse(fs.readFileSync(path.join(RECORDING, file), 'utf8')) as {
      output: { ResultsByTime: { TimePeriod: { Start: string }; Groups: RecordedGroup[] }[] };
    };
  const groups = [
    '01-GetCostAndUsage-service-record-type-page-1.json',
    '02-GetCostAndUsage-service-record-type-page-2.json',
  ]
    .flatMap((file) => exchange(file).output.ResultsByTime)
    .filter((result) => result.TimePeriod.Start === '2026-11-01')
    .flatMap((result) => result.Groups);
  const amountOf = (keys: string[]) =>
    groups.find((group) => group.Keys.join() === keys.join())?.Metrics.UnblendedCost.Amount;
  expect(amountOf(['Amazon Athena', 'Credit'])).toBe('-12.0000000000');
  expect(amountOf(['Tax', 'Tax'])).toBe('2.9800000000');
  const exact = groups.reduce((sum, group) => sum + Number(group.Metrics.UnblendedCost.Amount), 0);
  expect(Math.round(exact * 100)).toBe(2643);
  expect(groups.every((group) => group.Metrics.UnblendedCost.Unit === 'USD')).toBe(true);

  // What the user receives: the mail, printed, and the report in the run folder.
  // The subject is ASCII (SNS's rule); the body has the true minus.
  expect(stdout).toContain(
    'Subject: Vigil cost report 2026-11: $26.43 billed (-47.0% vs 2026-10), usage -23.4%',
  );
  expect(stdout).toContain('$26.43 billed (−47.0% vs 2026-10), usage −23.4%');
  expect(stdout).toContain('No cost anomalies last month (1 dismissed in Cost Explorer, not counted)');
  expect(stdout).toContain('Credits: −$12.00');
  expect(stdout).toMatch(
    /Cost Explorer GetCostAndUsage 2026-10-01\.\.2026-12-01 MONTHLY by SERVICE and RECORD_TYPE, page 2 of 2/,
  );
  expect(stdout).toMatch(
    /Budgets DescribeBudgetPerformanceHistory 2026-11-01\.\.2026-12-01 account 123456789012 budget vigil-dev-monthly-904c4064/,
  );
  expect(stdout).toMatch(/mail published to vigil-dev-cost/);
  const folder = /^Run folder: (.+)\/$/m.exec(stdout)?.[1];
  expect(folder).toBeDefined();
  const html = fs.readFileSync(path.join(root, folder as string, 'cost-report.html'), 'utf8');
  expect(html).toContain('Amazon Athena');
  expect(html).toContain('−$12.00');
  expect(html).toContain('Dismissed: not an issue');
  expect(fs.existsSync(path.join(root, folder as string, 'cost-report-email.txt'))).toBe(true);
}, 180_000);
