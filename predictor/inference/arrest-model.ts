import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { FEATURE_COUNT } from '../features/incident-features';

/** Where the model lives in this repository; a Lambda bundle sets PREDICTOR_MODEL_PATH instead. */
const REPOSITORY_MODEL = path.join(__dirname, '..', 'model', 'arrest-model.onnx');

/** The model's input and output names, fixed by the training pipeline's converter. */
export const MODEL_INPUT = 'features';
export const MODEL_OUTPUT = 'arrest_probability';

/** The arrest model, loaded once per process. */
export interface ArrestModel {
  readonly modelVersion: string;
  /** Probabilities for `rows` encoded incidents laid out row-major in `features`. */
  predict(features: Float32Array, rows: number): Promise<Float32Array>;
}

let loading: Promise<ArrestModel> | undefined;

/** The process-wide model: the ONNX session is created on first use and shared by every caller. */
export function arrestModel(): Promise<ArrestModel> {
  loading ??= loadArrestModel(modelPath()).catch((error: unknown) => {
    // A failed load must not be cached: the next invocation tries again.
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * onnxruntime 1.30 records a device id under ~/.cache and may send usage telemetry unless told not
 * to; the native library reads the variable when it loads, so it is set before the first require.
 */
function onnxRuntime(): typeof Ort {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  return require('onnxruntime-node') as typeof Ort;
}

/** The model file this process serves. */
export function modelPath(): string {
  return process.env.PREDICTOR_MODEL_PATH ?? REPOSITORY_MODEL;
}

/** The version named by the model card that ships beside the model file. */
export function modelVersionOf(modelFile: string): string {
  const card = JSON.parse(fs.readFileSync(path.join(path.dirname(modelFile), 'model-card.json'), 'utf8')) as {
    modelVersion?: unknown;
  };
  if (typeof card.modelVersion !== 'string') {
    throw new Error(`model card beside ${modelFile} has no modelVersion`);
  }
  return card.modelVersion;
}

/**
 * Loads a model in this thread: the quickest start; inference blocks the event loop while it runs.
 * `sessionOptions` adds to the defaults (the benchmark's profile runs ONNX on one thread).
 */
export async function loadArrestModel(
  modelFile: string,
  sessionOptions: Ort.InferenceSession.SessionOptions = {},
): Promise<ArrestModel> {
  const ort = onnxRuntime();
  const modelVersion = modelVersionOf(modelFile);
  const session = await ort.InferenceSession.create(modelFile, {
    graphOptimizationLevel: 'all',
    ...sessionOptions,
  });
  return {
    modelVersion,
    async predict(features, rows) {
      if (rows === 0) return new Float32Array(0);
      const input = new ort.Tensor('float32', features.subarray(0, rows * FEATURE_COUNT), [
        rows,
        FEATURE_COUNT,
      ]);
      const output = await session.run({ [MODEL_INPUT]: input });
      const probabilities = output[MODEL_OUTPUT];
      if (!probabilities) throw new Error(`model has no output named ${MODEL_OUTPUT}`);
      return probabilities.data as Float32Array;
    },
  };
}
