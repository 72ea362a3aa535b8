import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeCostReport } from '../../../../lambda/cost-report/cli/cost-report-cli';

const root = path.join(__dirname, '..', '..', '..', '..');
const SAMPLE = path.join(root, 'lambda', 'cost-report', 'sample', 'recorded-cost-data.json');
const USAGE = 'usage: npm run cost-report -- --fixture RECORDED.json --out DIR [--now 2025-04-03T06:00:00Z]';

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
  it('writes the HTML, CSV and JSON of the sample month and prints their paths and the headline', () => {
    const out = temporaryDirectory();
    const result = cli('--fixture', SAMPLE, '--out', out, '--now', '2025-01-01T06:00:00Z');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    const { month } = JSON.parse(fs.readFileSync(SAMPLE, 'utf8')).period;
    const base = path.join(out, `cost-report-${month}`);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([`${base}.html`, `${base}.csv`, `${base}.json`]);
    expect(lines[3]).toMatch(
      /^\w+ \d{4}: −?\$[\d,]+\.\d\d, [+−]?\$[\d,]+\.\d\d \((n\/a|[+−]?\d+\.\d%)\) vs \w+ \d{4}; /,
    );
    const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
    expect(json).toMatchObject({ schema: 'vigil.cost-report/1', generatedAt: '2025-01-01T06:00:00.000Z' });
    expect(fs.readFileSync(`${base}.html`, 'utf8').match(/<svg /g)).toHaveLength(3);
    expect(fs.readFileSync(`${base}.csv`, 'utf8')).toMatch(/^kind,month,service,/);
  });

  it('fails a missing fixture with one line naming it', () => {
    const missing = path.join(temporaryDirectory(), 'nowhere.json');
    const result = cli('--fixture', missing, '--out', temporaryDirectory());
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`cost-report: ${missing}: no such file\n`);
    expect(result.stdout).toBe('');
  });

  it('fails missing arguments with one line naming them and the usage', () => {
    const result = cli('--now', '2025-01-01T00:00:00Z');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`cost-report: missing --fixture and --out; ${USAGE}\n`);
  });
});

describe('writeCostReport', () => {
  const now = new Date('2025-04-03T06:00:00Z');

  it('names what is missing from a file that is not recorded cost data', async () => {
    const fixture = path.join(temporaryDirectory(), 'wrong.json');
    fs.writeFileSync(fixture, JSON.stringify({ period: { month: 'March' }, trend: 3 }));
    const failure = writeCostReport({ fixture, out: temporaryDirectory(), now });
    await expect(failure).rejects.toThrow(
      `${fixture}: not recorded cost data: period.month: must be YYYY-MM; period.previousMonth:`,
    );
    await expect(failure).rejects.toThrow(
      /costByService: .*trend: Invalid input: expected array, received number/,
    );
  });

  it('says when the fixture is not JSON at all', async () => {
    const fixture = path.join(temporaryDirectory(), 'broken.json');
    fs.writeFileSync(fixture, '{"period":');
    await expect(writeCostReport({ fixture, out: temporaryDirectory(), now })).rejects.toThrow(
      `${fixture}: not JSON (`,
    );
  });
});
