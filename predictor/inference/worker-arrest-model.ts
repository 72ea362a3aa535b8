import { Worker } from 'node:worker_threads';
import { FEATURE_COUNT } from '../features/incident-features';
import { type ArrestModel, MODEL_INPUT, MODEL_OUTPUT, modelPath, modelVersionOf } from './arrest-model';
import { copyInOrder, inRowOrder, similarRowsTogether } from './row-order';

/**
 * onnxruntime-node runs a session synchronously on the calling thread, so scoring in the main
 * thread stops parsing while the trees are evaluated. Run there, the session overlaps with parsing:
 * one core parses and encodes the next batch while the other scores this one.
 *
 * The worker is plain CommonJS given as source, not a file, so it starts the same way from a Lambda
 * bundle, the CLI and the tests; it loads onnxruntime from the path the main thread resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
process.env.ORT_DISABLE_TELEMETRY = process.env.ORT_DISABLE_TELEMETRY || '1';
const ort = require(workerData.onnxRuntime);
const describe = (error) => String((error && error.message) || error);
require('node:v8').setFlagsFromString('--expose-gc');
const collect = require('node:vm').runInNewContext('gc');
let batches = 0;
ort.InferenceSession.create(workerData.model, workerData.sessionOptions).then(
  (session) => {
    parentPort.on('message', ({ id, buffer, rows }) => {
      const features = new Float32Array(buffer, 0, rows * workerData.featureCount);
      session
        .run({ [workerData.input]: new ort.Tensor('float32', features, [rows, workerData.featureCount]) })
        .then(
          (output) => {
            // The session's own output moves to the main thread, which collects often. A copy made
            // here stayed, with the output, until this thread collected, which it rarely does (it
            // makes little garbage): peak RSS grew with the file, 134 MB at 1M rows to 150-160 MB
            // at 6M; moved, 134-137 and 140.
            const data = output[workerData.output].data;
            const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
            const probabilities = whole ? data : new Float32Array(data);
            parentPort.postMessage({ id, buffer, probabilities }, [buffer, probabilities.buffer]);
            if (++batches % 8 === 0) collect({ type: 'minor' });
          },
          (error) => parentPort.postMessage({ id, buffer, error: describe(error) }, [buffer]),
        );
    });
    parentPort.postMessage({ ready: true });
  },
  (error) => parentPort.postMessage({ failed: describe(error) }),
);
`;

/**
 * One intra-op thread: the main thread keeps the other core busy parsing. A second ORT thread also
 * sums trees in another order, which moves probabilities in their last bit away from those the
 * synchronous API (one thread, in-process) gives for the same row.
 */
const SESSION_OPTIONS = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;

interface Pending {
  /** The order the batch's rows were sent in (see row-order.ts). */
  readonly order: Uint32Array;
  readonly resolve: (probabilities: Float32Array) => void;
  readonly reject: (error: Error) => void;
}

let starting: Promise<ArrestModel> | undefined;

/** The process-wide model served from a worker thread, for scoring whole files. */
export function arrestModelInWorker(): Promise<ArrestModel> {
  starting ??= startWorkerModel(modelPath()).catch((error: unknown) => {
    starting = undefined;
    throw error;
  });
  return starting;
}

/**
 * Stops the process-wide worker, so a test file can end without leaving its thread running (the
 * worker never keeps a process alive, but each test file would otherwise hold one to its end).
 * The next {@link arrestModelInWorker} starts a new one.
 */
export async function stopArrestModelWorker(): Promise<void> {
  const stopping = starting;
  starting = undefined;
  const model = await stopping?.catch(() => undefined);
  if (model instanceof WorkerModel) await model.stop();
}

async function startWorkerModel(modelFile: string): Promise<ArrestModel> {
  const modelVersion = modelVersionOf(modelFile);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // The worker only holds a batch or two at a time; a small heap makes it collect them promptly.
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    workerData: {
      onnxRuntime: require.resolve('onnxruntime-node'),
      model: modelFile,
      input: MODEL_INPUT,
      output: MODEL_OUTPUT,
      featureCount: FEATURE_COUNT,
      sessionOptions: SESSION_OPTIONS,
    },
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { ready?: boolean; failed?: string }) => {
      worker.off('error', reject);
      if (message.ready) resolve();
      else reject(new Error(`the inference worker could not load ${modelFile}: ${message.failed}`));
    };
    worker.once('message', onMessage).once('error', reject);
  });
  return new WorkerModel(worker, modelVersion);
}

class WorkerModel implements ArrestModel {
  private readonly pending = new Map<number, Pending>();
  // Batch buffers travel to the worker and back, so scoring a file of any size allocates none after
  // the first two: a fresh copy per batch would pile up as external memory between collections.
  private readonly spareBuffers: ArrayBuffer[] = [];
  private nextId = 0;
  private stopped = false;

  constructor(
    private readonly worker: Worker,
    readonly modelVersion: string,
  ) {
    worker.on(
      'message',
      (message: { id: number; buffer: ArrayBuffer; probabilities?: Float32Array; error?: string }) => {
        const request = this.pending.get(message.id);
        if (!request) return;
        this.spareBuffers.push(message.buffer);
        this.settled(message.id);
        if (message.probabilities) request.resolve(inRowOrder(message.probabilities, request.order));
        else request.reject(new Error(`inference failed: ${message.error}`));
      },
    );
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      // A worker stopped on purpose was already forgotten, and a new one may have started since.
      if (!this.stopped) starting = undefined;
      this.failAll(new Error(`the inference worker stopped (exit code ${code})`));
    });
    // An idle worker must not keep the process alive; it is referenced only while a batch is out.
    worker.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }

  predict(features: Float32Array, rows: number): Promise<Float32Array> {
    if (rows === 0) return Promise.resolve(new Float32Array(0));
    // A copy goes to the worker, so the caller can refill its buffer at once; the copy is made in
    // the order the trees are walked fastest in, on the main thread, which has time to spare.
    const length = rows * FEATURE_COUNT;
    let buffer = this.spareBuffers.pop();
    if (!buffer || buffer.byteLength < length * Float32Array.BYTES_PER_ELEMENT) {
      buffer = new ArrayBuffer(features.byteLength);
    }
    const order = similarRowsTogether(features, rows);
    copyInOrder(features, order, new Float32Array(buffer, 0, length));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { order, resolve, reject });
      this.worker.postMessage({ id, buffer, rows }, [buffer]);
    });
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private failAll(error: Error): void {
    for (const [id, request] of this.pending) {
      this.settled(id);
      request.reject(error);
    }
  }
}
