import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCostReport } from '../build-cost-report';
import type { CostReport } from '../cost-report-model';
import { formatMoney, formatMoneyChange, formatPercentChange } from '../money';
import {
  RecordingError,
  RecordingReplay,
  readRecording,
  replayCostData,
} from '../recording/recorded-exchanges';
import { renderReport } from '../render/render-report';
import { monthName } from '../render/report-html';

const USAGE = 'usage: npm run cost-report -- --fixture RECORDING_DIR --out DIR [--now 2026-12-03T06:00:00Z]';

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

export interface WrittenReport {
  readonly report: CostReport;
  readonly paths: { readonly html: string; readonly csv: string; readonly json: string };
}

/**
 * Replays a recording (lambda/cost-report/recording/recorded-exchanges.ts) through the report's own
 * reader, builds and renders the report, and writes `cost-report-<month>.*` into `out`. The run is
 * the recorded one: `now` defaults to when the recording was made.
 */
export async function writeCostReport(options: {
  readonly fixture: string;
  readonly out: string;
  readonly now?: Date;
}): Promise<WrittenReport> {
  let recording: ReturnType<typeof readRecording>;
  try {
    recording = readRecording(options.fixture);
  } catch (error) {
    if (error instanceof RecordingError) throw new CliError(error.message);
    throw error;
  }
  const { manifest } = recording;
  const now = options.now ?? new Date(manifest.recordedAt);
  const replay = new RecordingReplay(recording);
  const data = await replayCostData(replay, manifest, now).catch((error: Error) => {
    throw new CliError(`${options.fixture}: ${error.message}`);
  });
  const report = buildCostReport(data, { generatedAt: now, tagKeys: manifest.tagKeys });
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

/** `November 2026: ¥273,016.90 billed, +¥17,640.10 (+6.9%) vs October 2026; usage +11.2%; forecast …`. */
function headline(report: CostReport): string {
  const { totals, period, forecast, currency } = report;
  const money = (amount: number) => formatMoney(amount, currency);
  const change = `${formatMoneyChange(totals.net.change, currency)} (${formatPercentChange(totals.net.changePercent)}) vs ${monthName(period.previousMonth)}`;
  const usage = `usage ${money(totals.grossUsage.lastMonth)} (${formatPercentChange(totals.grossUsage.changePercent)})`;
  const outlook =
    'unavailable' in forecast
      ? `no forecast for ${monthName(period.currentMonth)}: ${forecast.unavailable}`
      : `forecast for ${monthName(forecast.month)} ${money(forecast.amount)} (${forecast.predictionIntervalPercent}% interval ${money(forecast.lower)} – ${money(forecast.upper)})`;
  return `${monthName(period.month)}: ${money(totals.net.lastMonth)} billed, ${change}; ${usage}; ${outlook}`;
}

function parseCommandLine(): { fixture: string; out: string; now?: Date } {
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
  if (values.now === undefined) return { fixture: values.fixture, out: values.out };
  const now = new Date(values.now);
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
