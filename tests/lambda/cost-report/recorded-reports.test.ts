import * as path from 'node:path';
import { buildCostReport, CostReportError } from '../../../lambda/cost-report/build-cost-report';
import type { CostReport, RecordedCostData } from '../../../lambda/cost-report/cost-report-model';
import { detailLines, headlineOf, MAIL_HTML_LIMIT_BYTES } from '../../../lambda/cost-report/monthly-report';
import {
  RecordingReplay,
  readRecording,
  replayCostData,
} from '../../../lambda/cost-report/recording/recorded-exchanges';
import { renderReport } from '../../../lambda/cost-report/render/render-report';

/**
 * The report on recordings in the APIs' own shapes (one file per request, pages and errors
 * included: lambda/cost-report/recording/recorded-exchanges.ts), replayed through the real reader
 * exactly as `npm run cost-report -- --fixture` does. Every figure in a test name is checked by hand
 * from the recording's files.
 */
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'aws', 'cost-explorer');

async function replay(name: string): Promise<{ data: RecordedCostData; replay: RecordingReplay }> {
  const recording = readRecording(path.join(FIXTURES, name));
  const { manifest } = recording;
  const replayer = new RecordingReplay(recording);
  const data = await replayCostData(replayer, manifest);
  return { data, replay: replayer };
}

async function reportOf(name: string): Promise<CostReport> {
  const { data } = await replay(name);
  return buildCostReport(data, { generatedAt: new Date('2026-12-03T06:00:00Z') });
}

const cents = (amounts: readonly number[]) =>
  amounts.reduce((sum, amount) => sum + Math.round(amount * 100), 0);

describe('credits, refunds, tax and Savings Plans fees (recording credits-fees-tax, November 2026)', () => {
  let report: CostReport;
  beforeAll(async () => {
    report = await reportOf('credits-fees-tax');
  });

  test('every recorded exchange is asked, pages included (3 by service, 2 by usage type, 2 by tag, 2 of anomalies, 2 of budgets, Savings Plans), and nothing else', async () => {
    const { replay: replayer, data } = await replay('credits-fees-tax');
    expect(replayer.unrecorded).toEqual([]);
    expect(replayer.unasked()).toEqual([]);
    // 3 + 2 + 2 + trend + platform + month to date + forecast + 2 anomaly pages + Savings Plans
    // utilization and coverage = 15 billed requests.
    expect(data.costExplorerRequests).toBe(15);
  });

  test('usage $16,631.00 vs $14,620.00 (+$2,011.00, +13.8%); bill $26,725.00 vs $15,620.00 (+$11,105.00, +71.1%); amortized $14,725.00 (−$895.00, −5.7%)', () => {
    expect(report.totals).toEqual({
      grossUsage: { lastMonth: 16631, monthBefore: 14620, change: 2011, changePercent: 13.8 },
      net: { lastMonth: 26725, monthBefore: 15620, change: 11105, changePercent: 71.1 },
      amortized: { lastMonth: 14725, monthBefore: 15620, change: -895, changePercent: -5.7 },
    });
    expect(headlineOf(report)).toBe('$26,725.00 billed (+71.1% vs 2026-10), usage +13.8%');
  });

  test('SageMaker, fully covered by a $1,456.00 credit, still shows its $1,456.00 usage; the credit is its own line', () => {
    expect(report.services.find((line) => line.service === 'Amazon SageMaker')).toMatchObject({
      lastMonth: 1456,
      monthBefore: 1200,
      change: 256,
    });
    expect(report.adjustments.find((line) => line.recordType === 'Credit')).toMatchObject({
      label: 'Credits',
      lastMonth: -1456,
      services: [{ service: 'Amazon SageMaker', amount: -1456 }],
    });
  });

  test('EC2 usage $11,464.00 (+$1,464.00) counts covered usage at its on-demand $5,000.00; amortized $9,964.00 at the plan’s $3,500.00', () => {
    expect(report.services[0]).toMatchObject({
      service: 'Amazon Elastic Compute Cloud - Compute',
      lastMonth: 11464,
      change: 1464,
      amortizedLastMonth: 9964,
    });
    // What drove it, from the usage by usage type (credits left out): instance hours, not EBS.
    expect(report.topMovers[0]?.drivers).toEqual([
      { usageType: 'EU-BoxUsage:c7g.4xlarge', lastMonth: 9464, monthBefore: 8000, change: 1464 },
    ]);
    expect(detailLines(report)).toContain(
      'Amazon Elastic Compute Cloud - Compute usage: +$1,464.00 (most of all EU-BoxUsage:c7g.4xlarge +$1,464.00)',
    );
    expect(report.topMovers.map((line) => [line.service, line.change])).toEqual([
      ['Amazon Elastic Compute Cloud - Compute', 1464],
      ['Amazon SageMaker', 256],
      ['Amazon Bedrock', 250],
      ['Amazon Relational Database Service', 100],
      ['AWS Glue', -50],
    ]);
  });

  test('upfront $12,000.00, negation −$5,000.00, recurring $3,600.00, credits −$1,456.00, tax $1,100.00, refunds −$150.00: $10,094.00 = bill − usage', () => {
    expect(report.adjustments.map((line) => [line.recordType, line.lastMonth])).toEqual([
      ['SavingsPlanUpfrontFee', 12000],
      ['SavingsPlanNegation', -5000],
      ['SavingsPlanRecurringFee', 3600],
      ['Credit', -1456],
      ['Tax', 1100],
      ['Refund', -150],
    ]);
    expect(cents(report.adjustments.map((line) => line.lastMonth))).toBe(2672500 - 1663100);
    // Tax is a line of the bill, never a service (so never a top mover).
    expect(report.services.map((line) => line.service)).not.toContain('Tax');
    expect(report.services.map((line) => line.service)).not.toContain('Savings Plans for AWS Compute usage');
  });

  test('S3 $300.33 + CloudWatch $200.33 + DynamoDB $100.34 (largest remainder) = $601.00; every column adds up to its printed total', () => {
    const amountOf = (service: string) => report.services.find((line) => line.service === service)?.lastMonth;
    expect(amountOf('Amazon Simple Storage Service')).toBe(300.33);
    expect(amountOf('AmazonCloudWatch')).toBe(200.33);
    expect(amountOf('Amazon DynamoDB')).toBe(100.34);
    for (const column of ['lastMonth', 'monthBefore'] as const) {
      expect(cents(report.services.map((line) => line[column]))).toBe(
        cents([report.totals.grossUsage[column]]),
      );
      expect(cents([...report.services, ...report.adjustments].map((line) => line[column]))).toBe(
        cents([report.totals.net[column]]),
      );
    }
    expect(report.notes).toContain(
      'Rows are rounded to the cent by the largest-remainder method: each column of rows adds up to its printed total, and a row is at most a cent from its own exact amount.',
    );
  });

  test('teams by tag are amortized: team-web $11,024.33, team-data $2,400.67, team-ml $1,706.00, (untagged) −$406.00 = $14,725.00, with a note why untagged is negative', () => {
    expect(report.byTag).toEqual([
      {
        tagKey: 'Owner',
        values: [
          { value: 'team-web', lastMonth: 11024.33, monthBefore: 11080 },
          { value: 'team-data', lastMonth: 2400.67, monthBefore: 2340 },
          { value: 'team-ml', lastMonth: 1706, monthBefore: 1200 },
          { value: '(untagged)', lastMonth: -406, monthBefore: 1000 },
        ],
      },
    ]);
    expect(report.notes.join('\n')).toMatch(
      /carry no tags, so they are in \(untagged\), which can therefore be below zero/,
    );
  });

  test('budgets for November, not the current month: $26,725.00 of $25,000.00 (106.9%), quarterly $2,906.00 of $6,000.00 (48.4%); the utilization budget is not shown as money', () => {
    expect(report.budgets).toEqual([
      {
        name: 'acme-monthly-total',
        periodStart: '2026-11-01',
        periodEnd: '2026-12-01',
        limit: 25000,
        actual: 26725,
        percentUsed: 106.9,
      },
      {
        name: 'ml-quarterly',
        periodStart: '2026-10-01',
        periodEnd: '2027-01-01',
        limit: 6000,
        actual: 2906,
        percentUsed: 48.4,
      },
    ]);
    expect(report.notes).toContain(
      'The budget compute-sp-utilization measures Savings Plans utilization, a percentage, not money spent: it is not shown with the cost budgets.',
    );
  });

  test('3 anomalies over two pages: 2 counted ($180.00 confirmed, $60.00 unanswered), the $420.00 one dismissed (Feedback NO) marked and not counted', () => {
    expect(report.anomalies.map((anomaly) => [anomaly.impact, anomaly.feedback, anomaly.dismissed])).toEqual([
      [180, 'YES', false],
      [60, undefined, false],
      [420, 'NO', true],
    ]);
    expect(report.anomalies[2]).toMatchObject({ start: '2026-11-20', end: '2026-11-21' });
    expect(detailLines(report)).toContain(
      '2 anomalies last month (1 dismissed in Cost Explorer, not counted)',
    );
  });

  test('Savings Plans: 97.2% of the $3,600.00 commitment used ($100.00 unused); 43.6% of the $11,464.00 eligible spend covered', () => {
    expect(report.savingsPlans).toEqual({
      totalCommitment: 3600,
      usedCommitment: 3500,
      unusedCommitment: 100,
      utilizationPercent: 97.2,
      coveredSpend: 5000,
      eligibleSpend: 11464,
      coveragePercent: 43.6,
    });
    expect(detailLines(report)).toContain(
      'Savings Plans: 97.2% used ($100.00 unused), 43.6% of eligible spend covered',
    );
  });

  test('the forecast for December is $1,700.00 spent plus $24,300.00: $26,000.00 (80% interval $22,700.00 to $29,300.00)', () => {
    expect(report.forecast).toEqual({
      month: '2026-12',
      amount: 26000,
      lower: 22700,
      upper: 29300,
      predictionIntervalPercent: 80,
    });
  });

  test('the mail text uses one minus sign, the true one, and every amount in dollars', () => {
    const text = detailLines(report).join('\n');
    expect(text).toContain('Credits: −$1,456.00');
    expect(text).toContain(
      'Usage $16,631.00 (+$2,011.00), bill $26,725.00 (+$11,105.00), amortized $14,725.00',
    );
    expect(text).not.toMatch(/-\$/);
  });
});

describe('an account billed in yuan (recording cny-account)', () => {
  let report: CostReport;
  beforeAll(async () => {
    report = await reportOf('cny-account');
  });

  test('¥273,016.90 billed (+¥17,016.90, +6.6%), usage ¥250,000.00 (+6.4%), tax ¥23,016.90: CNY from the API’s Unit, never $', async () => {
    expect(report.currency).toBe('CNY');
    expect(report.totals.net).toEqual({
      lastMonth: 273016.9,
      monthBefore: 256000,
      change: 17016.9,
      changePercent: 6.6,
    });
    expect(report.totals.grossUsage).toMatchObject({ lastMonth: 250000, changePercent: 6.4 });
    expect(report.adjustments).toEqual([expect.objectContaining({ recordType: 'Tax', lastMonth: 23016.9 })]);
    expect(headlineOf(report)).toBe('¥273,016.90 billed (+6.6% vs 2026-10), usage +6.4%');
    // SNS subjects are ASCII: the code, not a `?` for the symbol.
    expect(headlineOf(report, { ascii: true })).toBe('CNY 273,016.90 billed (+6.6% vs 2026-10), usage +6.4%');
    const rendered = await renderReport(report);
    expect(rendered.html).toContain('¥273,016.90');
    expect(rendered.html).not.toContain('$');
    expect(detailLines(report).join('\n')).not.toContain('$');
    expect(rendered.csv.split('\r\n')[1]).toMatch(/^service,2026-11,CNY,/);
  });

  test('no budgets: DescribeBudgets’ NotFoundException means none, not a failed report', () => {
    expect(report.budgets).toEqual([]);
  });

  test('no Savings Plans: GetSavingsPlansUtilization’s DataUnavailableException says so, and nothing is shown', async () => {
    expect(report.savingsPlans).toEqual({
      unavailable:
        'no Savings Plans in 2026-11 (No Savings Plans utilization data is available for the requested time period.)',
    });
    const { html } = await renderReport(report);
    expect(html).not.toContain('Savings Plans:');
  });

  test('amounts in two currencies are refused with an error naming both, never added up', async () => {
    const { data } = await replay('cny-account');
    const forecast = data.forecast as { Total: { Amount: string; Unit: string } };
    const mixed = { ...data, forecast: { ...forecast, Total: { ...forecast.Total, Unit: 'USD' } } };
    expect(() => buildCostReport(mixed as RecordedCostData, { generatedAt: new Date() })).toThrow(
      CostReportError,
    );
    expect(() => buildCostReport(mixed as RecordedCostData, { generatedAt: new Date() })).toThrow(
      'Cost Explorer and Budgets answered in more than one currency (CNY in cost by service, USD in forecast): amounts in different currencies cannot be added up, so no report was made.',
    );
  });
});

describe('the sample the README shows (lambda/cost-report/sample/recording, October 2026)', () => {
  test('$1,534.09 billed = $1,630.49 usage − $96.40 refund (Step Functions, usage $78.24 after $96.40 in September)', async () => {
    const recording = readRecording(
      path.join(__dirname, '..', '..', '..', 'lambda', 'cost-report', 'sample', 'recording'),
    );
    const replayer = new RecordingReplay(recording);
    const now = new Date(recording.manifest.recordedAt);
    const data = await replayCostData(replayer, recording.manifest, now);
    const report = buildCostReport(data, { generatedAt: now });
    expect(replayer.unasked()).toEqual([]);
    expect(report.totals.net).toMatchObject({ lastMonth: 1534.09, monthBefore: 1527.66, change: 6.43 });
    expect(report.totals.grossUsage.lastMonth).toBe(1630.49);
    expect(report.services.find((line) => line.service === 'AWS Step Functions')).toMatchObject({
      lastMonth: 78.24,
      monthBefore: 96.4,
    });
    expect(report.adjustments).toEqual([
      expect.objectContaining({
        recordType: 'Refund',
        lastMonth: -96.4,
        services: [{ service: 'AWS Step Functions', amount: -96.4 }],
      }),
    ]);
    expect(report.trend.at(-1)).toEqual({ month: '2026-10', amount: 1534.09 });
    // Mailed whole: under the size at which common clients clip a message.
    const { html } = await renderReport(report);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(MAIL_HTML_LIMIT_BYTES);
  });
});
