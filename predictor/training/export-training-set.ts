import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_COLUMNS } from '../features/columns';
import { encodeIncident, FEATURE_COUNT, FEATURES, resolveColumns } from '../features/incident-features';
import { FBI_CODES, LOCATION_DESCRIPTIONS, PRIMARY_TYPES } from '../features/vocabulary';
import { SyntheticCrimes } from '../generator/synthetic-crimes';

/**
 * Writes the training matrix for train.py: synthetic export rows encoded by `encodeIncident`, the
 * function serving uses, so the Python side never re-implements a feature.
 *
 *   tsx predictor/training/export-training-set.ts [--rows 300000] [--seed 20261123]
 *
 * Output (git-ignored) in predictor/training/.work/: features.f32 (little-endian float32, row-major
 * rows × FEATURE_COUNT), labels.u8 (1 = arrest) and meta.json.
 */

export const DEFAULT_ROWS = 300_000;
export const DEFAULT_SEED = 20_261_123;
export const WORK_DIR = join(__dirname, '.work');

const ARREST_INDEX = EXPORT_COLUMNS.indexOf('Arrest');
const GENERATOR_SOURCES = ['../generator/synthetic-crimes.ts', '../generator/crime-catalogue.ts'];

/**
 * A digest of everything that fixes what a feature value means: names, encodings and the category
 * vocabularies (a reordered vocabulary changes every code without renaming a feature). The model
 * card records it, and the parity test recomputes it, so a changed definition fails CI until the
 * model is retrained.
 */
export function featureDefinitionSha256(): string {
  const definition = JSON.stringify({
    features: FEATURES,
    vocabularies: { PRIMARY_TYPES, LOCATION_DESCRIPTIONS, FBI_CODES },
  });
  return createHash('sha256').update(definition).digest('hex');
}

function positiveInteger(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return value;
}

function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function main(): void {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, seed: { type: 'string' } } });
  const rows = positiveInteger(values.rows, DEFAULT_ROWS, '--rows');
  const seed = positiveInteger(values.seed, DEFAULT_SEED, '--seed');

  const resolved = resolveColumns(EXPORT_COLUMNS);
  if ('missing' in resolved) throw new Error(`export columns lack ${resolved.missing.join(', ')}`);
  const { columns } = resolved;

  const started = performance.now();
  const generator = new SyntheticCrimes({ seed });
  const features = new Float32Array(rows * FEATURE_COUNT);
  const labels = new Uint8Array(rows);
  const rejectedBy: Record<string, number> = {};
  let kept = 0;
  let arrests = 0;
  for (let i = 0; i < rows; i++) {
    const row = generator.nextRow();
    const rejection = encodeIncident(row, columns, features, kept * FEATURE_COUNT);
    if (rejection) {
      rejectedBy[rejection.column] = (rejectedBy[rejection.column] ?? 0) + 1;
      continue;
    }
    const label = row[ARREST_INDEX];
    if (label !== 'true' && label !== 'false') throw new Error(`row ${i}: Arrest is "${label}"`);
    labels[kept] = label === 'true' ? 1 : 0;
    arrests += labels[kept] ?? 0;
    kept++;
  }
  if (kept === 0) throw new Error('every generated row was rejected');
  const rejected = rows - kept;

  // A Float32Array's bytes are native-endian, and train.py reads little-endian.
  if (endianness() !== 'LE')
    throw new Error('export-training-set writes raw float32 and needs a little-endian host');
  mkdirSync(WORK_DIR, { recursive: true });
  const featureBytes = new Uint8Array(features.buffer, 0, kept * FEATURE_COUNT * 4);
  writeFileSync(join(WORK_DIR, 'features.f32'), featureBytes);
  writeFileSync(join(WORK_DIR, 'labels.u8'), labels.subarray(0, kept));

  const repoRoot = join(__dirname, '..', '..');
  const meta = {
    rows: kept,
    generatedRows: rows,
    rejectedRows: rejected,
    rejectedByColumn: rejectedBy,
    featureCount: FEATURE_COUNT,
    features: FEATURES.map(({ name, encoding }) => ({ name, encoding })),
    featureNames: FEATURES.map((feature) => feature.name),
    featureDefinitionSha256: featureDefinitionSha256(),
    seed,
    generator: {
      description:
        'SYNTHETIC data: SyntheticCrimes (xoroshiro128plus) rows in the Chicago crimes export layout; ' +
        'Arrest follows a hidden logistic relation to crime type, place, district, hour, weekday and ' +
        'domestic flag. No real incident is included.',
      sources: Object.fromEntries(
        GENERATOR_SOURCES.map((source) => {
          const path = join(__dirname, source);
          return [relative(repoRoot, path), sha256OfFile(path)];
        }),
      ),
    },
    arrestBaseRate: arrests / kept,
    files: {
      features: 'features.f32 (little-endian float32, row-major rows × featureCount)',
      labels: 'labels.u8 (1 = arrest, 0 = no arrest)',
    },
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(WORK_DIR, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `export-training-set: ${kept} rows kept, ${rejected} rejected, arrest rate ${meta.arrestBaseRate.toFixed(4)}, ` +
      `seed ${seed}, ${seconds}s → ${relative(process.cwd(), WORK_DIR)}/`,
  );
}

if (require.main === module) main();
