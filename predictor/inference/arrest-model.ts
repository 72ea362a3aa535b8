import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { FEATURE_COUNT } from '../features/incident-features';

/** Where the model lives in this repository; a Lambda bundle sets PREDICTOR_MODEL_PATH instead. */
const REPOSITORY_MODEL = path.join(__dirname, '..', 'model', 'arrest-model.onnx');

const INPUT = 'features';
const OUTPUT = 'arrest_probability';

/** The arrest model, loaded once per process. */
export interface ArrestModel {
  readonly modelVersion: string;
  /** Probabilities for `rows` encoded incidents laid out row-major in `features`. */
  predict(features: Float32Array, rows: number): Promise<Float32Array>;
}

let loading: Promise<ArrestModel> | undefined;

/** The process-wide model: the ONNX session is created on first use and shared by every caller. */
export function arrestModel(): Promise<ArrestModel> {
  loading ??= loadArrestModel(process.env.PREDICTOR_MODEL_PATH ?? REPOSITORY_MODEL).catch(
    (error: unknown) => {
      // A failed load must not be cached: the next invocation tries again.
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Loads a model file and the model card beside it (which names the version). */
export async function loadArrestModel(modelPath: string): Promise<ArrestModel> {
  const card = JSON.parse(fs.readFileSync(path.join(path.dirname(modelPath), 'model-card.json'), 'utf8')) as {
    modelVersion?: unknown;
  };
  if (typeof card.modelVersion !== 'string')
    throw new Error(`model card beside ${modelPath} has no modelVersion`);
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all' });
  return {
    modelVersion: card.modelVersion,
    async predict(features, rows) {
      if (rows === 0) return new Float32Array(0);
      const input = new ort.Tensor('float32', features.subarray(0, rows * FEATURE_COUNT), [
        rows,
        FEATURE_COUNT,
      ]);
      const output = await session.run({ [INPUT]: input });
      const probabilities = output[OUTPUT];
      if (!probabilities) throw new Error(`model has no output named ${OUTPUT}`);
      return probabilities.data as Float32Array;
    },
  };
}
