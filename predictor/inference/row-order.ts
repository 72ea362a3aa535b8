import { FEATURE_COUNT, FEATURES } from '../features/incident-features';

/**
 * The features rows are grouped by, most significant first, each with a bound on its codes (larger
 * codes share the last group, which only makes the order less helpful, never wrong).
 */
const GROUP_BY = [
  { name: 'primary_type', bound: 64 },
  { name: 'fbi_code', bound: 32 },
  { name: 'location_description', bound: 64 },
  { name: 'domestic', bound: 2 },
  { name: 'hour', bound: 32 },
].map(({ name, bound }) => ({ offset: FEATURES.findIndex((feature) => feature.name === name), bound }));

/**
 * The order in which to score a batch: rows alike in type, FBI code, place, domestic flag and
 * hour next to each other. ONNX Runtime walks each tree for row after row; rows alike take the same
 * branches, which the CPU then predicts instead of mispredicting. Measured on the synthetic export
 * (16,384-row batches, one thread): 3.1 µs of CPU per row as read, 1.7 in this order. A row's
 * probability does not depend on the other rows, so the results are simply put back in file order.
 *
 * Returns `order`, where `order[i]` is the row scored i-th.
 */
export function similarRowsTogether(features: Float32Array, rows: number): Uint32Array {
  // Each row's group key and index packed into one double, so a native numeric sort orders them.
  const indexBits = 32 - Math.clz32(rows);
  const indexRange = 2 ** indexBits;
  const packed = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const at = row * FEATURE_COUNT;
    let key = 0;
    for (const { offset, bound } of GROUP_BY) {
      const value = features[at + offset] as number;
      key = key * bound + (value >= 0 ? Math.min(Math.floor(value), bound - 1) : 0);
    }
    packed[row] = key * indexRange + row;
  }
  packed.sort();
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = (packed[i] as number) % indexRange;
  return order;
}

/** Copies the rows of `features` into `target` in `order`. */
export function copyInOrder(features: Float32Array, order: Uint32Array, target: Float32Array): void {
  for (let to = 0; to < order.length; to++) {
    const from = (order[to] as number) * FEATURE_COUNT;
    const into = to * FEATURE_COUNT;
    for (let feature = 0; feature < FEATURE_COUNT; feature++) {
      target[into + feature] = features[from + feature] as number;
    }
  }
}

/** Results scored in `order`, put back in the rows' own order. */
export function inRowOrder(scored: Float32Array, order: Uint32Array): Float32Array {
  const results = new Float32Array(order.length);
  for (let i = 0; i < order.length; i++) results[order[i] as number] = scored[i] as number;
  return results;
}
