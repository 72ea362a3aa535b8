import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** Runs a command the way a user does from the repo root: Node 24 first on PATH, no AWS credentials. */
function run(command: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  env.PATH = `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}`;
  return spawnSync(command, args, { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
}

describe('offline synthesis with the CDK CLI', () => {
  it.each(['dev', 'prod'])('`cdk synth -c env=%s` succeeds with no credentials', (envName) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-'));
    const result = run('cdk', ['synth', '--quiet', '-c', `env=${envName}`, '--output', outdir]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.Core.properties.stackName).toBe(`vigil-${envName}-core`);
  });

  it('fails an unknown environment with one line naming the field and the choices', () => {
    const result = run('cdk', ['synth', '--quiet', '-c', 'env=staging', '--output', os.tmpdir()]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Invalid config: env must be one of dev, prod (got "staging")\n');
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('npm run synth:summary', () => {
  it('prints the stack table and exits 0', () => {
    const result = run('npx', ['tsx', 'scripts/start.ts', '--env', 'prod']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /Stack\s+Resources\s+Alarms\s+Lambda functions\s+Monitoring \$\/month\s+Unacknowledged findings/,
    );
    expect(result.stdout).toMatch(/vigil-prod-core\s+8\s+0\s+0\s+0\.00\s+0\n/);
  });
});
