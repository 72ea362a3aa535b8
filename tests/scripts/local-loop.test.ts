import * as fs from 'node:fs';
import * as path from 'node:path';
import { localLoop, REPOSITORY_ROOT as root } from '../support/local-loop-cli';

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
  // The scenario's config subscribes on-call's email to the high topic: the templates carry the
  // subscription, and each alert on that topic is delivered to it (recorded, not sent).
  expect(stdout).toMatch(/alert delivered to oncall@example\.com \(email\) via vigil-dev-alerts-high/);
  const runFolder = /^Run folder: (\S+)\/$/m.exec(stdout)?.[1] as string;
  const deliveries = fs
    .readFileSync(path.join(root, runFolder, 'sns-deliveries.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(deliveries).toContainEqual(
    expect.objectContaining({
      topic: 'vigil-dev-alerts-high',
      protocol: 'email',
      endpoint: 'oncall@example.com',
      subject: expect.stringMatching(/^\[HIGH\] ALARM /),
      filter: 'no filter policy',
    }),
  );
  // The alert shows what the sampled real requests left: the handler's error lines and failing traces.
  // The real handler's own error, from its log lines; the function error API Gateway answers 502 for.
  expect(stdout).toMatch(
    /TOP ERRORS in \S+\n- \d+ x Non-zero status code returned while running TreeEnsembleClassifier/,
  );
  expect(stdout).toMatch(/FAILING TRACES\n- 1-[0-9a-f]{8}-[0-9a-f]{24} \(HTTP 502, [\d.]+ s, fault\)/);
  // The ERROR lines also feed the function's log metric filter: its alarm fires from the real lines.
  expect(outcome.alerts).toContainEqual(
    expect.objectContaining({ alarm: 'vigil-dev-predictor-api-error-logs', notification: 'alarm' }),
  );
  // Every AWS call of the default scenario has a local stand-in: nothing was skipped.
  expect(outcome.unsupportedCalls).toEqual([]);
}, 180_000);

test('throttling: the burst throttles, the reservation is raised, the throttles alarm resolves', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'throttling');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const outcome = JSON.parse(stdout.trimEnd().split('\n').at(-1) as string) as Outcome;
  const throttles = 'vigil-dev-predictor-api-throttles';
  // Two of three five-minute periods with a throttle: detected within 15 minutes of the burst.
  expect(outcome.detectedAfterSeconds).toBeGreaterThan(0);
  expect(outcome.detectedAfterSeconds).toBeLessThanOrEqual(15 * 60);
  const opened = outcome.alerts.find((alert) => alert.alarm === throttles && alert.notification === 'alarm');
  expect(opened).toMatchObject({ severity: 'warning', state: 'ALARM' });
  expect(outcome.remediations).toEqual([
    { playbook: 'lambda-concurrency', target: expect.stringMatching(/ApiFunction/), outcome: 'remediated' },
  ]);
  expect(outcome.alerts).toContainEqual(
    expect.objectContaining({ alarm: throttles, notification: 'resolved', episode: opened?.episode }),
  );
  // Nothing the run could not answer locally, and the traffic's history kept the anomaly band quiet.
  expect(outcome.alerts.map((alert) => alert.alarm)).not.toContain('vigil-dev-predictor-api-traffic-drop');
  expect(stdout).toMatch(/reserved concurrency of \S+: 10 → 20 \(vigil-remediation\)/);
}, 180_000);

test('flapping: one flapping alert, later changes suppressed, no remediation, closed once it settles', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'flapping');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const outcome = JSON.parse(stdout.trimEnd().split('\n').at(-1) as string) as Outcome;
  const concurrency = outcome.alerts.filter((alert) => alert.alarm === 'vigil-dev-predictor-api-concurrency');
  expect(concurrency.filter((alert) => alert.notification === 'flapping')).toHaveLength(1);
  // One episode from the first alert to the close.
  expect(new Set(concurrency.map((alert) => alert.episode)).size).toBe(1);
  expect(concurrency.at(-1)).toMatchObject({ notification: 'resolved', state: 'OK' });
  const changes = Number(/changed state (\d+) times/.exec(stdout)?.[1]);
  expect(changes).toBeGreaterThanOrEqual(10);
  // After the flapping alert, the only one is the close: no page per change.
  const flapAt = concurrency.findIndex((alert) => alert.notification === 'flapping');
  expect(concurrency.slice(flapAt + 1).map((alert) => alert.notification)).toEqual(['resolved']);
  expect(concurrency.length).toBeLessThanOrEqual(changes / 2);
  expect(outcome.remediations).toEqual([]);
  expect(stdout).toMatch(/suppressed vigil-dev-predictor-api-concurrency \(flapping: /);
}, 180_000);

test('poison-messages: events that failed three receives are redriven and scored once S3 is back', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'poison-messages');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const lines = stdout.trimEnd().split('\n');
  const outcome = JSON.parse(lines.at(-1) as string) as Outcome;
  const dlqAlarm = 'vigil-dev-predictor-upload-events-dead-letter-messages';
  const opened = outcome.alerts.find((alert) => alert.alarm === dlqAlarm && alert.notification === 'alarm');
  expect(opened).toMatchObject({ severity: 'high', state: 'ALARM' });
  expect(outcome.remediations).toEqual([
    {
      playbook: 'dlq-redrive',
      target: expect.stringMatching(/UploadEventDeadLetters/),
      outcome: 'remediated',
    },
  ]);
  expect(outcome.alerts).toContainEqual(
    expect.objectContaining({ alarm: dlqAlarm, notification: 'resolved', episode: opened?.episode }),
  );
  expect(outcome.unsupportedCalls).toEqual([]);
  // Every upload scored in the end, the dead-lettered ones after the redrive; the stdout is the
  // timeline, not the handlers' log or metric lines.
  expect(stdout).toMatch(/run for real on 9 uploads of 200 rows; 9 scored, 6 dead-lettered/);
  expect(lines.filter((line) => line.startsWith('{')).length).toBe(1);
}, 180_000);

test('an unknown scenario is refused, naming the scenarios there are', async () => {
  const { code, stderr } = await localLoop('--scenario', 'no-such-thing');
  expect(code).toBe(2);
  expect(stderr).toMatch(
    /unknown scenario "no-such-thing"; scenarios: bad-model-release, throttling, flapping, poison-messages/,
  );
}, 60_000);

test('--list names each scenario', async () => {
  const { code, stdout } = await localLoop('--list');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^bad-model-release {2}/);
}, 60_000);
