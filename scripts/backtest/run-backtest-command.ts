import * as fs from 'node:fs';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type {
  MetricAlarmDefinition,
  UnsupportedFeature,
} from '../../constructs/alarm-engine/alarm-definition';
import { runBacktest } from '../../constructs/alarm-engine/backtest';
import { createAwsClients } from '../../lambda/shared/aws-clients';
import { loadAlarmDefinitions } from './alarm-definitions';
import { type BacktestArgs, parseBacktestArgs } from './args';
import { backtestReport } from './backtest-report';
import { CliError } from './cli-error';
import { htmlReport } from './html-report';
import { jsonReport } from './json-report';
import { fetchLiveMetrics } from './live-metrics';
import { alarmPeriod } from './metric-reads';
import { formatMetricsFile, type RecordedMetric, readMetricsFile } from './metrics-file';
import { progressBar } from './progress-bar';
import { evaluationInputs } from './recorded-inputs';
import { selectAlarms } from './select-alarms';
import { textReport } from './text-report';

/** Where the command writes, and what a test replaces. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** @default the project's CloudWatch client, with the caller's credentials */
  readonly cloudWatch?: () => CloudWatchClient;
  /** Throttling retries of `--live`. @default LiveMetricsOptions' defaults */
  readonly retryDelayMs?: number;
  /** @default Date.now() */
  readonly now?: number;
}

/** Runs `npm run backtest` with `argv`; returns the exit code. Problems are one line on stderr, without a stack. */
export async function runBacktestCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    await run(parseBacktestArgs(argv), io);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`backtest: ${message.split('\n')[0]}\n`);
    return 1;
  }
}

async function run(args: BacktestArgs, io: CommandIo): Promise<void> {
  const loaded = loadAlarmDefinitions(args);
  for (const problem of loaded.problems) io.stderr(`backtest: warning: ${problem}\n`);
  const selection = selectAlarms(loaded.alarms, args.alarms);

  let recorded: readonly RecordedMetric[];
  let unreadable: readonly UnsupportedFeature[] = [];
  if (args.samples.kind === 'file') {
    recorded = readMetricsFile(args.samples.file).metrics;
  } else {
    const client = io.cloudWatch?.() ?? createAwsClients().cloudWatch;
    const live = await fetchLiveMetrics(client, selection.evaluate, {
      from: args.from ?? 0,
      to: args.to ?? 0,
      now: io.now,
      progress: progressBar(),
      ...(io.retryDelayMs === undefined ? {} : { retryDelayMs: io.retryDelayMs }),
    });
    recorded = live.recorded;
    unreadable = live.unsupported;
    if (args.samples.save !== undefined) {
      fs.writeFileSync(args.samples.save, formatMetricsFile({ metrics: recorded }));
    }
  }

  const { from, to } = range(args, recorded, selection.evaluate);
  const inputs = evaluationInputs(selection.evaluate, recorded, unreadable);
  const result = runBacktest(inputs.definitions, inputs.series, {
    from,
    to,
    initialState: args.initialState,
    keepValues: args.html !== undefined,
  });
  const report = backtestReport(result, {
    report: selection.report,
    approximate: inputs.approximate,
    unsupported: inputs.unsupported,
    fromDatapoints: recorded.some((entry) => entry.statistic !== undefined),
  });
  io.stdout(args.json ? `${jsonReport(report)}\n` : textReport(report));
  if (args.html !== undefined) {
    fs.writeFileSync(args.html, await htmlReport(report));
    if (!args.json) io.stdout(`HTML report: ${args.html}\n`);
  }
}

/**
 * The evaluations to run: `--from`/`--to`, else from the first sample to the end of the period
 * holding the last one (the longest period of the alarms evaluated, so each sees it).
 */
function range(
  args: BacktestArgs,
  recorded: readonly RecordedMetric[],
  alarms: readonly { kind: string }[],
): { from: number; to: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const entry of recorded) {
    for (const [at] of entry.samples) {
      if (at < first) first = at;
      if (at > last) last = at;
    }
  }
  if ((args.from === undefined || args.to === undefined) && first > last) {
    throw new CliError(
      'the metrics hold no samples: nothing to backtest (give --from and --to to evaluate anyway)',
    );
  }
  const periods = alarms
    .filter((alarm): alarm is MetricAlarmDefinition => alarm.kind === 'metric')
    .map((alarm) => alarmPeriod(alarm) ?? 60);
  const period = Math.max(60, ...periods) * 1000;
  const from = args.from ?? first;
  const to = args.to ?? (Math.floor(last / period) + 1) * period;
  if (to <= from) throw new CliError(`--from is after the last sample (${new Date(last).toISOString()})`);
  return { from, to };
}
