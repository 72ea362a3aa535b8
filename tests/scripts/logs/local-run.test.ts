import '../../../scripts/local-loop/quiet-handlers';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type LogEvent, RUN_LOGS_FILE } from '../../../scripts/local-loop/local-logs';
import { badModelRelease } from '../../../scripts/local-loop/scenarios/bad-model-release';
import { type AppCatalog, selectFunctions, synthesizeCatalog } from '../../../scripts/logs/app-catalog';
import { readRunLogs } from '../../../scripts/logs/local-run-logs';
import { runLogsCommand } from '../../../scripts/logs/logs-command';
import { REPOSITORY_ROOT } from '../../support/local-loop-cli';

// The bad-model-release scenario exactly as `npm start` runs it, into a run folder of its own.
const mockRuns = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-logs-runs-'));
const mockRunFolder = path.join(mockRuns, 'bad-model-release-test');

let catalog: AppCatalog;
let recorded: LogEvent[];
let apiGroup: string;
beforeAll(async () => {
  fs.mkdirSync(mockRunFolder);
  const timelineStart = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
  const run = await badModelRelease.run({ runFolder: mockRunFolder, timelineStart });
  expect(run.failures).toEqual([]);
  catalog = synthesizeCatalog('dev');
  recorded = readRunLogs(mockRunFolder);
  apiGroup = selectFunctions(catalog, 'api')?.[0]?.localLogGroup as string;
}, 240_000);
afterAll(() => fs.rmSync(mockRuns, { recursive: true, force: true }));

async function logs(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLogsCommand(argv, {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    color: false,
    catalog: () => catalog,
    runsRoot: mockRuns,
  });
  const lines = out.join('').split('\n');
  lines.pop();
  return { code, lines, err: err.join('') };
}

test('the run recorded the API handler’s real lines in its log group, in the run folder', () => {
  expect(recorded.length).toBeGreaterThan(10);
  expect(new Set(recorded.map((event) => event.logGroup))).toEqual(new Set([apiGroup]));
  const levels = new Set(recorded.map((event) => (JSON.parse(event.message) as { level?: string }).level));
  expect([...levels]).toEqual(expect.arrayContaining(['INFO', 'ERROR']));
});

test('predictor --local: every line, in time order, readable, labelled with the function', async () => {
  const { code, lines, err } = await logs('predictor', '--local', mockRunFolder);
  expect(code).toBe(0);
  expect(err).toBe(`logs: ${path.relative(process.cwd(), mockRunFolder)}\n`);
  expect(lines).toHaveLength(recorded.length);
  for (const line of lines) {
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (INFO {4}|WARN {4}|ERROR {3}| {8}) {2}\S.* \[api\]$/);
  }
  // Lines without a level are the handler's metrics (EMF), shown as written under an empty level.
  const metrics = recorded.filter((event) => event.message.startsWith('{"_aws"')).length;
  expect(lines.filter((line) => line.slice(13, 21) === ' '.repeat(8))).toHaveLength(metrics);
  // In time order (the clock shows no date, and a run can cross midnight: compared by the raw lines).
  const raw = await logs('predictor', '--local', mockRunFolder, '--json');
  expect(raw.lines).toEqual(
    [...recorded].sort((a, b) => a.timestamp - b.timestamp).map((event) => event.message),
  );
  // The bad model's failure, as the handler logged it, with its request.
  expect(lines).toContainEqual(
    expect.stringMatching(/ ERROR .*TreeEnsembleClassifier.*\([0-9a-f]{8}\) \[api\]$/),
  );
});

test('--level, --filter and --since apply to a local run as to AWS; --json gives the raw lines', async () => {
  const errors = await logs('predictor', '--local', mockRunFolder, '--level', 'ERROR');
  const errorCount = recorded.filter((event) => event.message.includes('"level":"ERROR"')).length;
  expect(errors.lines).toHaveLength(errorCount);
  expect(errors.lines.every((line) => / ERROR {5}/.test(line))).toBe(true);

  const filtered = await logs(
    'api',
    '--local',
    mockRunFolder,
    '--filter',
    'TreeEnsembleClassifier',
    '--json',
  );
  expect(filtered.lines).toEqual(
    recorded
      .filter((event) => event.message.includes('TreeEnsembleClassifier'))
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((event) => event.message),
  );
  expect(filtered.lines.length).toBeGreaterThan(0);

  // The run's clock is simulated: --since counts back from its last line.
  const last = Math.max(...recorded.map((event) => event.timestamp));
  const recent = await logs('predictor', '--local', mockRunFolder, '--since', '10m', '--json');
  expect(recent.lines).toHaveLength(recorded.filter((event) => event.timestamp >= last - 600_000).length);
  expect(recent.lines.length).toBeLessThan(recorded.length);
});

test('--local alone reads the newest run; a service without lines in it prints none', async () => {
  const newest = await logs('predictor', '--local');
  expect(newest.code).toBe(0);
  expect(newest.lines).toHaveLength(recorded.length);
  const scorer = await logs('upload-scorer', '--local');
  expect({ code: scorer.code, lines: scorer.lines }).toEqual({ code: 0, lines: [] });
});

test('a folder that holds no log file, or an unknown name, is one clear line', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-logs-empty-'));
  try {
    const missing = await logs('predictor', '--local', empty);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`logs: ${empty} holds no ${RUN_LOGS_FILE}: the run wrote no log lines there\n`);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
  const unknown = await logs('predicter', '--local', mockRunFolder);
  expect(unknown.code).toBe(2);
  expect(unknown.err).toMatch(/^logs: "predicter" is no service or function of the dev app; services: /);
});

test('npm run logs as a user runs it: the entry point, no colours when stdout is not a terminal', async () => {
  const { stdout } = await promisify(execFile)(
    'npx',
    ['tsx', 'scripts/logs/logs-cli.ts', 'predictor', '--local', mockRunFolder, '--level', 'ERROR'],
    { cwd: REPOSITORY_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const expected = await logs('predictor', '--local', mockRunFolder, '--level', 'ERROR');
  expect(stdout.trimEnd().split('\n')).toEqual(expected.lines);
  expect(stdout).not.toContain('\u001b');
}, 120_000);
