import { FEATURE_COUNT } from '../features/incident-features';
import { arrestModel } from '../inference/arrest-model';

/**
 * One measured run in a fresh process: init is process start → the first prediction returned
 * (runtime start-up, loading onnxruntime and the model, one inference) with the modules the HTTP
 * API's path loads, which include none of the file-scoring code; then the file is scored through
 * the CLI path, whose modules load only then. Prints one JSON line for the benchmark driver.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: bench-child FILE');
  const model = await arrestModel();
  await model.predict(new Float32Array(FEATURE_COUNT), 1);
  const initMs = performance.now();
  const { predictFile, reportOf } = await import('../cli/predict-file.js');
  const before = process.cpuUsage();
  const summary = await predictFile(file);
  const cpu = process.cpuUsage(before);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  // CPU per row, all threads: what load from other processes changes least.
  const cpuUsPerRow = (cpu.user + cpu.system) / summary.rows;
  console.log(JSON.stringify({ initMs, peakRssBytes, cpuUsPerRow, ...reportOf(summary) }));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
