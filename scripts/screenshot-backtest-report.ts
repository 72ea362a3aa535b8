import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MetricAlarmDefinition } from '../constructs/alarm-engine/alarm-definition';
import { loadAlarmDefinitions } from './backtest/alarm-definitions';
import { runBacktestCommand } from './backtest/run-backtest-command';
import { launchChromium } from './headless-chromium';

const root = path.join(__dirname, '..');
const SCREENSHOT = path.join(root, 'docs', 'backtest-report.png');
const MINUTE = 60_000;
const START = Date.parse('2026-11-02T00:00:00Z');
const DAY_MINUTES = 24 * 60;
/** The incident: a bad model release fails a fifth of uploads from 09:00 until its rollback at 09:40. */
const INCIDENT = { from: 9 * 60, to: 9 * 60 + 40 };

/**
 * Backtests the dev app's upload-scorer alarms over a day with one incident and photographs the
 * HTML report, for the README: `npm run backtest` as a user runs it, on samples made here.
 */
async function main(): Promise<void> {
  const { alarms } = loadAlarmDefinitions({ env: 'dev', templates: [] });
  const scorer = alarms.filter(
    (alarm): alarm is MetricAlarmDefinition =>
      alarm.kind === 'metric' &&
      /-predictor-upload-scorer-(error-rate|errors|p99-duration|throttles)$/.test(alarm.name),
  );
  const functionName =
    scorer[0]?.metricStat?.metric.dimensions.FunctionName ??
    scorer[0]?.metrics?.find((query) => query.metricStat)?.metricStat?.metric.dimensions.FunctionName;
  if (functionName === undefined) throw new Error('the dev app has no upload-scorer alarms');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-backtest-report-'));
  const metricsFile = path.join(out, 'metrics.json');
  fs.writeFileSync(metricsFile, JSON.stringify({ metrics: uploadScorerDay(functionName) }));

  const html = path.join(out, 'backtest.html');
  let stderr = '';
  const code = await runBacktestCommand(
    ['--metrics', metricsFile, ...scorer.flatMap((alarm) => ['--alarm', alarm.name]), '--html', html],
    { stdout: () => {}, stderr: (text) => (stderr += text) },
  );
  if (code !== 0) throw new Error(stderr.trim());

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 860, height: 1000 } });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
  }
  fs.rmSync(out, { recursive: true, force: true });
  console.log(`${path.relative(root, SCREENSHOT)} (${Math.round(fs.statSync(SCREENSHOT).size / 1024)} KB)`);
}

/** A day of the scorer's metrics: 40 uploads a minute, slower and failing during the incident. */
function uploadScorerDay(functionName: string) {
  const dimensions = { FunctionName: functionName };
  const metric = (
    metricName: string,
    unit: string,
    value: (minute: number, index: number) => number,
    perMinute = 1,
  ) => {
    const samples: Array<[string, number]> = [];
    for (let minute = 0; minute < DAY_MINUTES; minute++) {
      for (let index = 0; index < perMinute; index++) {
        samples.push([
          new Date(START + minute * MINUTE + (index * MINUTE) / perMinute).toISOString(),
          value(minute, index),
        ]);
      }
    }
    return { namespace: 'AWS/Lambda', metricName, dimensions, unit, samples };
  };
  const failing = (minute: number) => minute >= INCIDENT.from && minute < INCIDENT.to;
  return [
    metric('Invocations', 'Count', () => 40),
    metric('Errors', 'Count', (minute) => (failing(minute) ? 8 : minute % 97 === 0 ? 1 : 0)),
    metric('Throttles', 'Count', () => 0),
    // Durations are published per invocation: ten a minute here, enough for a p99.
    metric(
      'Duration',
      'Milliseconds',
      (minute, index) => (failing(minute) ? 9000 + index * 300 : 700 + ((minute * 31 + index * 97) % 400)),
      10,
    ),
  ];
}

main().catch((error: Error) => {
  console.error(`screenshot-backtest-report: ${error.message}`);
  process.exitCode = 1;
});
