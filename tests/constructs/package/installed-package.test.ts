import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AlarmProperties, description } from '../../support/alarm-template';

/**
 * The monitoring constructs as a team gets them: `npm pack` of `constructs/`, installed with
 * aws-cdk-lib and constructs into a fresh CDK app in a temporary folder outside the repository,
 * compiled with that app's own TypeScript against the package's `.d.ts` and synthesized with node.
 * Nothing in the app can resolve a module from this repository.
 */

const REPO = path.resolve(__dirname, '../../..');
const PACKAGE_DIR = path.join(REPO, 'constructs');
// The versions this repository is tested with, so npm finds them in the cache `npm ci` filled.
const versionOf = (name: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    strict: true,
    outDir: 'dist',
    types: ['node'],
    // Checking aws-cdk-lib's own declarations costs most of the compile; the package's declarations
    // are checked where they can go wrong, their imports, by a test below.
    skipLibCheck: true,
  },
  include: ['*.ts'],
};

/** The README's "Monitor your own stack" example, exactly as printed: the app a team writes. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.split('## Monitor your own stack')[1] ?? '';
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README has no TypeScript example under "Monitor your own stack"');
  return code;
}

// What the app resolves and what the alarm-engine entry point reads back from its assembly.
const CHECK = `import { alarmsFromAssembly } from '@vigil/monitoring/alarm-engine';

console.log(JSON.stringify({
  resolvedFrom: require.resolve('@vigil/monitoring'),
  engineAlarms: alarmsFromAssembly(process.argv[2] as string).alarms.length,
}));
`;

// The same app with a misspelt signal: the compiler refuses it, and so does synth when the
// compiler is not asked (plain JavaScript, or a cast).
const TYPO_APP = `import { App, Stack } from 'aws-cdk-lib';
import { ServiceMonitoring } from '@vigil/monitoring';

const app = new App({ outdir: process.argv[2] as string });
const stack = new Stack(app, 'Orders');
new ServiceMonitoring(stack, 'Monitoring', {
  service: 'orders',
  overrides: {
    // @ts-expect-error: no monitor raises lambda/eror-rate
    'lambda/eror-rate': { severity: 'high' },
  },
});
app.synth();
`;

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

let appDir: string;
let packed: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
}

beforeAll(() => {
  appDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-team-app-')));
  const packOutput = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', appDir], PACKAGE_DIR),
  ) as {
    filename: string;
  }[];
  packed = path.join(appDir, (packOutput[0] as { filename: string }).filename);
  fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'team-app', private: true }));
  fs.writeFileSync(path.join(appDir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  fs.writeFileSync(path.join(appDir, 'app.ts'), readmeExample());
  fs.writeFileSync(path.join(appDir, 'check.ts'), CHECK);
  fs.writeFileSync(path.join(appDir, 'typo.ts'), TYPO_APP);
  run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      packed,
      `aws-cdk-lib@${versionOf('aws-cdk-lib')}`,
      `constructs@${versionOf('constructs')}`,
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ],
    appDir,
  );
}, 600_000);

afterAll(() => {
  if (appDir) fs.rmSync(appDir, { recursive: true, force: true });
});

describe('the packed monitoring library', () => {
  it('ships compiled JavaScript and declarations only, and depends on nothing but its peers', () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(appDir, 'node_modules/@vigil/monitoring/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies as object).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    const files = fs.readdirSync(path.join(appDir, 'node_modules/@vigil/monitoring'), { recursive: true });
    const sources = files.map(String).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    expect(sources).toEqual([]);
    expect(files.map(String)).toEqual(
      expect.arrayContaining(['README.md', 'dist/index.d.ts', 'dist/alarm-lint/index.js']),
    );
  });

  it('imports, in its code and its declarations, only its peers, Node built-ins and its own files', () => {
    const root = path.join(appDir, 'node_modules/@vigil/monitoring/dist');
    const specifiers = fs
      .readdirSync(root, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.js') || file.endsWith('.d.ts'))
      .flatMap((file) => {
        const text = fs.readFileSync(path.join(root, file), 'utf8');
        // Import and export statements start a line; a comment may say `from "…"` anywhere.
        const statements = /^\s*(?:import|export)\b[^'"\n]*?from\s*["']([^"']+)["']/gm;
        const calls = /\b(?:require|import)\(["']([^"']+)["']\)/g;
        return [...text.matchAll(statements), ...text.matchAll(calls)].map((match) => match[1] as string);
      });
    expect(specifiers.length).toBeGreaterThan(100);
    const foreign = specifiers.filter(
      (specifier) => !/^(\.{1,2}\/|node:|aws-cdk-lib(\/|$)|constructs$)/.test(specifier),
    );
    expect([...new Set(foreign)]).toEqual([]);
  });

  it('installs with no path back into this repository', () => {
    const links = fs
      .readdirSync(path.join(appDir, 'node_modules'), { recursive: true })
      .map((entry) => path.join(appDir, 'node_modules', String(entry)))
      .filter((entry) => fs.lstatSync(entry).isSymbolicLink());
    for (const link of links) expect(fs.realpathSync(link).startsWith(REPO)).toBe(false);
    expect(appDir.startsWith(REPO)).toBe(false);
  });

  it('compiles a team’s app against its declarations, and refuses a misspelt override key', () => {
    // `@ts-expect-error` in typo.ts fails the compile unless the key is a type error.
    expect(() =>
      run('node', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], appDir),
    ).not.toThrow();
  });

  describe('the README’s app: a Lambda function, a queue, a table and an HTTP API, with overrides', () => {
    let alarms: Map<string, AlarmProperties>;
    let printed: string;
    let check: { resolvedFrom: string; engineAlarms: number };

    beforeAll(() => {
      const outdir = path.join(appDir, 'cdk.out');
      printed = execFileSync('node', ['dist/app.js'], {
        cwd: appDir,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir },
        timeout: 120_000,
      }).trim();
      check = JSON.parse(run('node', ['dist/check.js', outdir], appDir));
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Orders.template.json'), 'utf8')) as {
        Resources: Record<string, CfnResource>;
      };
      alarms = new Map(
        Object.values(template.Resources)
          .filter((resource) => resource.Type.startsWith('AWS::CloudWatch::'))
          .map((resource) => [resource.Properties.AlarmName as string, resource.Properties]),
      );
    });

    it('loads the package from the app’s own node_modules', () => {
      expect(check.resolvedFrom).toBe(path.join(appDir, 'node_modules/@vigil/monitoring/dist/index.js'));
    });

    it('makes the default alarms of each resource, named by the one naming rule', () => {
      expect([...alarms.keys()]).toEqual(
        expect.arrayContaining([
          'vigil-orders-checkout-throttles',
          'vigil-orders-jobs-oldest-message-age',
          'vigil-orders-jobs-messages-near-expiry',
          'vigil-orders-jobs-dead-letter-messages',
          'vigil-orders-table-read-throttles',
          'vigil-orders-api-server-error-rate',
          'vigil-orders-api-p99-latency',
          'vigil-orders-service-health',
        ]),
      );
      // Switched off by the service override.
      expect(alarms.has('vigil-orders-checkout-errors')).toBe(false);
      const vigilAlarms = [...alarms.keys()].filter((name) => name?.startsWith('vigil-orders-'));
      expect(printed).toBe(`${vigilAlarms.length} alarms for service orders`);
      // The engine entry point reads the same assembly: every metric alarm, the team's own included.
      expect(check.engineAlarms).toBeGreaterThan(vigilAlarms.length);
    });

    it('gives error-rate a warning and a critical alarm from the service override', () => {
      const critical = alarms.get('vigil-orders-checkout-error-rate');
      const warning = alarms.get('vigil-orders-checkout-error-rate-warning');
      expect(critical?.Threshold).toBe(5);
      expect(warning?.Threshold).toBe(1);
      expect(description(critical)?.severity).toBe('critical');
      expect(description(warning)?.severity).toBe('warning');
    });

    it('applies the monitor’s own threshold, described as the team’s, and the service’s severity override', () => {
      const duration = alarms.get('vigil-orders-checkout-p99-duration');
      expect(duration?.Threshold).toBe(5000);
      expect(description(duration)?.threshold).toMatch(
        /^≥ 5000 ms, set by the team \(the monitor's default: 80% of the 10 s timeout\), in 3 consecutive five-minute periods$/,
      );
      const age = alarms.get('vigil-orders-jobs-oldest-message-age');
      expect(description(age)?.severity).toBe('high');
    });

    it('lets the team alarm on the metric a monitor exposes', () => {
      const own = [...alarms.values()].find((alarm) => alarm.Threshold === 2000);
      expect(own).toMatchObject({
        MetricName: 'Duration',
        Namespace: 'AWS/Lambda',
        ExtendedStatistic: 'p99',
      });
    });
  });

  it('fails the synth of a misspelt override with the valid keys listed', () => {
    const result = spawnSync('node', ['dist/typo.js', path.join(appDir, 'typo.out')], {
      cwd: appDir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('service orders: unknown override key "lambda/eror-rate"');
    expect(result.stderr).toMatch(/one of lambda\/error-rate, lambda\/errors, .*sqs\/oldest-message-age/);
  });
});
