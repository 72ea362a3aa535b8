import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import { encodeIncident, FEATURE_COUNT, resolveColumns } from '../../predictor/features/incident-features';
import { SyntheticCrimes } from '../../predictor/generator/synthetic-crimes';
import { loadArrestModel, modelPath } from '../../predictor/inference/arrest-model';
import { copyInOrder, inRowOrder, similarRowsTogether } from '../../predictor/inference/row-order';
import { arrestModelInWorker, stopArrestModelWorker } from '../../predictor/inference/worker-arrest-model';

const ROWS = 3_000;

function encodedRows(): Float32Array {
  const resolved = resolveColumns(EXPORT_COLUMNS);
  if (!('columns' in resolved)) throw new Error('the export header lacks a feature column');
  const features = new Float32Array(ROWS * FEATURE_COUNT);
  let row = 0;
  for (const fields of new SyntheticCrimes({ seed: 21 }).nextRows(ROWS * 2)) {
    if (row === ROWS) break;
    if (!encodeIncident(fields, resolved.columns, features, row * FEATURE_COUNT)) row++;
  }
  return features;
}

afterAll(stopArrestModelWorker);

describe('the worker model', () => {
  it('gives each row the probability the model gives it in this thread, though it scores rows reordered', async () => {
    const features = encodedRows();
    const inWorker = await (await arrestModelInWorker()).predict(features, ROWS);
    const inThread = await (await loadArrestModel(modelPath())).predict(features, ROWS);
    expect(Array.from(inWorker)).toEqual(Array.from(inThread));
  });
});

describe('similarRowsTogether', () => {
  it('is a permutation that groups rows by their category codes, and inRowOrder undoes it', () => {
    const features = encodedRows();
    const order = similarRowsTogether(features, ROWS);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, index) => index));
    const reordered = new Float32Array(features.length);
    copyInOrder(features, order, reordered);
    const primaryTypes = Array.from({ length: ROWS }, (_, row) => reordered[row * FEATURE_COUNT] as number);
    expect(primaryTypes).toEqual([...primaryTypes].sort((a, b) => a - b));
    const firstFeature = Float32Array.from(
      { length: ROWS },
      (_, row) => reordered[row * FEATURE_COUNT] as number,
    );
    expect(Array.from(inRowOrder(firstFeature, order))).toEqual(
      Array.from({ length: ROWS }, (_, row) => features[row * FEATURE_COUNT] as number),
    );
  });
});
