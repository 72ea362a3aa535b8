import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeCostReport } from '../../../../lambda/cost-report/cli/cost-report-cli';

const root = path.join(__dirname, '..', '..', '..', '..');
/** The sample recording: one file per API request, as a recording of a real account is. */
const SAMPLE = path.join(root, 'lambda', 'cost-report', 'sample', 'recording');
const USAGE = 'usage: npm run cost-report -- --fixture RECORDING_DIR --out DIR [--now 2026-12-03T06:00:00Z]';

/** The command as `npm run cost-report --` runs it. */
function cli(...args: string[]) {
  return spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [path.join(root, 'lambda', 'cost-report', 'cli', 'cost-report-cli.ts'), ...args],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
}

function temporaryDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cost-report-cli-'));
}

describe('npm run cost-report', () => {
  it('replays the sample recording through the reader and writes October 2026: $1,534.09 billed, usage $1,630.49', () => {
    const out = temporaryDirectory();
    const result = cli('--fixture', SAMPLE, '--out', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    const base = path.join(out, 'cost-report-2026-10');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([`${base}.html`, `${base}.csv`, `${base}.json`]);
    // Usage: the 15 services' usage, Step Functions' $78.24 before its $96.40 refund.
    expect(lines[3]).toMatch(
      /^October 2026: \$1,534\.09 billed, \+\$6\.43 \(\+0\.4%\) vs September 2026; usage \$1,630\.49 \(\+6\.7%\); forecast for November 2026 /,
    );
    const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
    // Generated when the recording was made unless --now says otherwise.
    expect(json).toMatchObject({ schema: 'vigil.cost-report/2', generatedAt: '2026-11-03T06:00:00.000Z' });
    expect(json.adjustments).toEqual([expect.objectContaining({ recordType: 'Refund', lastMonth: -96.4 })]);
    expect(fs.readFileSync(`${base}.html`, 'utf8').match(/<svg /g)).toHaveLength(3);
    expect(fs.readFileSync(`${base}.csv`, 'utf8')).toMatch(/^kind,month,currency,service,/);
  });

  it('fails a missing recording with one line naming it', () => {
    const missing = path.join(temporaryDirectory(), 'nowhere');
    const result = cli('--fixture', missing, '--out', temporaryDirectory());
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`cost-report: ${missing}: no such directory\n`);
    expect(result.stdout).toBe('');
  });

  it('fails missing arguments with one line naming them and the usage', () => {
    const result = cli('--now', '2025-01-01T00:00:00Z');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`cost-report: missing --fixture and --out; ${USAGE}\n`);
  });
});

describe('writeCostReport', () => {
  it('refuses a file: a recording is a directory of exchange files', async () => {
    const fixture = path.join(temporaryDirectory(), 'old-format.json');
    fs.writeFileSync(fixture, JSON.stringify({ period: { month: '2026-10' } }));
    await expect(writeCostReport({ fixture, out: temporaryDirectory() })).rejects.toThrow(
      `${fixture}: is a file; a recording is a directory of exchange files`,
    );
  });

  it('names the exchange file that is not an exchange, and what is wrong with it', async () => {
    const fixture = temporaryDirectory();
    fs.cpSync(SAMPLE, fixture, { recursive: true });
    const file = path.join(fixture, '01-GetCostAndUsage-service-record-type-page-1.json');
    fs.writeFileSync(file, JSON.stringify({ operation: 'GetCostAndUsage', input: {} }));
    await expect(writeCostReport({ fixture, out: temporaryDirectory() })).rejects.toThrow(
      `${file}: file: needs exactly one of output and error`,
    );
  });

  it('says which request the recording does not hold, with the error the API answers for it', async () => {
    const fixture = temporaryDirectory();
    fs.cpSync(SAMPLE, fixture, { recursive: true });
    fs.rmSync(path.join(fixture, '02-GetCostAndUsage-service-record-type-page-2.json'));
    await expect(writeCostReport({ fixture, out: temporaryDirectory() })).rejects.toThrow(
      /GetCostAndUsage \(cost by service and record type, page 2\) failed: DataUnavailableException: The requested data is unavailable \(not in the recording: .*"NextPageToken":"service-record-type-page-2-token"/,
    );
  });

  it('asks for other months than recorded: DataUnavailableException, as Cost Explorer answers', async () => {
    const failure = writeCostReport({
      fixture: SAMPLE,
      out: temporaryDirectory(),
      now: new Date('2025-04-03T06:00:00Z'),
    });
    await expect(failure).rejects.toThrow(
      /failed: DataUnavailableException: The requested data is unavailable/,
    );
  });
});
