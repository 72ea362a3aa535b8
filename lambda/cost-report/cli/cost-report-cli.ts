import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { describeIssues } from '../../shared/zod-issues';
import { buildCostReport } from '../build-cost-report';
import type { CostReport, RecordedCostData } from '../cost-report-model';
import { renderReport } from '../render/render-report';
import { formatPercentChange, formatUsd, formatUsdChange, monthName } from '../render/report-html';

const USAGE = 'usage: npm run cost-report -- --fixture RECORDED.json --out DIR [--now 2025-04-03T06:00:00Z]';

/** A problem the person running the command can fix; printed as one line, without a stack. */
class CliError extends Error {
  constructor(
    message: string,
    /** 2 for a wrong command line, as other CLIs here do. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const yearMonth = z.string().regex(/^\d{4}-\d{2}$/, 'must be YYYY-MM');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const pages = z.array(z.looseObject({}));

/**
 * Enough of the shape to fail on the wrong file with a message naming what is missing; the API
 * answers inside are Cost Explorer's and Budgets' own and are read as recorded.
 */
const recordedCostData = z.looseObject({
  period: z.object({
    month: yearMonth,
    previousMonth: yearMonth,
    trendStart: day,
    end: day,
    currentMonth: yearMonth,
  }),
  costByService: pages,
  costByTag: z.record(z.string(), pages),
  trend: pages,
  platform: pages,
  forecast: z.looseObject({}),
  anomalies: pages,
  budgets: z.array(z.looseObject({})),
  costExplorerRequests: z.number().int().nonnegative(),
});

export interface WrittenReport {
  readonly report: CostReport;
  readonly paths: { readonly html: string; readonly csv: string; readonly json: string };
}

/** Reads recorded API answers, builds and renders the report, and writes `cost-report-<month>.*` into `out`. */
export async function writeCostReport(options: {
  readonly fixture: string;
  readonly out: string;
  readonly now: Date;
}): Promise<WrittenReport> {
  const data = await readFixture(options.fixture);
  const report = buildCostReport(data, { generatedAt: options.now });
  const rendered = await renderReport(report);
  const base = path.resolve(options.out, `cost-report-${report.period.month}`);
  const paths = { html: `${base}.html`, csv: `${base}.csv`, json: `${base}.json` };
  await fs.mkdir(options.out, { recursive: true });
  await Promise.all([
    fs.writeFile(paths.html, rendered.html),
    fs.writeFile(paths.csv, rendered.csv),
    fs.writeFile(paths.json, rendered.json),
  ]);
  return { report, paths };
}

async function readFixture(file: string): Promise<RecordedCostData> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`);
    if (code === 'EISDIR') throw new CliError(`${file}: is a directory, not a file`);
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = recordedCostData.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`${file}: not recorded cost data: ${describeIssues(parsed.error, 'file')}`);
  }
  // The SDK's response types are what the schema lets through unchanged.
  return parsed.data as unknown as RecordedCostData;
}

/** `March 2025: $9,600.54, +$221.59 (+2.4%) vs February 2025; forecast for April 2025 $9,950.00 (…)`. */
function headline(report: CostReport): string {
  const { totals, period, forecast } = report;
  const change = `${formatUsdChange(totals.changeUsd)} (${formatPercentChange(totals.changePercent)}) vs ${monthName(period.previousMonth)}`;
  const outlook =
    'unavailable' in forecast
      ? `no forecast for ${monthName(period.currentMonth)}: ${forecast.unavailable}`
      : `forecast for ${monthName(forecast.month)} ${formatUsd(forecast.amount)} (${forecast.predictionIntervalPercent}% interval ${formatUsd(forecast.lower)} – ${formatUsd(forecast.upper)})`;
  return `${monthName(period.month)}: ${formatUsd(totals.lastMonth)}, ${change}; ${outlook}`;
}

function parseCommandLine(): { fixture: string; out: string; now: Date } {
  let values: { fixture?: string; out?: string; now?: string };
  try {
    ({ values } = parseArgs({
      options: { fixture: { type: 'string' }, out: { type: 'string' }, now: { type: 'string' } },
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}; ${USAGE}`, 2);
  }
  if (values.fixture === undefined || values.out === undefined) {
    const missing = ['fixture', 'out'].filter((name) => values[name as 'fixture' | 'out'] === undefined);
    throw new CliError(`missing ${missing.map((name) => `--${name}`).join(' and ')}; ${USAGE}`, 2);
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) {
    throw new CliError(`--now: not an ISO 8601 date-time (got ${JSON.stringify(values.now)})`, 2);
  }
  return { fixture: values.fixture, out: values.out, now };
}

async function main(): Promise<void> {
  try {
    const { paths, report } = await writeCostReport(parseCommandLine());
    console.log([paths.html, paths.csv, paths.json, headline(report)].join('\n'));
  } catch (error) {
    // Anything else (a builder bug, a full disk) also gets one line: its message names the cause.
    console.error(`cost-report: ${(error as Error).message ?? String(error)}`.split('\n')[0]);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  }
}

if (require.main === module) void main();
