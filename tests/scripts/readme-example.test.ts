import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** The README's "Monitor your own stack" example, exactly as printed. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split('## Monitor your own stack')[1] ?? '';
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README has no TypeScript example under "Monitor your own stack"');
  return code;
}

describe('README: Monitor your own stack', () => {
  it('synthesizes as printed, with alarms on every resource it monitors', () => {
    // Saved at the repository root, as the README says, so its relative imports resolve.
    const file = path.join(root, '.readme-example.ts');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-readme-'));
    fs.writeFileSync(file, readmeExample());
    try {
      const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [file], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir },
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Orders.template.json'), 'utf8'));
      const names = Object.values(
        template.Resources as Record<string, { Type: string; Properties: { AlarmName?: string } }>,
      )
        .filter((resource) => resource.Type.startsWith('AWS::CloudWatch::'))
        .map((resource) => resource.Properties.AlarmName);
      expect(result.stdout.trim()).toBe(`${names.length} alarms for service orders`);
      for (const prefix of ['vigil-orders-checkout-', 'vigil-orders-jobs-', 'vigil-orders-table-']) {
        expect(names.some((name) => name?.startsWith(prefix))).toBe(true);
      }
      expect(names).not.toContain('vigil-orders-checkout-errors');
      expect(names).toContain('vigil-orders-service-health');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
