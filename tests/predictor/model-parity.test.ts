import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURES } from '../../predictor/features/incident-features';
import { featureDefinitionSha256 } from '../../predictor/training/export-training-set';

/**
 * The committed model must be the one its card describes, trained on today's feature definition,
 * and onnxruntime must reproduce sklearn's probabilities on the reference rows train.py wrote.
 * A feature change without `npm run train` fails here.
 */

const MODEL_DIR = join(__dirname, '..', '..', 'predictor', 'model');
const MODEL_PATH = join(MODEL_DIR, 'arrest-model.onnx');
const TOLERANCE = 1e-5;

interface ModelCard {
  readonly modelVersion: string;
  readonly features: readonly { readonly name: string; readonly encoding: string }[];
  readonly featureDefinitionSha256: string;
  readonly onnx: {
    readonly file: string;
    readonly sha256: string;
    readonly bytes: number;
    readonly input: { readonly name: string; readonly shape: readonly (string | number)[] };
    readonly output: { readonly name: string; readonly shape: readonly (string | number)[] };
  };
}

interface ReferencePredictions {
  readonly featureCount: number;
  readonly features: readonly (readonly number[])[];
  readonly probabilities: readonly number[];
}

/**
 * Loaded lazily, like predictor/inference/arrest-model.ts, so telemetry is off before the native
 * library reads its environment. Output tensors are Node's own Float32Array: the Jest environment
 * (tests/support/native-typed-arrays-environment.js) shares those constructors with test files.
 */
function loadOnnxRuntime(): typeof import('onnxruntime-node') {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  return require('onnxruntime-node') as typeof import('onnxruntime-node');
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(MODEL_DIR, file), 'utf8')) as T;
const card = readJson<ModelCard>('model-card.json');
const reference = readJson<ReferencePredictions>('reference-predictions.json');

describe('arrest model card', () => {
  it('describes the committed ONNX file byte for byte', () => {
    const bytes = readFileSync(MODEL_PATH);
    expect(card.onnx.file).toBe('arrest-model.onnx');
    expect(card.onnx.bytes).toBe(bytes.length);
    expect(card.onnx.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(card.modelVersion).toMatch(/^arrest-gbt-\d{8}-[0-9a-f]{8}$/);
  });

  it('was trained on the current feature definition', () => {
    expect(card.features.map((feature) => feature.name)).toEqual(FEATURES.map((feature) => feature.name));
    expect(card.features.map((feature) => feature.encoding)).toEqual(
      FEATURES.map((feature) => feature.encoding),
    );
    expect(card.featureDefinitionSha256).toBe(featureDefinitionSha256());
    expect(card.onnx.input.shape).toEqual(['N', FEATURE_COUNT]);
  });
});

describe('arrest model parity with sklearn', () => {
  const ort = loadOnnxRuntime();
  let session: InferenceSession;

  beforeAll(async () => {
    // The options serving uses (predictor/inference/arrest-model.ts), so parity holds for what it runs.
    session = await ort.InferenceSession.create(MODEL_PATH, { graphOptimizationLevel: 'all' });
  });

  afterAll(async () => {
    await session.release();
  });

  it('holds 1,000 reference rows of exact float32 features', () => {
    expect(reference.featureCount).toBe(FEATURE_COUNT);
    expect(reference.features).toHaveLength(1000);
    expect(reference.probabilities).toHaveLength(reference.features.length);
    for (const row of reference.features) {
      expect(row).toHaveLength(FEATURE_COUNT);
      // A value that is not a float32 would be rounded on the way in and test the wrong input.
      expect(row.every((value) => Math.fround(value) === value)).toBe(true);
    }
  });

  it('exposes the input and output the card names', () => {
    expect(session.inputNames).toEqual([card.onnx.input.name]);
    expect(session.outputNames).toEqual([card.onnx.output.name]);
  });

  it(`reproduces predict_proba within ${TOLERANCE} on every reference row`, async () => {
    const rows = reference.features.length;
    const input = new Float32Array(rows * FEATURE_COUNT);
    reference.features.forEach((row, index) => {
      input.set(row, index * FEATURE_COUNT);
    });

    const outputs = await session.run({
      [card.onnx.input.name]: new ort.Tensor('float32', input, [rows, FEATURE_COUNT]),
    });
    const output = outputs[card.onnx.output.name];
    if (!output) throw new Error(`no output named ${card.onnx.output.name}`);
    expect(output.type).toBe('float32');
    expect(output.dims).toEqual([rows, 1]);

    const probabilities = output.data as Float32Array;
    const diffs = reference.probabilities.map((expected, index) =>
      Math.abs((probabilities[index] ?? Number.NaN) - expected),
    );
    expect(diffs.filter((diff) => !Number.isFinite(diff))).toEqual([]);
    expect(Math.max(...diffs)).toBeLessThanOrEqual(TOLERANCE);
    // The predictions must also spread out: a model stuck on one value would pass a loose check.
    const distinct = new Set(Array.from(probabilities, (probability) => probability.toFixed(3)));
    expect(distinct.size).toBeGreaterThan(50);
  });
});
