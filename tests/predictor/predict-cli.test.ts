import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const root = path.join(__dirname, '..', '..');
const sample = path.join(root, 'predictor', 'sample', 'crimes-sample.csv');

function predict(...args: string[]) {
  return spawnSync('npm', ['run', '--silent', 'predict', '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
    },
    timeout: 60_000,
  });
}

describe('npm run predict', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-predict-'));

  it('scores the sample and ends with one JSON summary line', () => {
    const out = path.join(dir, 'results.ndjson.gz');
    const result = predict(sample, '--out', out);
    expect(result.status).toBe(0);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
    expect(Object.keys(last)).toEqual([
      'rows',
      'rejected',
      'seconds',
      'rowsPerSecond',
      'meanProbability',
      'modelVersion',
    ]);
    expect(last).toMatchObject({
      rows: 300,
      rejected: 0,
      modelVersion: expect.stringMatching(/^arrest-gbt-/),
    });
    const lines = zlib.gunzipSync(fs.readFileSync(out)).toString().trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ id: '10000000', probability: expect.any(Number) });
  });

  it.each([
    ['a missing file', () => path.join(dir, 'nope.csv'), /nope\.csv: no such file$/],
    [
      'a truncated gzip',
      () => {
        const file = path.join(dir, 'cut.csv.gz');
        const gzip = zlib.gzipSync(fs.readFileSync(sample));
        fs.writeFileSync(file, gzip.subarray(0, gzip.length - 20));
        return file;
      },
      /cut\.csv\.gz: The gzip file is truncated: it ends before its last block\.$/,
    ],
  ])('fails on %s with exit code 1 and one line, no stack trace', (_name, makeFile, message) => {
    const result = predict(makeFile());
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
  });

  it('explains its usage when called without a file', () => {
    const result = predict();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run predict -- FILE.csv[.gz]');
  });
});
