import fc from 'fast-check';
import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import {
  encodeIncident,
  FEATURE_COUNT,
  FEATURES,
  resolveColumns,
} from '../../predictor/features/incident-features';
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
  const feature = (name: string) => FEATURES.findIndex((candidate) => candidate.name === name);
  // The grouping, most significant first, with the bound past which codes share a group.
  const KEY = [
    ['district', 32],
    ['primary_type', 64],
    ['fbi_code', 32],
    ['location_description', 64],
    ['domestic', 2],
    ['hour', 32],
  ] as const;

  /** The order a comparison sort gives: by the grouped codes, then by position in the file. */
  function referenceOrder(features: Float32Array, rows: number): number[] {
    const code = (row: number, name: string, bound: number) => {
      const value = features[row * FEATURE_COUNT + feature(name)] as number;
      return value >= 0 ? Math.min(Math.floor(value), bound - 1) : 0;
    };
    return Array.from({ length: rows }, (_, row) => row).sort((a, b) => {
      for (const [name, bound] of KEY) {
        const difference = code(a, name, bound) - code(b, name, bound);
        if (difference !== 0) return difference;
      }
      return a - b;
    });
  }

  it('orders rows as a stable sort by district, type, FBI code, place, domestic and hour', () => {
    const features = encodedRows();
    expect(Array.from(similarRowsTogether(features, ROWS))).toEqual(referenceOrder(features, ROWS));
  });

  it('matches the reference order for any codes, out-of-range and negative ones included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }).chain((rows) =>
          fc.tuple(
            fc.constant(rows),
            fc.float32Array({
              minLength: rows * FEATURE_COUNT,
              maxLength: rows * FEATURE_COUNT,
              noNaN: true,
              min: -2,
              max: 80,
            }),
          ),
        ),
        ([rows, features]) => {
          expect(Array.from(similarRowsTogether(features, rows))).toEqual(referenceOrder(features, rows));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is undone by inRowOrder', () => {
    const features = encodedRows();
    const order = similarRowsTogether(features, ROWS);
    const reordered = new Float32Array(features.length);
    copyInOrder(features, order, reordered);
    const firstFeature = Float32Array.from(
      { length: ROWS },
      (_, row) => reordered[row * FEATURE_COUNT] as number,
    );
    expect(Array.from(inRowOrder(firstFeature, order))).toEqual(
      Array.from({ length: ROWS }, (_, row) => features[row * FEATURE_COUNT] as number),
    );
  });
});
