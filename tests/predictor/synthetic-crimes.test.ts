import Papa from 'papaparse';
import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import { encodeIncident, FEATURE_COUNT, resolveColumns } from '../../predictor/features/incident-features';
import { exportHeader, SyntheticCrimes, toExportCsv } from '../../predictor/generator/synthetic-crimes';

const column = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
const rows = new SyntheticCrimes({ seed: 5 }).nextRows(20_000);

describe('SyntheticCrimes', () => {
  it('is reproducible: the same seed gives the same rows, another seed different ones', () => {
    expect(new SyntheticCrimes({ seed: 5 }).nextRows(50)).toEqual(rows.slice(0, 50));
    expect(new SyntheticCrimes({ seed: 6 }).nextRows(50)).not.toEqual(rows.slice(0, 50));
  });

  it('writes the export layout: header, 22 fields, quoted Location, round-trips through a CSV parser', () => {
    const csv = `${exportHeader()}\n${toExportCsv(rows.slice(0, 100))}`;
    const parsed = Papa.parse<string[]>(csv.trim()).data;
    expect(parsed[0]).toEqual([...EXPORT_COLUMNS]);
    expect(parsed.slice(1)).toEqual(rows.slice(0, 100));
    expect(csv).toMatch(/,"\(41\.\d{9}, -87\.\d{9}\)"\n/);
  });

  it('has the gaps real exports have: empty coordinates on 1-2 % of rows, unseen categories', () => {
    const missing = rows.filter((row) => row[column('Latitude')] === '').length / rows.length;
    expect(missing).toBeGreaterThan(0.01);
    expect(missing).toBeLessThan(0.02);
    expect(rows.some((row) => row[column('District')] === '')).toBe(true);
    expect(
      rows.some((row) =>
        ['DOMESTIC VIOLENCE', 'CANNABIS VIOLATION'].includes(row[column('Primary Type')] ?? ''),
      ),
    ).toBe(true);
  });

  it('hides a relation between features and Arrest for a model to learn', () => {
    const arrestRate = (type: string) => {
      const ofType = rows.filter((row) => row[column('Primary Type')] === type);
      return ofType.filter((row) => row[column('Arrest')] === 'true').length / ofType.length;
    };
    expect(arrestRate('NARCOTICS')).toBeGreaterThan(0.9);
    expect(arrestRate('THEFT')).toBeLessThan(0.2);
  });

  it('produces only rows the feature encoder accepts', () => {
    const resolved = resolveColumns([...EXPORT_COLUMNS]);
    if (!('columns' in resolved)) throw new Error('unresolved');
    const out = new Float32Array(FEATURE_COUNT);
    const rejected = rows.filter((row) => encodeIncident(row, resolved.columns, out, 0) !== undefined);
    expect(rejected).toEqual([]);
  });
});
