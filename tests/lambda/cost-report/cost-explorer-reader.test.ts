import '../support/test-environment';
import {
  type Budget,
  BudgetsClient,
  DescribeBudgetPerformanceHistoryCommand,
  DescribeBudgetsCommand,
  type DescribeBudgetsCommandInput,
  NotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-budgets';
import {
  CostExplorerClient,
  DataUnavailableException,
  GetAnomaliesCommand,
  type GetAnomaliesCommandInput,
  type GetAnomaliesCommandOutput,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
  GetSavingsPlansCoverageCommand,
  GetSavingsPlansUtilizationCommand,
  type GroupDefinition,
  LimitExceededException,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CostDataError,
  type RecordCostDataOptions,
  recordCostData,
} from '../../../lambda/cost-report/cost-explorer-reader';
import type { RecordedCostData } from '../../../lambda/cost-report/cost-report-model';
import { reportPeriod } from '../../../lambda/cost-report/report-period';
import { createAwsClients } from '../../../lambda/shared/aws-clients';
import {
  anomalyPage,
  costBudget,
  costPage,
  forecastAnswer,
  MARCH_PERIOD,
  MARCH_RUN,
  monthResult,
  totalResult,
} from './support/recorded-responses';

const costExplorerMock = mockClient(CostExplorerClient);
const budgetsMock = mockClient(BudgetsClient);
const clients = createAwsClients({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});

const options: RecordCostDataOptions = {
  period: MARCH_PERIOD,
  accountId: '123456789012',
  tagKeys: ['Owner', 'CostCenter'],
  platformTag: { key: 'Project', value: 'Vigil' },
  now: MARCH_RUN,
  retryDelayMs: 1,
};

/**
 * Which recorded answer a GetCostAndUsage input asks for; anything else is a question nobody recorded.
 * Two queries are ungrouped and unfiltered: the trend, which spans a year to the day, and the month
 * to date.
 */
function queryOf(input: GetCostAndUsageCommandInput): string {
  if (input.GroupBy?.[1]?.Key === 'USAGE_TYPE') return 'usage by type';
  if (input.Filter) return `filter ${JSON.stringify(input.Filter)}`;
  const group = input.GroupBy?.[0];
  if (group) return `${group.Type} ${group.Key}`;
  const { Start = '', End = '' } = input.TimePeriod ?? {};
  const aYear = Start.slice(4) === End.slice(4) && Number(End.slice(0, 4)) - Number(Start.slice(0, 4)) === 1;
  return aYear ? 'trend' : 'month to date';
}

/**
 * A stand-in Cost Explorer that pages like the real one: a token is only valid for the question it
 * was handed out for, so a page asked without the first page's grouping or filter is refused.
 */
function serveCostAndUsage(answers: Record<string, readonly GetCostAndUsageCommandOutput[]>): void {
  costExplorerMock.on(GetCostAndUsageCommand).callsFake((input: GetCostAndUsageCommandInput) => {
    // The usage-type breakdown answers empty unless a test looks at it.
    const pages =
      answers[queryOf(input)] ?? (queryOf(input) === 'usage by type' ? [costPage([])] : undefined);
    if (!pages) throw new Error(`nothing recorded for ${queryOf(input)}`);
    const index =
      input.NextPageToken === undefined
        ? 0
        : pages.findIndex((_, i) => i > 0 && pages[i - 1]?.NextPageToken === input.NextPageToken);
    const page = pages[index];
    if (index < 0 || !page) throw new Error(`invalid token ${input.NextPageToken} for ${queryOf(input)}`);
    return page;
  });
}

function serveAnomalies(pages: readonly GetAnomaliesCommandOutput[]): void {
  costExplorerMock.on(GetAnomaliesCommand).callsFake((input: GetAnomaliesCommandInput) => {
    const index =
      input.NextPageToken === undefined
        ? 0
        : pages.findIndex((_, i) => i > 0 && pages[i - 1]?.NextPageToken === input.NextPageToken);
    return pages[index] ?? { Anomalies: [] };
  });
}

const FEBRUARY = [monthResult('2026-01', []), monthResult('2026-02', [])];

/** Every query answered with one empty page, so a test can look at just one of them. */
function serveEmptyAccount(): void {
  serveCostAndUsage({
    'DIMENSION SERVICE': [costPage(FEBRUARY)],
    'TAG Owner': [costPage(FEBRUARY)],
    'TAG CostCenter': [costPage(FEBRUARY)],
    trend: [costPage([])],
    'month to date': [costPage([])],
    [`filter ${JSON.stringify({ Tags: { Key: 'Project', Values: ['Vigil'] } })}`]: [costPage([])],
  });
  costExplorerMock
    .on(GetCostForecastCommand)
    .resolves(forecastAnswer('2026-03-03', '2026-04-01', '100.0', '90.0', '110.0'));
  serveAnomalies([anomalyPage([])]);
  // An account without Savings Plans: utilization answers DataUnavailableException, coverage is not asked.
  costExplorerMock
    .on(GetSavingsPlansUtilizationCommand)
    .rejects(new DataUnavailableException({ message: 'No Savings Plans utilization data', $metadata: {} }));
  budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: [] });
  budgetsMock.on(DescribeBudgetPerformanceHistoryCommand).resolves({});
}

const BY_SERVICE_AND_RECORD_TYPE: GroupDefinition[] = [
  { Type: 'DIMENSION', Key: 'SERVICE' },
  { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
];

const costAndUsageInputs = () =>
  costExplorerMock.commandCalls(GetCostAndUsageCommand).map((call) => call.args[0].input);

beforeEach(() => {
  costExplorerMock.reset();
  budgetsMock.reset();
});

describe('the questions asked', () => {
  test('by service and by each tag for two months, the 12-month trend, the platform tag, and the month to date', async () => {
    serveEmptyAccount();
    await recordCostData(clients, options);
    const twoMonths = { Start: '2026-01-01', End: '2026-03-01' };
    const unblended = { Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] };
    const amortized = { Granularity: 'MONTHLY', Metrics: ['AmortizedCost'] };
    expect(costAndUsageInputs()).toEqual([
      // Two dimensions, the most GetCostAndUsage allows: usage apart from credits, refunds, tax and fees.
      {
        TimePeriod: twoMonths,
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost', 'AmortizedCost'],
        GroupBy: BY_SERVICE_AND_RECORD_TYPE,
      },
      // What drove each mover: usage (no credits) by usage type.
      {
        TimePeriod: twoMonths,
        ...unblended,
        GroupBy: [
          { Type: 'DIMENSION', Key: 'SERVICE' },
          { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        ],
        Filter: {
          Dimensions: { Key: 'RECORD_TYPE', Values: ['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'] },
        },
      },
      { TimePeriod: twoMonths, ...amortized, GroupBy: [{ Type: 'TAG', Key: 'Owner' }] },
      { TimePeriod: twoMonths, ...amortized, GroupBy: [{ Type: 'TAG', Key: 'CostCenter' }] },
      { TimePeriod: { Start: '2025-03-01', End: '2026-03-01' }, ...unblended },
      { TimePeriod: twoMonths, ...amortized, Filter: { Tags: { Key: 'Project', Values: ['Vigil'] } } },
      { TimePeriod: { Start: '2026-03-01', End: '2026-03-03' }, ...unblended },
    ]);
  });

  test('a tag key listed twice is asked once', async () => {
    serveEmptyAccount();
    const data = await recordCostData(clients, { ...options, tagKeys: ['Owner', 'Owner'] });
    expect(Object.keys(data.costByTag)).toEqual(['Owner']);
    expect(costAndUsageInputs().filter((input) => input.GroupBy?.[0]?.Type === 'TAG')).toHaveLength(1);
  });

  test('the forecast covers today to the end of the current month, with an 80% interval', async () => {
    serveEmptyAccount();
    const data = await recordCostData(clients, options);
    expect(costExplorerMock.commandCalls(GetCostForecastCommand)[0]?.args[0].input).toEqual({
      TimePeriod: { Start: '2026-03-03', End: '2026-04-01' },
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
      PredictionIntervalLevel: 80,
    });
    expect(data.forecast).toMatchObject({ Total: { Amount: '100.0' } });
  });

  test('the anomalies that ended in the month: its first and last day, both inclusive', async () => {
    serveEmptyAccount();
    await recordCostData(clients, options);
    expect(costExplorerMock.commandCalls(GetAnomaliesCommand)[0]?.args[0].input).toEqual({
      DateInterval: { StartDate: '2026-02-01', EndDate: '2026-02-28' },
    });
  });
});

describe('pagination', () => {
  test('every page is read, each asked with the same months, grouping and metric plus its token', async () => {
    serveEmptyAccount();
    const pages = [
      costPage([monthResult('2026-01', [['AWS Lambda', '10.00']])], 'token-2'),
      costPage([monthResult('2026-01', [['Amazon S3', '5.00']])], 'token-3'),
      costPage([monthResult('2026-02', [['AWS Lambda', '12.00']])]),
    ];
    serveCostAndUsage({
      'DIMENSION SERVICE': pages,
      'TAG Owner': [costPage(FEBRUARY)],
      'TAG CostCenter': [costPage(FEBRUARY)],
      trend: [costPage([])],
      'month to date': [costPage([])],
      [`filter ${JSON.stringify({ Tags: { Key: 'Project', Values: ['Vigil'] } })}`]: [costPage([])],
    });
    const data = await recordCostData(clients, options);

    expect(data.costByService).toEqual(pages);
    const byService = costAndUsageInputs().filter((input) => input.GroupBy?.[1]?.Key === 'RECORD_TYPE');
    const first = {
      TimePeriod: { Start: '2026-01-01', End: '2026-03-01' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost', 'AmortizedCost'],
      GroupBy: BY_SERVICE_AND_RECORD_TYPE,
    };
    expect(byService).toEqual([
      first,
      { ...first, NextPageToken: 'token-2' },
      { ...first, NextPageToken: 'token-3' },
    ]);
    expect(byService[0]).not.toHaveProperty('NextPageToken');
  });

  test('the filtered platform query keeps its filter on every page', async () => {
    serveEmptyAccount();
    const platformQuery = `filter ${JSON.stringify({ Tags: { Key: 'Team', Values: ['sre'] } })}`;
    serveCostAndUsage({
      'DIMENSION SERVICE': [costPage(FEBRUARY)],
      'TAG Owner': [costPage(FEBRUARY)],
      'TAG CostCenter': [costPage(FEBRUARY)],
      'month to date': [costPage([])],
      trend: [
        costPage([totalResult('2025-03', '1.00')], 'trend-2'),
        costPage([totalResult('2025-04', '2.00')]),
      ],
      [platformQuery]: [
        costPage([totalResult('2026-01', '3.00')], 'platform-2'),
        costPage([totalResult('2026-02', '4.00')]),
      ],
    });
    const data = await recordCostData(clients, { ...options, platformTag: { key: 'Team', value: 'sre' } });

    expect(data.platform).toHaveLength(2);
    expect(data.trend).toHaveLength(2);
    const filtered = costAndUsageInputs().filter((input) => input.Filter?.Tags);
    expect(filtered.map((input) => input.Filter)).toEqual([
      { Tags: { Key: 'Team', Values: ['sre'] } },
      { Tags: { Key: 'Team', Values: ['sre'] } },
    ]);
    expect(filtered[1]).toEqual({ ...filtered[0], NextPageToken: 'platform-2' });
    const trend = costAndUsageInputs().filter((input) => input.TimePeriod?.Start === '2025-03-01');
    expect(trend).toHaveLength(2);
    expect(trend[1]).toEqual({ ...trend[0], NextPageToken: 'trend-2' });
  });

  test('anomalies are read page by page with the same date interval', async () => {
    serveEmptyAccount();
    const anomaly = (id: string) => ({
      AnomalyId: id,
      AnomalyScore: { MaxScore: 0.5, CurrentScore: 0.1 },
      Impact: { MaxImpact: 1 },
      MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m',
    });
    serveAnomalies([anomalyPage([anomaly('a')], 'next-1'), anomalyPage([anomaly('b')])]);
    const data = await recordCostData(clients, options);
    expect(data.anomalies.flatMap((page) => page.Anomalies?.map((a) => a.AnomalyId))).toEqual(['a', 'b']);
    expect(costExplorerMock.commandCalls(GetAnomaliesCommand).map((call) => call.args[0].input)).toEqual([
      { DateInterval: { StartDate: '2026-02-01', EndDate: '2026-02-28' } },
      { DateInterval: { StartDate: '2026-02-01', EndDate: '2026-02-28' }, NextPageToken: 'next-1' },
    ]);
  });

  test('budgets are read page by page with NextToken; each cost budget’s history for the reported month, not annual or usage ones', async () => {
    serveEmptyAccount();
    const usageBudget: Budget = {
      BudgetName: 'lambda-invocations',
      BudgetType: 'USAGE',
      TimeUnit: 'MONTHLY',
    };
    budgetsMock.on(DescribeBudgetsCommand).callsFake((input: DescribeBudgetsCommandInput) =>
      input.NextToken === undefined
        ? { Budgets: [costBudget('monthly', '100', '10'), usageBudget], NextToken: 'b-2' }
        : {
            Budgets: [
              costBudget('quarterly', '300', '200', undefined, 'QUARTERLY'),
              costBudget('yearly', '1200', '200', undefined, 'ANNUALLY'),
            ],
          },
    );
    budgetsMock
      .on(DescribeBudgetPerformanceHistoryCommand)
      .callsFake((input: { BudgetName: string; NextToken?: string }) =>
        input.BudgetName === 'monthly' && input.NextToken === undefined
          ? { BudgetPerformanceHistory: { BudgetName: 'monthly' }, NextToken: 'h-2' }
          : { BudgetPerformanceHistory: { BudgetName: input.BudgetName } },
      );
    const data = await recordCostData(clients, options);
    expect(data.budgets.map((budget) => budget.BudgetName)).toEqual([
      'monthly',
      'lambda-invocations',
      'quarterly',
      'yearly',
    ]);
    expect(budgetsMock.commandCalls(DescribeBudgetsCommand).map((call) => call.args[0].input)).toEqual([
      { AccountId: '123456789012' },
      { AccountId: '123456789012', NextToken: 'b-2' },
    ]);
    const february = { Start: new Date('2026-02-01T00:00:00Z'), End: new Date('2026-03-01T00:00:00Z') };
    expect(
      budgetsMock.commandCalls(DescribeBudgetPerformanceHistoryCommand).map((call) => call.args[0].input),
    ).toEqual([
      { AccountId: '123456789012', BudgetName: 'monthly', TimePeriod: february },
      { AccountId: '123456789012', BudgetName: 'monthly', TimePeriod: february, NextToken: 'h-2' },
      { AccountId: '123456789012', BudgetName: 'quarterly', TimePeriod: february },
    ]);
    expect(data.budgetPerformance?.map((history) => history.BudgetName)).toEqual([
      'monthly',
      'monthly',
      'quarterly',
    ]);
  });

  test('Savings Plans: utilization of the month, then every page of coverage with NextToken', async () => {
    serveEmptyAccount();
    const month = { TimePeriod: { Start: '2026-02-01', End: '2026-03-01' }, Granularity: 'MONTHLY' };
    costExplorerMock.on(GetSavingsPlansUtilizationCommand).resolves({
      Total: { Utilization: { TotalCommitment: '100', UsedCommitment: '90', UnusedCommitment: '10' } },
    });
    costExplorerMock
      .on(GetSavingsPlansCoverageCommand)
      .callsFake((input: { NextToken?: string }) =>
        input.NextToken === undefined
          ? { SavingsPlansCoverages: [], NextToken: 'c-2' }
          : { SavingsPlansCoverages: [] },
      );
    const data = await recordCostData(clients, options);
    expect(costExplorerMock.commandCalls(GetSavingsPlansUtilizationCommand)[0]?.args[0].input).toEqual(month);
    expect(
      costExplorerMock.commandCalls(GetSavingsPlansCoverageCommand).map((call) => call.args[0].input),
    ).toEqual([month, { ...month, NextToken: 'c-2' }]);
    expect(data.savingsPlans).toMatchObject({ coverage: [{ NextToken: 'c-2' }, {}] });
  });

  test('without Savings Plans, DataUnavailableException is recorded as such and coverage is not asked', async () => {
    serveEmptyAccount();
    const data = await recordCostData(clients, options);
    expect(data.savingsPlans).toEqual({
      unavailable: 'no Savings Plans in 2026-02 (No Savings Plans utilization data)',
    });
    expect(costExplorerMock.commandCalls(GetSavingsPlansCoverageCommand)).toHaveLength(0);
  });

  test('a budget created after the month: its history’s NotFoundException leaves it out, not the report', async () => {
    serveEmptyAccount();
    budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: [costBudget('new-budget', '100', '1')] });
    budgetsMock
      .on(DescribeBudgetPerformanceHistoryCommand)
      .rejects(new NotFoundException({ message: 'Unable to get budget performance history', $metadata: {} }));
    const data = await recordCostData(clients, options);
    expect(data.budgetPerformance).toEqual([]);
  });

  test('an account without budgets: DescribeBudgets’ NotFoundException is no budgets, not a failure', async () => {
    serveEmptyAccount();
    budgetsMock
      .on(DescribeBudgetsCommand)
      .rejects(new NotFoundException({ message: 'Unable to get budgets for account', $metadata: {} }));
    const data = await recordCostData(clients, options);
    expect(data.budgets).toEqual([]);
    expect(data.budgetPerformance).toEqual([]);
  });
});

describe('the month to date', () => {
  test('the first of the current month to today, ungrouped, asked right before the forecast', async () => {
    serveEmptyAccount();
    const spent = [costPage([totalResult('2026-03', '42.17', { estimated: true })])];
    serveCostAndUsage({
      'DIMENSION SERVICE': [costPage(FEBRUARY)],
      'TAG Owner': [costPage(FEBRUARY)],
      'TAG CostCenter': [costPage(FEBRUARY)],
      trend: [costPage([])],
      'month to date': spent,
      [`filter ${JSON.stringify({ Tags: { Key: 'Project', Values: ['Vigil'] } })}`]: [costPage([])],
    });
    const data = await recordCostData(clients, options);

    expect(data.monthToDate).toEqual(spent);
    const calls = costExplorerMock.calls().map((call) => call.args[0]);
    const forecast = calls.findIndex((command) => command instanceof GetCostForecastCommand);
    expect(forecast).toBeGreaterThan(0);
    expect(calls[forecast - 1]?.input).toEqual({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-03' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
    });
    expect(calls[forecast - 1]).toBeInstanceOf(GetCostAndUsageCommand);
  });

  test('every page is read, each asked with the same period plus its token', async () => {
    serveEmptyAccount();
    const pages = [
      costPage([totalResult('2026-03', '40.00', { estimated: true })], 'mtd-2'),
      costPage([totalResult('2026-03', '2.17', { estimated: true })]),
    ];
    serveCostAndUsage({
      'DIMENSION SERVICE': [costPage(FEBRUARY)],
      'TAG Owner': [costPage(FEBRUARY)],
      'TAG CostCenter': [costPage(FEBRUARY)],
      trend: [costPage([])],
      'month to date': pages,
      [`filter ${JSON.stringify({ Tags: { Key: 'Project', Values: ['Vigil'] } })}`]: [costPage([])],
    });
    const data = await recordCostData(clients, options);

    expect(data.monthToDate).toEqual(pages);
    const first = {
      TimePeriod: { Start: '2026-03-01', End: '2026-03-03' },
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost'],
    };
    expect(costAndUsageInputs().filter((input) => input.TimePeriod?.Start === '2026-03-01')).toEqual([
      first,
      { ...first, NextPageToken: 'mtd-2' },
    ]);
    // By service, usage types, 2 tags, trend, platform, 2 month to date, forecast, anomalies, Savings Plans utilization.
    expect(data.costExplorerRequests).toBe(11);
  });

  test('on the first of the month nothing is spent yet: it is not asked, and recorded as []', async () => {
    serveEmptyAccount();
    const now = new Date('2026-03-01T00:10:00.000Z');
    const data = await recordCostData(clients, { ...options, period: reportPeriod(now), now });

    expect(data.monthToDate).toEqual([]);
    const inputs = costAndUsageInputs();
    expect(inputs).toHaveLength(6);
    expect(inputs.filter((input) => input.TimePeriod?.Start === '2026-03-01')).toEqual([]);
    expect(inputs.filter((input) => !input.GroupBy && !input.Filter)).toEqual([
      {
        TimePeriod: { Start: '2025-03-01', End: '2026-03-01' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
      },
    ]);
    // By service, usage types, 2 tags, trend, platform, forecast, anomalies, Savings Plans utilization:
    // no month to date.
    expect(data.costExplorerRequests).toBe(9);
    expect(data.costExplorerRequests).toBe(costExplorerMock.calls().length);
  });
});

describe('the forecast', () => {
  test('on the first of the month it starts on the first', async () => {
    serveEmptyAccount();
    const now = new Date('2026-03-01T00:10:00.000Z');
    await recordCostData(clients, { ...options, period: reportPeriod(now), now });
    expect(costExplorerMock.commandCalls(GetCostForecastCommand)[0]?.args[0].input.TimePeriod).toEqual({
      Start: '2026-03-01',
      End: '2026-04-01',
    });
  });

  test.each([
    ['2026-03-31T12:00:00.000Z', '2026-03-31 is the last day of 2026-03'],
    ['2028-02-29T12:00:00.000Z', '2028-02-29 is the last day of 2028-02'],
  ])('on the last day of the month (%s) it is unavailable, and not asked', async (at, reason) => {
    serveEmptyAccount();
    const now = new Date(at);
    const data = await recordCostData(clients, { ...options, period: reportPeriod(now), now });
    expect(data.forecast).toEqual({ unavailable: expect.stringContaining(reason) });
    expect(costExplorerMock.commandCalls(GetCostForecastCommand)).toHaveLength(0);
  });

  test('a period whose current month is over has nothing to forecast', async () => {
    serveEmptyAccount();
    const data = await recordCostData(clients, { ...options, now: new Date('2026-05-10T00:00:00.000Z') });
    expect(data.forecast).toEqual({ unavailable: expect.stringContaining('2026-03 is over') });
    expect(costExplorerMock.commandCalls(GetCostForecastCommand)).toHaveLength(0);
  });

  test('a new account without history: DataUnavailableException makes it unavailable, and the request counts', async () => {
    serveEmptyAccount();
    costExplorerMock
      .on(GetCostForecastCommand)
      .rejects(
        new DataUnavailableException({ message: 'Insufficient amount of historical data', $metadata: {} }),
      );
    const data = await recordCostData(clients, options);
    expect(data.forecast).toEqual({
      unavailable:
        'Cost Explorer has too little cost history to forecast 2026-03 (Insufficient amount of historical data).',
    });
    expect(costExplorerMock.commandCalls(GetCostForecastCommand)).toHaveLength(1);
    expect(data.costExplorerRequests).toBe(costExplorerMock.calls().length);
  });
});

describe('throttling and errors', () => {
  const limitExceeded = () => new LimitExceededException({ message: 'Rate exceeded', $metadata: {} });

  test('a throttled query is retried and then succeeds; every attempt is counted', async () => {
    serveEmptyAccount();
    const page = costPage([monthResult('2026-02', [['AWS Lambda', '1.00']])]);
    costExplorerMock
      .on(GetCostAndUsageCommand, { GroupBy: BY_SERVICE_AND_RECORD_TYPE })
      .rejectsOnce(limitExceeded())
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }))
      .resolves(page);
    const data = await recordCostData(clients, options);
    expect(data.costByService).toEqual([page]);
    expect(costAndUsageInputs().filter((input) => input.GroupBy?.[1]?.Key === 'RECORD_TYPE')).toHaveLength(3);
    // 3 by service, usage types, 2 tags, trend, platform, month to date, forecast, anomalies, Savings Plans utilization.
    expect(data.costExplorerRequests).toBe(12);
  });

  test('a throttled Budgets request is retried too, and not counted as Cost Explorer', async () => {
    serveEmptyAccount();
    budgetsMock
      .on(DescribeBudgetsCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ Budgets: [costBudget('monthly', '100', '10')] });
    const data = await recordCostData(clients, options);
    expect(data.budgets).toHaveLength(1);
    // By service, usage types, 2 tags, trend, platform, month to date, forecast, anomalies, Savings Plans utilization.
    expect(data.costExplorerRequests).toBe(10);
  });

  test('still throttled after every attempt: the error says so and names the query', async () => {
    serveEmptyAccount();
    costExplorerMock.on(GetCostAndUsageCommand).rejects(limitExceeded());
    const failure = recordCostData(clients, { ...options, attempts: 3 });
    await expect(failure).rejects.toThrow(CostDataError);
    await expect(failure).rejects.toThrow(
      'Cost Explorer GetCostAndUsage (cost by service and record type, page 1) failed (still throttled after 3 attempts): ' +
        'LimitExceededException: Rate exceeded',
    );
    expect(costExplorerMock.commandCalls(GetCostAndUsageCommand)).toHaveLength(3);
  });

  test('any other error is not retried, and names the query and page that failed', async () => {
    serveEmptyAccount();
    const denied = Object.assign(new Error('User is not authorized to perform: ce:GetCostAndUsage'), {
      name: 'AccessDeniedException',
    });
    costExplorerMock
      .on(GetCostAndUsageCommand, { GroupBy: [{ Type: 'TAG', Key: 'Owner' }] })
      .resolvesOnce(costPage(FEBRUARY, 'owner-2'))
      .rejects(denied);
    const failure = recordCostData(clients, options);
    await expect(failure).rejects.toThrow(
      'Cost Explorer GetCostAndUsage (cost by tag Owner, page 2) failed: AccessDeniedException: User is not authorized',
    );
    await expect(failure).rejects.toMatchObject({ cause: denied });
    expect(costAndUsageInputs().filter((input) => input.GroupBy?.[0]?.Key === 'Owner')).toHaveLength(2);
  });

  test('a forecast error other than missing data propagates', async () => {
    serveEmptyAccount();
    costExplorerMock
      .on(GetCostForecastCommand)
      .rejects(
        Object.assign(new Error('Start date must be before end date'), { name: 'ValidationException' }),
      );
    await expect(recordCostData(clients, options)).rejects.toThrow(
      'Cost Explorer GetCostForecast (2026-03-03 to 2026-04-01) failed: ValidationException',
    );
  });
});

describe('request counting', () => {
  test('one per page, and the SDK’s own retries count too', async () => {
    serveEmptyAccount();
    const retriedBySdk = { ...costPage(FEBRUARY), $metadata: { attempts: 3 } };
    serveCostAndUsage({
      'DIMENSION SERVICE': [costPage(FEBRUARY, 's-2'), costPage(FEBRUARY)],
      'TAG Owner': [retriedBySdk],
      'TAG CostCenter': [costPage(FEBRUARY)],
      trend: [costPage([])],
      'month to date': [costPage([])],
      [`filter ${JSON.stringify({ Tags: { Key: 'Project', Values: ['Vigil'] } })}`]: [costPage([])],
    });
    serveAnomalies([anomalyPage([], 'a-2'), anomalyPage([])]);
    const data: RecordedCostData = await recordCostData(clients, options);
    // 2 by service + usage types + 3 (Owner, SDK retries) + CostCenter + trend + platform + month to
    // date + forecast + 2 anomalies, Savings Plans utilization.
    expect(data.costExplorerRequests).toBe(14);
  });
});
