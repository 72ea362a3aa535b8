import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);

/** The CLI as a user runs it: a child process, its last stdout line the outcome. */
async function localLoop(...args: string[]) {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/local-loop/start.ts', ...args], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 170_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

interface Outcome {
  scenario: string;
  simulatedSeconds: number;
  wallSeconds: number;
  detectedAfterSeconds: number | null;
  alerts: { alarm: string; severity: string; state: string; notification: string; episode: string }[];
  remediations: { playbook: string; target: string; outcome: string }[];
  resolvedAfterSeconds: number | null;
  unsupportedCalls: string[];
}

test('bad-model-release: detected, alerted, rolled back, verified and resolved on the same thread', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'bad-model-release');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const lines = stdout.trimEnd().split('\n');
  const outcome = JSON.parse(lines.at(-1) as string) as Outcome;
  expect(outcome.scenario).toBe('bad-model-release');
  expect(outcome.detectedAfterSeconds).toBeGreaterThan(0);
  expect(outcome.detectedAfterSeconds).toBeLessThan(15 * 60);

  const errorAlarm = 'vigil-dev-predictor-api-error-rate';
  const opened = outcome.alerts.find((alert) => alert.alarm === errorAlarm && alert.notification === 'alarm');
  expect(opened).toMatchObject({ severity: 'high', state: 'ALARM' });
  expect(outcome.remediations).toEqual([
    expect.objectContaining({ playbook: 'lambda-alias-rollback', outcome: 'remediated' }),
  ]);
  expect(outcome.remediations[0]?.target).toMatch(/ApiFunction.*:live$/);
  const resolved = outcome.alerts.find(
    (alert) => alert.alarm === errorAlarm && alert.notification === 'resolved',
  );
  expect(resolved).toMatchObject({ state: 'OK', episode: opened?.episode });
  expect(outcome.resolvedAfterSeconds).toBeGreaterThan(outcome.detectedAfterSeconds as number);
  // The timeline and the email text come before the outcome line.
  expect(stdout).toMatch(/bad release: version 2 published to live/);
  expect(stdout).toMatch(/Subject: /);
}, 180_000);

test('an unknown scenario is refused, naming the scenarios there are', async () => {
  const { code, stderr } = await localLoop('--scenario', 'no-such-thing');
  expect(code).toBe(2);
  expect(stderr).toMatch(/unknown scenario "no-such-thing"; scenarios: bad-model-release/);
}, 60_000);

test('--list names each scenario', async () => {
  const { code, stdout } = await localLoop('--list');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^bad-model-release {2}/);
}, 60_000);
