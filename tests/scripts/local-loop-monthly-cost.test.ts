import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { LoopSummary } from '../../scripts/local-loop/scenario';

const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);
const RECORDING = path.join(root, 'tests/fixtures/aws/cost-explorer/monthly-cost-recorded.json');

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

interface RecordedGroup {
  Keys: string[];
  Metrics: { UnblendedCost: { Amount: string; Unit: string } };
}

test('monthly-cost: the report of the recorded month, as mailed, with the credit and the tax', async () => {
  const { code, stdout, stderr } = await localLoop('--json', '--scenario', 'monthly-cost');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const outcome = JSON.parse(stdout.trimEnd().split('\n').at(-1) as string) as LoopSummary;
  expect(outcome).toMatchObject({ scenario: 'monthly-cost', unsupportedCalls: [], alerts: [] });

  // By hand from the recording's November answer (GetCostAndUsage by SERVICE, both pages), each
  // line rounded to the cent as the report shows it:
  //   CloudWatch 11.64 + Lambda 7.42 + DynamoDB 4.29 + API Gateway 3.82 + KMS 3.04 + Tax 2.98
  //   + S3 2.33 + Firehose 1.22 + Step Functions 0.91 + Cost Explorer 0.09 + SNS 0.05 + SQS 0.02
  //   + Athena (0.6172 usage − 12.00 credit = −11.3828) −11.38 = 26.43 (exactly 26.4330437997)
  expect(outcome.costReport).toMatchObject({ month: '2026-11', total: 26.43, currency: 'USD' });
  expect(outcome.costReport?.services).toHaveLength(13);
  expect(outcome.costReport?.services).toEqual(
    expect.arrayContaining([
      { service: 'Amazon Athena', amount: -11.38 },
      { service: 'Tax', amount: 2.98 },
      { service: 'AWS Lambda', amount: 7.42 },
    ]),
  );
  // The $12.00 credit (RECORD_TYPE Credit on Athena) shows only netted into Athena's line.
  expect(outcome.costReport?.creditsApplied).toBe(-11.38);

  // The recording agrees with itself: its SERVICE × RECORD_TYPE breakdown of November (which the
  // report never asks for) holds the credit line and the tax, and adds up to the same total.
  const recording = JSON.parse(fs.readFileSync(RECORDING, 'utf8')) as {
    exchanges: {
      request: { GroupBy?: { Key: string }[] };
      pages: { ResultsByTime: { Groups: RecordedGroup[] }[] }[];
    }[];
  };
  const byRecordType = recording.exchanges.find((exchange) =>
    exchange.request.GroupBy?.some((group) => group.Key === 'RECORD_TYPE'),
  );
  const groups =
    byRecordType?.pages.flatMap((page) => page.ResultsByTime.flatMap((result) => result.Groups)) ?? [];
  const amountOf = (keys: string[]) =>
    groups.find((group) => group.Keys.join() === keys.join())?.Metrics.UnblendedCost.Amount;
  expect(amountOf(['Amazon Athena', 'Credit'])).toBe('-12.0000000000');
  expect(amountOf(['Tax', 'Tax'])).toBe('2.9800000000');
  const exact = groups.reduce((sum, group) => sum + Number(group.Metrics.UnblendedCost.Amount), 0);
  expect(Math.round(exact * 100)).toBe(2643);
  expect(groups.every((group) => group.Metrics.UnblendedCost.Unit === 'USD')).toBe(true);

  // What the user receives: the mail, printed, and the report in the run folder.
  expect(stdout).toMatch(/Subject: Vigil cost report 2026-11: \$26\.43 /);
  expect(stdout).toMatch(
    /Cost Explorer GetCostAndUsage 2026-10-01\.\.2026-12-01 MONTHLY by SERVICE, page 2 of 2/,
  );
  expect(stdout).toMatch(/mail published to vigil-dev-cost/);
  const folder = /^Run folder: (.+)\/$/m.exec(stdout)?.[1];
  expect(folder).toBeDefined();
  const html = fs.readFileSync(path.join(root, folder as string, 'cost-report.html'), 'utf8');
  expect(html).toContain('Amazon Athena');
  expect(html).toContain('−$11.38');
  expect(fs.existsSync(path.join(root, folder as string, 'cost-report-email.txt'))).toBe(true);
}, 180_000);
