import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  AlarmDefinition,
  MetricAlarmDefinition,
  MetricIdentity,
  MetricSeries,
} from '../constructs/alarm-engine/alarm-definition';
import { runBacktest } from '../constructs/alarm-engine/backtest';
import { alarmsFromAssembly } from '../constructs/alarm-engine/template-alarms';
import { synthFleetApp } from './bench-fleet-app';

/**
 * `npm run bench:backtest`: the alarms of the `bench:synth` app (500 monitored functions and the
 * service-health composites) evaluated over one-minute samples of every metric they read, for 1, 7
 * and 30 days, then 30 days for a fifth and a half of the alarms: backtest time, evaluations per
 * second and peak RSS, so it shows how time grows with days and with alarms. Samples are made a
 * batch of alarms at a time (as `runBacktest` asks for them), so the time includes making them;
 * that share is printed too. Each row runs in its own process, so its peak RSS is its own.
 */
const FUNCTIONS = 500;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const START = Date.parse('2026-11-01T00:00:00Z');

/**
 * One sample a minute of each metric the batch reads; one function in 97 has a one-hour incident on
 * day 1. Metrics with the same name and incident share one sample array (built once per length), so
 * the figures are the engine's work, not the making of 100 million input tuples.
 */
function samplesFor(days: number, timings: { generatingMs: number }) {
  const shared = new Map<string, ReadonlyArray<readonly [number, number]>>();
  return (batch: readonly MetricAlarmDefinition[]): MetricSeries[] => {
    const started = performance.now();
    const identities = new Map<string, MetricIdentity>();
    for (const alarm of batch) {
      const stats = alarm.metricStat
        ? [alarm.metricStat]
        : (alarm.metrics ?? []).flatMap((query) => query.metricStat ?? []);
      for (const { metric } of stats) identities.set(JSON.stringify(metric), metric);
    }
    const minutes = days * 24 * 60;
    const series = [...identities.values()].map((metric) => {
      const incident = hash(Object.values(metric.dimensions).join()) % 97 === 0;
      // Log metrics are named per function; their samples are alike.
      const kind = metric.namespace === 'Vigil/Logs' ? 'error-logs' : metric.metricName;
      const key = `${kind}/${incident}`;
      let samples = shared.get(key);
      if (!samples) {
        const made = new Array<readonly [number, number]>(minutes);
        for (let minute = 0; minute < minutes; minute++) {
          const inIncident = incident && minute >= 600 && minute < 660;
          made[minute] = [
            START + minute * MINUTE + 17_000,
            sampleValue(metric.metricName, minute, inIncident),
          ];
        }
        samples = made;
        shared.set(key, samples);
      }
      return { ...metric, samples };
    });
    timings.generatingMs += performance.now() - started;
    return series;
  };
}

function hash(text: string): number {
  let value = 0;
  for (let index = 0; index < text.length; index++) value = (value * 31 + text.charCodeAt(index)) >>> 0;
  return value;
}

function sampleValue(metricName: string, minute: number, incident: boolean): number {
  const wave = (minute * 7919) % 13;
  switch (metricName) {
    case 'Invocations':
      return 50 + wave;
    case 'Errors':
      return incident ? 20 : wave === 0 ? 1 : 0;
    case 'Duration':
      return incident ? 2900 : 120 + wave * 10;
    default:
      return incident ? 3 : 0;
  }
}

interface Row {
  readonly alarms: number;
  readonly days: number;
  readonly seconds: number;
  readonly generatingSeconds: number;
  readonly evaluations: number;
  readonly transitions: number;
  readonly pages: number;
  readonly peakMiB: number;
}

/** One row, in this process: `--row <alarms.json> <days> <share of metric alarms>`. */
function measure(file: string, days: number, fraction: number): Row {
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as AlarmDefinition[];
  const metricAlarms = all.filter((alarm) => alarm.kind === 'metric');
  const selected = fraction === 1 ? all : metricAlarms.slice(0, Math.round(metricAlarms.length * fraction));
  const timings = { generatingMs: 0 };
  const started = performance.now();
  const result = runBacktest(selected, samplesFor(days, timings), {
    from: START,
    to: START + days * DAY,
    batchSize: 50,
  });
  const seconds = (performance.now() - started) / 1000;
  const metricCount = selected.filter((alarm) => alarm.kind === 'metric').length;
  return {
    alarms: selected.length,
    days,
    seconds,
    generatingSeconds: timings.generatingMs / 1000,
    evaluations: metricCount * (days * 24 * 60 + 1),
    transitions: result.alarms.reduce((sum, alarm) => sum + alarm.transitions.length, 0),
    pages: result.alarms.reduce((sum, alarm) => sum + alarm.alarmTransitions, 0),
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
}

function main(): void {
  const app = synthFleetApp(FUNCTIONS, { health: true });
  const { alarms, problems } = alarmsFromAssembly(app.assembly.directory);
  app.dispose();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-backtest-')), 'alarms.json');
  fs.writeFileSync(file, JSON.stringify(alarms));
  const metricCount = alarms.filter((alarm) => alarm.kind === 'metric').length;
  console.log(
    `Backtest benchmark: ${alarms.length} alarms (${metricCount} metric, ${alarms.length - metricCount} ` +
      `composite) of ${FUNCTIONS} monitored functions; ${problems.length} template references resolved ` +
      'to logical ids\n',
  );
  console.log(
    'alarms  days  backtest s  of which samples s  evaluations/s  transitions  pages  peak RSS MiB',
  );
  const plan: Array<[number, number]> = [
    [1, 1],
    [7, 1],
    [30, 1],
    [30, 0.2],
    [30, 0.5],
  ];
  for (const [days, fraction] of plan) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, __filename, '--row', file, String(days), String(fraction)],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`row ${days} days failed: ${child.stderr}`);
    const row = JSON.parse(child.stdout.trim().split('\n').pop() as string) as Row;
    console.log(
      [
        String(row.alarms).padStart(6),
        String(row.days).padStart(4),
        row.seconds.toFixed(1).padStart(10),
        row.generatingSeconds.toFixed(1).padStart(18),
        Math.round(row.evaluations / (row.seconds - row.generatingSeconds))
          .toLocaleString('en-US')
          .padStart(13),
        String(row.transitions).padStart(11),
        String(row.pages).padStart(5),
        row.peakMiB.toFixed(0).padStart(12),
      ].join('  '),
    );
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

const rowAt = process.argv.indexOf('--row');
if (rowAt >= 0) {
  const [file, days, fraction] = process.argv.slice(rowAt + 1);
  console.log(JSON.stringify(measure(file as string, Number(days), Number(fraction))));
} else {
  main();
}
