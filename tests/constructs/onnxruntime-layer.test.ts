import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  layerDirectorySize,
  OnnxRuntimeLayer,
  type OnnxRuntimeLayerProps,
  onnxRuntimeLayerContents,
} from '../../constructs/onnxruntime-layer';
import { newApp } from '../support/synth-vigil';

const ORT = 'nodejs/node_modules/onnxruntime-node';
const COMMON = 'nodejs/node_modules/onnxruntime-common';
const SOURCE_DIR = path.dirname(require.resolve('onnxruntime-node/package.json'));
const SOURCE_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(SOURCE_DIR, 'package.json'), 'utf8'),
).version;
const MODEL = path.join(__dirname, '../../predictor/model/arrest-model.onnx');
/** ELF `e_machine` values. */
const EM_AARCH64 = 183;
const EM_X86_64 = 62;

/** Temporary directories and cloud assemblies (each holds a ~26-46 MB layer), removed after the file runs. */
const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ort-layer-'));
  cleanup.push(dir);
  return dir;
}

function buildLayer(architecture: lambda.Architecture): string {
  const dir = tempDir();
  OnnxRuntimeLayer.buildDirectory(dir, architecture);
  return dir;
}

/** Every regular file under `dir`, as POSIX paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

function elfMachine(file: string): number {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  expect(header.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  return header.readUInt16LE(18);
}

describe('arm64 layer directory', () => {
  const dir = buildLayer(lambda.Architecture.ARM_64);
  const files = listFiles(dir);

  it('holds exactly the two linux/arm64 native files, and they are aarch64 ELF objects', () => {
    expect(files.filter((file) => file.includes('/bin/'))).toEqual([
      `${ORT}/bin/napi-v6/linux/arm64/libonnxruntime.so.1`,
      `${ORT}/bin/napi-v6/linux/arm64/onnxruntime_binding.node`,
    ]);
    expect(elfMachine(path.join(dir, ORT, 'bin/napi-v6/linux/arm64/onnxruntime_binding.node'))).toBe(
      EM_AARCH64,
    );
    expect(elfMachine(path.join(dir, ORT, 'bin/napi-v6/linux/arm64/libonnxruntime.so.1'))).toBe(EM_AARCH64);
  });

  it('holds no darwin, win32 or linux/x64 file', () => {
    expect(files.filter((file) => /darwin|win32|linux\/x64|\.(dylib|dll)$/.test(file))).toEqual([]);
  });

  it('holds both package.json files, copied unchanged', () => {
    expect(fs.readFileSync(path.join(dir, ORT, 'package.json'))).toEqual(
      fs.readFileSync(path.join(SOURCE_DIR, 'package.json')),
    );
    const common = JSON.parse(fs.readFileSync(path.join(dir, COMMON, 'package.json'), 'utf8'));
    expect(common).toMatchObject({ name: 'onnxruntime-common', version: SOURCE_VERSION });
  });

  it('holds the CommonJS runtime files and the entry points they start from', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        `${ORT}/dist/index.js`,
        `${ORT}/dist/binding.js`,
        `${ORT}/dist/backend.js`,
        `${ORT}/dist/version.js`,
        `${COMMON}/dist/cjs/index.js`,
        // Marks dist/cjs as CommonJS inside a "type": "module" package; without it require() fails.
        `${COMMON}/dist/cjs/package.json`,
      ]),
    );
  });

  it('holds nothing the runtime does not load: no install-script deps, types, maps, sources or ESM', () => {
    const packages = new Set(files.map((file) => file.split('/')[2]));
    expect([...packages].sort()).toEqual(['onnxruntime-common', 'onnxruntime-node']);
    expect(
      files.filter((file) => /\.d\.ts$|\.map$|\.ts$|README|\/script\/|\/lib\/|\/esm\//.test(file)),
    ).toEqual([]);
  });

  it('stays under 40 MB, and its reported size is the sum of the files copied', () => {
    const bytes = layerDirectorySize(dir);
    expect(bytes).toBeLessThan(40 * 1024 * 1024);
    const planned = onnxRuntimeLayerContents(lambda.Architecture.ARM_64).files.reduce(
      (sum, file) => sum + file.bytes,
      0,
    );
    expect(bytes).toBe(planned);
    expect(bytes).toBeGreaterThan(
      fs.statSync(path.join(dir, ORT, 'bin/napi-v6/linux/arm64/libonnxruntime.so.1')).size,
    );
  });
});

describe('x86_64 layer directory', () => {
  const dir = buildLayer(lambda.Architecture.X86_64);

  it('holds only the linux/x64 native files, and they are x86-64 ELF objects', () => {
    const files = listFiles(dir);
    expect(files.filter((file) => file.includes('/bin/'))).toEqual([
      `${ORT}/bin/napi-v6/linux/x64/libonnxruntime.so.1`,
      `${ORT}/bin/napi-v6/linux/x64/onnxruntime_binding.node`,
    ]);
    expect(files.filter((file) => /darwin|win32|arm64/.test(file))).toEqual([]);
    expect(elfMachine(path.join(dir, ORT, 'bin/napi-v6/linux/x64/onnxruntime_binding.node'))).toBe(EM_X86_64);
  });

  /** Loads the layer's onnxruntime-node in a fresh node process that cannot see this repository's node_modules. */
  function loadInChild(modelPath?: string) {
    const script = `
      const fs = require('node:fs');
      const [layerDir, modelPath] = process.argv.slice(1);
      const ort = require(layerDir + '/${ORT}');
      const report = (session) => {
        const mapped = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')
          .map((line) => line.split(/\\s+/)[5] ?? '').filter((file) => file.includes('onnxruntime'));
        console.log(JSON.stringify({
          createSession: typeof ort.InferenceSession.create,
          backends: ort.listSupportedBackends().map((backend) => backend.name),
          modules: Object.keys(require.cache),
          mapped: [...new Set(mapped)],
          inputNames: session?.inputNames,
        }));
      };
      if (modelPath) ort.InferenceSession.create(modelPath).then(report, (error) => { console.error(error); process.exit(1); });
      else report();
    `;
    const env: NodeJS.ProcessEnv = { ...process.env, ORT_DISABLE_TELEMETRY: '1' };
    delete env.NODE_PATH;
    const child = spawnSync(process.execPath, ['-e', script, dir, ...(modelPath ? [modelPath] : [])], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    // Compared as one object so a failure shows the child's stderr.
    expect({ status: child.status, stderr: child.stderr }).toMatchObject({ status: 0 });
    return JSON.parse(child.stdout) as {
      createSession: string;
      backends: string[];
      modules: string[];
      mapped: string[];
      inputNames?: string[];
    };
  }

  it('loads with node: native binding and libonnxruntime come from the layer, CPU backend registered', () => {
    const loaded = loadInChild();
    expect(loaded.createSession).toBe('function');
    expect(loaded.backends).toContain('cpu');
    expect(loaded.modules.length).toBeGreaterThan(20);
    expect(loaded.modules.filter((file) => !file.startsWith(`${dir}/nodejs/node_modules/`))).toEqual([]);
    expect(loaded.mapped.sort()).toEqual([
      path.join(dir, ORT, 'bin/napi-v6/linux/x64/libonnxruntime.so.1'),
      path.join(dir, ORT, 'bin/napi-v6/linux/x64/onnxruntime_binding.node'),
    ]);
  });

  it('creates an inference session for the arrest model', () => {
    expect(loadInChild(MODEL).inputNames?.length).toBeGreaterThan(0);
  });
});

describe('OnnxRuntimeLayer', () => {
  function synth(props?: OnnxRuntimeLayerProps, context?: Record<string, unknown>) {
    const app = newApp(context);
    cleanup.push(app.outdir);
    const stack = new Stack(app, 'LayerStack');
    const construct = new OnnxRuntimeLayer(stack, 'OnnxRuntime', props);
    const template = Template.fromStack(stack);
    const [layer] = Object.values(template.findResources('AWS::Lambda::LayerVersion'));
    const s3Key: string = layer?.Properties.Content.S3Key;
    return {
      app,
      construct,
      template,
      assetDir: path.join(app.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`),
    };
  }

  const arm = synth();

  it('is one arm64 layer version for nodejs24.x by default, MIT licensed, naming its version', () => {
    arm.template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    arm.template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['arm64'],
      CompatibleRuntimes: ['nodejs24.x'],
      LicenseInfo: 'MIT',
      Description: `onnxruntime-node ${SOURCE_VERSION} with only its linux/arm64 binaries`,
      Content: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
    });
  });

  it('reports the onnxruntime-node version from its package.json', () => {
    expect(arm.construct.version).toBe(SOURCE_VERSION);
    expect(arm.construct.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('bundles locally at synth, without Docker, into the cloud assembly with only linux/arm64 binaries', () => {
    const files = listFiles(arm.assetDir);
    expect(files.filter((file) => file.includes('/bin/'))).toEqual([
      `${ORT}/bin/napi-v6/linux/arm64/libonnxruntime.so.1`,
      `${ORT}/bin/napi-v6/linux/arm64/onnxruntime_binding.node`,
    ]);
    expect(files).toContain(`${COMMON}/dist/cjs/index.js`);
  });

  it('has an asset hash that is stable across synths and differs per architecture', () => {
    const again = synth();
    const x64 = synth({ architecture: lambda.Architecture.X86_64 });
    expect(again.assetDir).not.toBe(arm.assetDir);
    expect(path.basename(again.assetDir)).toBe(path.basename(arm.assetDir));
    expect(path.basename(x64.assetDir)).not.toBe(path.basename(arm.assetDir));
    x64.template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['x86_64'],
      Description: `onnxruntime-node ${SOURCE_VERSION} with only its linux/x64 binaries`,
    });
    expect(listFiles(x64.assetDir).filter((file) => file.includes('/bin/'))).toEqual([
      `${ORT}/bin/napi-v6/linux/x64/libonnxruntime.so.1`,
      `${ORT}/bin/napi-v6/linux/x64/onnxruntime_binding.node`,
    ]);
  });

  it('skips bundling for a stack outside the aws:cdk:bundling-stacks context, like every asset', () => {
    const skipped = synth(undefined, { 'aws:cdk:bundling-stacks': ['OtherStack'] });
    skipped.template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    expect(fs.readdirSync(skipped.app.outdir).filter((entry) => entry.startsWith('asset.'))).toEqual([]);
  });

  it('takes the runtimes, description and name it is given', () => {
    const custom = synth({
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X, lambda.Runtime.NODEJS_24_X],
      description: 'ONNX Runtime for the arrest predictor',
      layerVersionName: 'vigil-test-onnxruntime',
    });
    custom.template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs22.x', 'nodejs24.x'],
      Description: 'ONNX Runtime for the arrest predictor',
      LayerName: 'vigil-test-onnxruntime',
    });
  });

  it('refuses an architecture onnxruntime-node ships no linux binaries for', () => {
    const app = newApp();
    cleanup.push(app.outdir);
    expect(
      () =>
        new OnnxRuntimeLayer(new Stack(app, 'S'), 'Ort', {
          architecture: lambda.Architecture.custom('riscv64'),
        }),
    ).toThrow('onnxruntime-node ships no linux binaries for Lambda architecture riscv64');
  });
});
