import { localLoop } from '../support/local-loop-cli';

interface Outcome {
  scenario: string;
  detectedAfterSeconds: number | null;
  alerts: { alarm: string; severity: string; state: string; notification: string; episode: string }[];
  remediations: { playbook: string; target: string; outcome: string }[];
  resolvedAfterSeconds: number | null;
}

test('needs-approval: the rollback waits for on-call, is approved through the signed link, remediates and resolves', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'needs-approval');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const outcome = JSON.parse(stdout.trimEnd().split('\n').at(-1) as string) as Outcome;
  expect(outcome.scenario).toBe('needs-approval');

  const errorAlarm = 'vigil-dev-predictor-api-error-rate';
  const opened = outcome.alerts.find((alert) => alert.alarm === errorAlarm && alert.notification === 'alarm');
  expect(opened).toMatchObject({ severity: 'high', state: 'ALARM' });
  expect(outcome.remediations).toEqual([
    expect.objectContaining({ playbook: 'lambda-alias-rollback', outcome: 'remediated' }),
  ]);
  const resolved = outcome.alerts.find(
    (alert) => alert.alarm === errorAlarm && alert.notification === 'resolved',
  );
  expect(resolved).toMatchObject({ state: 'OK', episode: opened?.episode });

  // The request went out with both signed links, on-call approved through them, and only then the
  // rollback ran: the run's path has the approval before the act.
  const link = (decision: string) =>
    new RegExp(
      `https://[a-z0-9]+\\.lambda-url\\.[a-z0-9-]+\\.on\\.aws/\\?run=\\w+&decision=${decision}&expires=\\d+&token=[\\w-]+&sig=[\\w-]+`,
    );
  const requested = stdout.split('\n').find((line) => line.includes('approval requested: approve ')) ?? '';
  expect(requested).toMatch(link('approve'));
  expect(requested).toMatch(new RegExp(` / deny ${link('deny').source}`));
  expect(stdout).toMatch(/on-call approved: Approved \(200\)/);
  expect(stdout).toMatch(/Request approval: approved=true, decidedBy=link/);
  expect(stdout).toMatch(
    /path: .*Plan → Request approval → Describe target again → Check before acting → Act → /,
  );
}, 180_000);
