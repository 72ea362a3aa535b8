import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const fixtures = path.join('tests', 'scripts', 'backtest', 'fixtures');
const template = path.join(fixtures, 'team-alarms.template.json');
const metrics = path.join(fixtures, 'metrics.json');

/** `npm run backtest -- …` itself; npm's own warnings (about the user's npm config, say) are not the command's. */
function npmRunBacktest(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  const result = spawnSync('npm', ['run', '--silent', 'backtest', '--', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const stderr = result.stderr
    .split('\n')
    .filter((line) => !line.startsWith('npm warn'))
    .join('\n');
  return { ...result, stderr };
}

function scratch(name: string, text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-backtest-test-')), name);
  fs.writeFileSync(file, text);
  return file;
}

describe('npm run backtest', () => {
  it('prints one JSON object: each alarm’s transitions, pages and time in ALARM, noisiest first', () => {
    const result = npmRunBacktest('--template', template, '--metrics', metrics, '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.unsupported).toEqual([]);
    expect(report.alarms.map((alarm: { name: string }) => alarm.name)).toEqual([
      'checkout-errors',
      'checkout-throttles',
    ]);
    const [errors, throttles] = report.alarms;
    // The sample of 1 at 00:00:10 breaches in the minute ending 00:01; the 0 at 00:01:10 clears it.
    expect(errors).toMatchObject({
      finalState: 'OK',
      alarmTransitions: 1,
      secondsInAlarm: 60,
      approximate: false,
      transitions: [
        { at: '2026-01-01T00:01:00Z', from: 'INSUFFICIENT_DATA', to: 'ALARM', reason: expect.any(String) },
        { at: '2026-01-01T00:02:00Z', from: 'ALARM', to: 'OK', reason: expect.any(String) },
      ],
    });
    expect(throttles).toMatchObject({ neverHadData: true, alarmTransitions: 0, transitions: [] });
  });

  it.each([
    [
      'malformed JSON',
      () => ['--template', template, '--metrics', scratch('m.json', '{"metrics":[')],
      /m\.json: not JSON/,
    ],
    [
      'an unknown alarm, suggesting the closest names',
      () => ['--template', template, '--metrics', metrics, '--alarm', 'checkout-error'],
      /no alarm named "checkout-error"; did you mean "checkout-errors"/,
    ],
    [
      'a template without alarms',
      () => [
        '--template',
        scratch('empty.json', '{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}'),
        '--metrics',
        metrics,
      ],
      /empty\.json: no AWS::CloudWatch::Alarm or AWS::CloudWatch::CompositeAlarm resources/,
    ],
  ])('exits 1 with one line on stderr for %s', (_, args, message) => {
    const result = npmRunBacktest(...args());
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
