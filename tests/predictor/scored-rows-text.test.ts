import fc from 'fast-check';
import { scoredRowsText } from '../../predictor/inference/scored-rows-text';
import { batchOf } from '../support/scored-batch';

// The lines as they were built before, one string per row: the reference the bytes must equal.
const rounded = (probability: number) => Math.round(probability * 1e6) / 1e6;
const ndjsonLine = (id: string, probability: number) =>
  `${JSON.stringify({ id, probability: rounded(probability) })}\n`;
const csvLine = (id: string, probability: number) =>
  `${/[",\r\n]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id},${rounded(probability).toFixed(6)}\n`;

const probability = fc.oneof(
  fc.float({ min: 0, max: 1, noNaN: true }),
  fc.constantFrom(0, 1, 0.5, 1e-7, 4.9e-7, 5e-7, 0.9999995, 0.1234565, Math.fround(0.1)),
);
const id = fc.oneof(
  fc.stringMatching(/^ ?[0-9]{1,9} ?$/),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('quote"d', 'a,b', 'line\nbreak', '\u2028', '🚓'),
);

describe('scoredRowsText', () => {
  it('writes exactly the lines JSON.stringify and toFixed write, for any ID and probability', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id, probability }), { maxLength: 30 }), (rows) => {
        const batch = batchOf(rows);
        const probabilities = Array.from(batch.probabilities);
        expect(scoredRowsText(batch, 'ndjson').toString('utf8')).toBe(
          rows.map((row, i) => ndjsonLine(row.id, probabilities[i] as number)).join(''),
        );
        expect(scoredRowsText(batch, 'csv').toString('utf8')).toBe(
          rows.map((row, i) => csvLine(row.id, probabilities[i] as number)).join(''),
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it('keeps six decimals: trailing zeros dropped in NDJSON, kept in CSV', () => {
    const batch = batchOf([
      { id: '1', probability: 0.25 },
      { id: '2', probability: 1 },
      { id: '3', probability: 0 },
      { id: '4', probability: 1e-6 },
    ]);
    expect(scoredRowsText(batch, 'ndjson').toString()).toBe(
      '{"id":"1","probability":0.25}\n{"id":"2","probability":1}\n{"id":"3","probability":0}\n' +
        '{"id":"4","probability":0.000001}\n',
    );
    expect(scoredRowsText(batch, 'csv').toString()).toBe('1,0.250000\n2,1.000000\n3,0.000000\n4,0.000001\n');
  });

  it('writes only the batch size, not the reused arrays past it', () => {
    const batch = {
      ...batchOf([
        { id: '7', probability: 0.5 },
        { id: 'stale', probability: 0.1 },
      ]),
      size: 1,
    };
    expect(scoredRowsText(batch, 'ndjson').toString()).toBe('{"id":"7","probability":0.5}\n');
  });
});
