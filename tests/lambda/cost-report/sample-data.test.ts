import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildCostReport } from '../../../lambda/cost-report/build-cost-report';
import type { RecordedCostData } from '../../../lambda/cost-report/cost-report-model';
import { SAMPLE_RUN, sampleCostData } from './support/recorded-responses';

/**
 * The sample `npm run cost-report -- --fixture` renders is written from `sampleCostData()`; after
 * changing it, rewrite the file with
 *   UPDATE_COST_SAMPLE=1 npx jest tests/lambda/cost-report/sample-data.test.ts
 *   npx biome check --write lambda/cost-report/sample/recorded-cost-data.json
 */
const SAMPLE_FILE = path.join(__dirname, '../../../lambda/cost-report/sample/recorded-cost-data.json');

beforeAll(() => {
  if (process.env.UPDATE_COST_SAMPLE === '1') {
    mkdirSync(path.dirname(SAMPLE_FILE), { recursive: true });
    writeFileSync(SAMPLE_FILE, `${JSON.stringify(sampleCostData(), null, 2)}\n`);
  }
});

const recorded = (): RecordedCostData => JSON.parse(readFileSync(SAMPLE_FILE, 'utf8'));
const report = () =>
  buildCostReport(recorded(), { generatedAt: SAMPLE_RUN, tagKeys: ['Owner', 'CostCenter'] });
const cents = (amounts: readonly number[]) =>
  amounts.reduce((sum, amount) => sum + Math.round(amount * 100), 0);

test('the sample file is what sampleCostData() records', () => {
  expect(recorded()).toEqual(JSON.parse(JSON.stringify(sampleCostData())));
});

test('the services add up to the total, both months, to the cent', () => {
  const { services, totals } = report();
  expect(cents(services.map((line) => line.lastMonth))).toBe(Math.round(totals.lastMonth * 100));
  expect(cents(services.map((line) => line.monthBefore))).toBe(Math.round(totals.monthBefore * 100));
  expect(totals).toEqual({ lastMonth: 1534.09, monthBefore: 1527.66, changeUsd: 6.43, changePercent: 0.4 });
});

test('each tag breakdown and the trend agree with the service total', () => {
  const { byTag, trend, totals } = report();
  for (const tag of byTag) {
    expect(cents(tag.values.map((value) => value.lastMonth))).toBe(Math.round(totals.lastMonth * 100));
    expect(cents(tag.values.map((value) => value.monthBefore))).toBe(Math.round(totals.monthBefore * 100));
    expect(tag.values.map((value) => value.value)).toContain('(untagged)');
  }
  expect(trend).toHaveLength(12);
  expect(trend.at(-1)).toEqual({ month: '2026-10', amount: totals.lastMonth });
  expect(trend.at(-2)).toEqual({ month: '2026-09', amount: totals.monthBefore });
});

test('it shows what the sample is for: a new service, a gone one, a refund, anomalies, budgets, forecast', () => {
  const sample = report();
  expect(sample.services).toHaveLength(15);
  expect(sample.services.filter((line) => line.status === 'new').map((line) => line.service)).toEqual([
    'Amazon Athena',
  ]);
  expect(sample.services.filter((line) => line.status === 'gone').map((line) => line.service)).toEqual([
    'AWS Glue',
  ]);
  expect(sample.services.find((line) => line.lastMonth < 0)?.service).toBe('AWS Step Functions');
  expect(sample.topMovers.map((line) => line.service)).toEqual([
    'AWS Step Functions',
    'AWS Lambda',
    'AmazonCloudWatch',
    'Amazon Athena',
    'AWS Glue',
  ]);
  expect(sample.forecast).toEqual({
    month: '2026-11',
    amount: 1488.62,
    lower: 1341.07,
    upper: 1636.18,
    predictionIntervalPercent: 80,
  });
  expect(sample.anomalies.map((anomaly) => [anomaly.impactUsd, anomaly.rootCauses.length])).toEqual([
    [44.1, 2],
    [38.62, 1],
  ]);
  expect(sample.budgets.map((budget) => [budget.name, budget.percentUsed])).toEqual([
    ['q4-data-team', 85],
    ['monthly-account-total', 5.2],
  ]);
  expect(sample.platformCost).toEqual({ lastMonth: 41.9, monthBefore: 38.41 });
  expect(sample.apiCost).toEqual({ requests: 15, usd: 0.15 });
  expect(sample.notes).toEqual([
    'Cost Explorer marks 2026-10 as estimated: AWS can still adjust it until the bill is final.',
    'Credits and refunds are included as negative amounts, so every cost is net of them (below zero in 2026-10: AWS Step Functions).',
    'The forecast for 2026-11 is $104.27 spent before 2026-11-03 plus $1384.35 forecast for the rest of the month.',
    "Budgets show spend in each budget's own current period (a monthly budget: 2026-11 so far), not 2026-10.",
  ]);
});
