import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { CfnElement } from 'aws-cdk-lib';
import { build, type Metafile } from 'esbuild';
import { type FunctionBundling, PlatformFunction } from '../constructs/platform-function';
import { DEPLOYED_REGION } from './local-loop/deployed-values';
import { synthesizeDevApp } from './local-loop/synthesize';
import { type FoundResource, SynthesizedAppReader } from './local-loop/synthesized-app';

/**
 * `npm run bench:bundles`: bundles every Lambda function of the synthesized dev app with the settings
 * its `PlatformFunction` deploys with, and prints each bundle's size (raw and gzip), what fills it
 * (from esbuild's metafile) and its cold-start init time; then the same with the AWS SDK bundled
 * instead of left to the runtime (or the other way round), to decide which one to deploy.
 *
 * Init time is measured in a fresh Node process of the Lambda runtime's major version (the `node`
 * devDependency), with the function's deployed environment: the time `require()` of the bundle takes,
 * i.e. loading and running every module's top level, which is what Lambda's Init Duration spends on
 * our code. It leaves out what the runtime adds (its own bootstrap, fetching the code, the sandbox),
 * and runs on this machine's CPU, not a Lambda's share of a Graviton core: compare the figures with
 * each other, not with Init Duration in CloudWatch.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ROOT = path.join(__dirname, '..');
const NODE = path.join(ROOT, 'node_modules', 'node', 'bin', 'node');
/** Where Lambda's own Node.js runtime keeps the AWS SDK it ships; here the project's copy stands in for it. */
const RUNTIME_MODULES = path.join(ROOT, 'node_modules');
const AWS_SDK = '@aws-sdk/*';

/** One distinct bundle: functions that share an entry and settings deploy the same code. */
interface Bundle {
  readonly entry: string;
  readonly bundling: FunctionBundling;
  /** The functions deploying it, by construct path. */
  readonly functions: string[];
  readonly resource: FoundResource;
  readonly runtime: string;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
}

interface BuiltBundle {
  readonly file: string;
  readonly raw: number;
  readonly gzip: number;
  readonly contributors: Record<Contributor, number>;
}

const CONTRIBUTORS = ['zod', 'aws-sdk', 'powertools', 'other-deps', 'own'] as const;
type Contributor = (typeof CONTRIBUTORS)[number];

/** Which part of the bundle a metafile input belongs to. */
function contributorOf(input: string): Contributor {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  if (inPackage === undefined) return 'own';
  if (inPackage === 'zod') return 'zod';
  // The clients' runtime is spread over @smithy and @aws-crypto packages.
  if (/^@(aws-sdk|smithy|aws-crypto)\//.test(inPackage)) return 'aws-sdk';
  // The tracer brings the X-Ray SDK with it.
  if (/^@aws-lambda-powertools\/|^aws-xray-sdk/.test(inPackage)) return 'powertools';
  return 'other-deps';
}

function findBundles(): { bundles: Bundle[]; dispose: () => void } {
  const app = synthesizeDevApp();
  const reader = new SynthesizedAppReader(app);
  const functions = reader.resources('AWS::Lambda::Function');
  const byCode = new Map<string, Bundle>();
  for (const { stack } of app.stacks) {
    for (const construct of stack.node.findAll()) {
      if (!(construct instanceof PlatformFunction)) continue;
      const logicalId = stack.getLogicalId(construct.function.node.defaultChild as CfnElement);
      const resource = functions.find((fn) => fn.stack === stack && fn.logicalId === logicalId);
      if (!resource) throw new Error(`${construct.node.path}: no AWS::Lambda::Function in the template`);
      const key = JSON.stringify([construct.entry, construct.bundling]);
      const known = byCode.get(key);
      if (known) {
        known.functions.push(construct.node.path);
        continue;
      }
      byCode.set(key, {
        entry: construct.entry,
        bundling: construct.bundling,
        functions: [construct.node.path],
        resource,
        runtime: construct.function.runtime.name,
        memorySize: Number(resource.properties.MemorySize),
        environment: reader.localEnvironment(resource),
      });
    }
  }
  return { bundles: [...byCode.values()], dispose: () => app.dispose() };
}

/**
 * The esbuild call NodejsFunction makes for these settings (`esbuild --bundle <entry> --target
 * --platform=node --format --minify --external:…`), with a metafile to see what fills the bundle.
 */
async function bundle(entry: string, bundling: FunctionBundling, outdir: string): Promise<BuiltBundle> {
  const file = path.join(outdir, 'index.js');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: bundling.target,
    format: bundling.format as 'cjs' | 'esm',
    minify: bundling.minify,
    external: [...bundling.externalModules],
    outfile: file,
    metafile: true,
    logLevel: 'error',
  });
  const contributors = Object.fromEntries(CONTRIBUTORS.map((name) => [name, 0])) as Record<
    Contributor,
    number
  >;
  const output = (result.metafile as Metafile).outputs[path.relative(process.cwd(), file)];
  if (!output) throw new Error(`esbuild's metafile does not describe ${file}`);
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    contributors[contributorOf(input)] += bytesInOutput;
  }
  const code = fs.readFileSync(file);
  return { file, raw: code.length, gzip: zlib.gzipSync(code).length, contributors };
}

/** What Lambda sets in every execution environment, as far as module init can see it. */
function lambdaEnvironment(fn: Bundle, taskRoot: string): Record<string, string> {
  return {
    AWS_REGION: DEPLOYED_REGION,
    AWS_DEFAULT_REGION: DEPLOYED_REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.resource.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    LAMBDA_TASK_ROOT: taskRoot,
    // The runtime puts its own node_modules (the SDK it ships) and the layers' on NODE_PATH.
    NODE_PATH: RUNTIME_MODULES,
    TZ: ':UTC',
    PATH: process.env.PATH ?? '',
    ...fn.environment,
  };
}

const PROBE = `
const started = performance.now();
const cpu = process.cpuUsage();
require(process.argv[1]);
const { user, system } = process.cpuUsage(cpu);
const loaded = performance.now();
process.stdout.write('\\n' + JSON.stringify({ node: process.versions.node, startup: started, init: loaded - started, cpu: (user + system) / 1000 }) + '\\n');
`;

interface Timing {
  readonly node: string;
  /** Milliseconds from the process's start to the `require()` (Node's own startup). */
  readonly startup: number;
  /** Milliseconds the `require()` of the bundle took: module init. */
  readonly init: number;
  /** CPU milliseconds (user and system) of the `require()`: steadier than `init` on a busy machine. */
  readonly cpu: number;
}

function timeInit(file: string, environment: Record<string, string>): Timing {
  const run = spawnSync(NODE, ['-e', PROBE, file], {
    env: environment,
    cwd: path.dirname(file),
    encoding: 'utf8',
  });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !last.startsWith('{')) {
    throw new Error(`${file} failed its module init (exit ${run.status}):\n${run.stderr}${run.stdout}`);
  }
  return JSON.parse(last) as Timing;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median init (and Node startup) over RUNS fresh processes; the variants of one function alternate, so drift in the machine's load hits each alike. */
function timeVariants(files: readonly string[], environment: Record<string, string>, runtime: string) {
  const runs = files.map(() => [] as Timing[]);
  for (let run = 0; run < RUNS; run += 1) {
    for (const [index, file] of files.entries()) {
      const timing = timeInit(file, environment);
      const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
      if (major === undefined || !timing.node.startsWith(`${major}.`)) {
        throw new Error(`the functions run on ${runtime}, but ${NODE} is Node ${timing.node}`);
      }
      runs[index]?.push(timing);
    }
  }
  return runs.map((timings) => ({
    node: timings[0]?.node ?? '',
    init: median(timings.map((timing) => timing.init)),
    cpu: median(timings.map((timing) => timing.cpu)),
    startup: median(timings.map((timing) => timing.startup)),
  }));
}

const kib = (bytes: number) => (bytes / 1024).toFixed(0);
const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;
const name = (fn: Bundle) => path.relative(path.join(ROOT, 'lambda'), fn.entry).replace(/\.ts$/, '');

async function main(): Promise<void> {
  const { bundles, dispose } = findBundles();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-bundles-'));
  try {
    const rows = [];
    for (const [index, fn] of bundles.entries()) {
      const sdkExternal = fn.bundling.externalModules.includes(AWS_SDK);
      const other: FunctionBundling = {
        ...fn.bundling,
        externalModules: sdkExternal
          ? fn.bundling.externalModules.filter((module) => module !== AWS_SDK)
          : [AWS_SDK, ...fn.bundling.externalModules],
      };
      const deployed = await bundle(fn.entry, fn.bundling, path.join(work, String(index), 'deployed'));
      const alternative = await bundle(fn.entry, other, path.join(work, String(index), 'alternative'));
      const environment = lambdaEnvironment(fn, path.dirname(deployed.file));
      const [deployedTime, alternativeTime] = timeVariants(
        [deployed.file, alternative.file],
        environment,
        fn.runtime,
      );
      if (!deployedTime || !alternativeTime) throw new Error('no timings');
      rows.push({ fn, sdkExternal, deployed, alternative, deployedTime, alternativeTime });
    }

    const first = rows[0];
    console.log(
      `Lambda bundles: ${bundles.length} distinct bundles of ${bundles.reduce((sum, fn) => sum + fn.functions.length, 0)} functions (dev app), built with each PlatformFunction's esbuild settings.\n` +
        `Init: median of ${RUNS} fresh Node ${first?.deployedTime.node} processes (${os.cpus()[0]?.model}, ${os.cpus().length} cores) each require()-ing the bundle ` +
        `with the function's deployed environment: wall ms, and CPU ms (user + system, steadier when the machine is busy). ` +
        `Not included: Node's own startup (median ${first?.deployedTime.startup.toFixed(0)} ms here) and the Lambda runtime's bootstrap; ` +
        `compare the figures with each other, not with Init Duration.\n`,
    );
    console.log('As deployed');
    console.log(
      'bundle                                      functions  AWS SDK    raw KiB  gzip KiB    zod  aws-sdk  powertools  other deps  own code  init ms  cpu ms',
    );
    for (const { fn, sdkExternal, deployed, deployedTime } of rows) {
      const parts = deployed.contributors;
      console.log(
        [
          name(fn).padEnd(42),
          String(fn.functions.length).padStart(9),
          (sdkExternal ? 'runtime' : 'bundled').padStart(8),
          kib(deployed.raw).padStart(9),
          kib(deployed.gzip).padStart(8),
          share(parts.zod, deployed.raw).padStart(6),
          share(parts['aws-sdk'], deployed.raw).padStart(7),
          share(parts.powertools, deployed.raw).padStart(10),
          share(parts['other-deps'], deployed.raw).padStart(10),
          share(parts.own, deployed.raw).padStart(8),
          deployedTime.init.toFixed(0).padStart(7),
          deployedTime.cpu.toFixed(0).padStart(6),
        ].join('  '),
      );
    }
    console.log(
      `\nzod, KiB per bundle: ${rows.map(({ fn, deployed }) => `${name(fn)} ${kib(deployed.contributors.zod)}`).join(', ')}`,
    );

    console.log('\nAWS SDK from the runtime (external, found on NODE_PATH as in Lambda) vs bundled');
    console.log(
      'bundle                                      runtime: raw KiB  gzip KiB  init ms  cpu ms   bundled: raw KiB  gzip KiB  init ms  cpu ms',
    );
    for (const { fn, sdkExternal, deployed, alternative, deployedTime, alternativeTime } of rows) {
      const [runtime, runtimeTime, bundled, bundledTime] = sdkExternal
        ? [deployed, deployedTime, alternative, alternativeTime]
        : [alternative, alternativeTime, deployed, deployedTime];
      console.log(
        [
          name(fn).padEnd(42),
          kib(runtime.raw).padStart(16),
          kib(runtime.gzip).padStart(8),
          runtimeTime.init.toFixed(0).padStart(7),
          runtimeTime.cpu.toFixed(0).padStart(6),
          kib(bundled.raw).padStart(17),
          kib(bundled.gzip).padStart(8),
          bundledTime.init.toFixed(0).padStart(7),
          bundledTime.cpu.toFixed(0).padStart(6),
        ].join('  '),
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
