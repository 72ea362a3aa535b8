import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import { exportHeader, SyntheticCrimes, toExportCsv } from '../../predictor/generator/synthetic-crimes';
import { INFLATE_OPTIONS } from '../../predictor/inference/csv-input';
import { BATCH_ROWS, scoreCsv } from '../../predictor/inference/score-csv';
import { InputError, rowsOf, type ScoredRow } from '../../predictor/inference/scoring-types';
import { stopArrestModelWorker } from '../../predictor/inference/worker-arrest-model';

const rows = new SyntheticCrimes({ seed: 3 }).nextRows(2_000);
const csv = `${exportHeader()}\n${toExportCsv(rows)}`;
const gzipped = zlib.gzipSync(Buffer.from(csv));

/** Streams bytes in small chunks, as S3 and the file system deliver them. */
function upload(bytes: Buffer | string, chunkBytes = 4096): Readable {
  const buffer = Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += chunkBytes) chunks.push(buffer.subarray(at, at + chunkBytes));
  return Readable.from(chunks);
}

function flipByte(bytes: Buffer, at: number, mask: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt8(copy.readUInt8(at) ^ mask, at);
  return copy;
}

async function failure(input: Readable, options?: Parameters<typeof scoreCsv>[1]): Promise<InputError> {
  try {
    await scoreCsv(input, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected the file to fail');
}

function withColumn(name: (typeof EXPORT_COLUMNS)[number], value: (index: number) => string): string {
  const at = EXPORT_COLUMNS.indexOf(name);
  const changed = rows.map((row, index) =>
    row.map((field, column) => (column === at ? value(index) : field)),
  );
  return `${exportHeader()}\n${toExportCsv(changed)}`;
}

afterAll(stopArrestModelWorker);

describe('inflating', () => {
  it('keeps two chunks inflated ahead: Node passes zlib options on to the stream, the types do not say so', () => {
    const gunzip = zlib.createGunzip(INFLATE_OPTIONS);
    expect(gunzip.readableHighWaterMark).toBe(2 * 1024 * 1024);
    gunzip.destroy();
  });
});

describe('scoreCsv', () => {
  it('scores a plain CSV export, every row, in file order', async () => {
    const scored: ScoredRow[] = [];
    const summary = await scoreCsv(upload(csv), { onScored: (batch) => void scored.push(...rowsOf(batch)) });
    expect(summary).toMatchObject({ rows: 2_000, scored: 2_000, rejected: 0, rejectedSamples: [] });
    expect(scored.map((row) => row.id)).toEqual(rows.map((row) => row[0]));
    expect(scored.every((row) => row.probability >= 0 && row.probability <= 1)).toBe(true);
    expect(summary.meanProbability).toBeCloseTo(
      scored.reduce((sum, row) => sum + row.probability, 0) / 2_000,
      6,
    );
    expect(summary.modelVersion).toMatch(/^arrest-/);
  });

  it('scores the same file gzip-compressed to the same probabilities', async () => {
    const plain: ScoredRow[] = [];
    const compressed: ScoredRow[] = [];
    await scoreCsv(upload(csv), { onScored: (batch) => void plain.push(...rowsOf(batch)) });
    await scoreCsv(upload(gzipped), { onScored: (batch) => void compressed.push(...rowsOf(batch)) });
    expect(compressed).toEqual(plain);
  });

  it('predicts arrests better than chance on rows it never saw (synthetic data)', async () => {
    const scored: ScoredRow[] = [];
    await scoreCsv(upload(csv), { onScored: (batch) => void scored.push(...rowsOf(batch)) });
    const arrested = new Set(rows.filter((row) => row[8] === 'true').map((row) => row[0]));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const positives = scored.filter((row) => arrested.has(row.id)).map((row) => row.probability);
    const negatives = scored.filter((row) => !arrested.has(row.id)).map((row) => row.probability);
    expect(mean(positives) - mean(negatives)).toBeGreaterThan(0.3);
  });

  it('accepts a spreadsheet re-save: byte-order mark and CRLF line ends', async () => {
    const resaved = `\uFEFF${csv.replace(/\n/g, '\r\n')}`;
    expect(await scoreCsv(upload(resaved))).toMatchObject({ rows: 2_000, scored: 2_000, rejected: 0 });
  });

  it('scores the rest of the file the same when the fast path declines a row and papaparse reads on', async () => {
    const plain: ScoredRow[] = [];
    const declined: ScoredRow[] = [];
    await scoreCsv(upload(csv), { onScored: (batch) => void plain.push(...rowsOf(batch)) });
    // A space after a closing quote: papaparse skips it, the fast path leaves the file to papaparse.
    const lines = csv.split('\n');
    const at = 1_000;
    lines[at] = (lines[at] ?? '').replace(/^([^,]*),/, '"$1" ,');
    const summary = await scoreCsv(upload(lines.join('\n')), {
      onScored: (batch) => void declined.push(...rowsOf(batch)),
    });
    expect(summary).toMatchObject({ rows: 2_000, scored: 2_000, rejected: 0 });
    expect(declined).toEqual(plain);
  });

  it('accepts a file without the Arrest label and the columns the model ignores', async () => {
    const keep = EXPORT_COLUMNS.map((name, index) => [name, index] as const).filter(
      ([name]) => !['Arrest', 'Block', 'IUCR', 'Location'].includes(name),
    );
    const slim = [
      keep.map(([name]) => name),
      ...rows.map((row) => keep.map(([, index]) => row[index] ?? '')),
    ];
    expect(await scoreCsv(upload(toExportCsv(slim)))).toMatchObject({ rows: 2_000, scored: 2_000 });
  });

  describe('whole-file failures', () => {
    it('EMPTY_FILE for zero bytes', async () => {
      expect(await failure(upload(''))).toMatchObject({
        code: 'EMPTY_FILE',
        message: 'The file is empty (0 bytes).',
      });
    });

    it('EMPTY_FILE for a header without rows, plain or gzip', async () => {
      expect((await failure(upload(`${exportHeader()}\n`))).code).toBe('EMPTY_FILE');
      expect((await failure(upload(zlib.gzipSync(`${exportHeader()}\n`)))).message).toBe(
        'The file has a header but no data rows.',
      );
    });

    it('CORRUPT_GZIP when a byte in the middle is damaged', async () => {
      const damaged = flipByte(gzipped, Math.floor(gzipped.length / 2), 0xff);
      expect((await failure(upload(damaged))).code).toBe('CORRUPT_GZIP');
    });

    it('CORRUPT_GZIP when only the checksum is wrong', async () => {
      // The CRC-32 is the trailer's first four bytes: the data inflates, the check fails.
      const badCrc = flipByte(gzipped, gzipped.length - 8, 0x01);
      expect(await failure(upload(badCrc))).toMatchObject({ code: 'CORRUPT_GZIP' });
    });

    it('TRUNCATED_GZIP when the upload stopped early', async () => {
      expect(await failure(upload(gzipped.subarray(0, gzipped.length - 20)))).toMatchObject({
        code: 'TRUNCATED_GZIP',
        message: 'The gzip file is truncated: it ends before its last block.',
      });
    });

    it('NOT_CSV for binary content such as an image', async () => {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.alloc(2000, 7),
      ]);
      expect((await failure(upload(png))).code).toBe('NOT_CSV');
    });

    it('NOT_CSV for text that is not comma-separated', async () => {
      expect((await failure(upload('just some prose\nwithout any commas\n'))).code).toBe('NOT_CSV');
    });

    it('MISSING_COLUMNS naming each missing column', async () => {
      const header = EXPORT_COLUMNS.filter((name) => name !== 'Beat' && name !== 'Latitude').join(',');
      expect(await failure(upload(`${header}\n1,2\n`))).toMatchObject({
        code: 'MISSING_COLUMNS',
        message: 'The header lacks required column(s): Beat, Latitude.',
      });
    });

    it('TOO_LARGE as soon as the limit is passed, counting bytes as received', async () => {
      expect(await failure(upload(gzipped), { maxBytes: 10_000 })).toMatchObject({
        code: 'TOO_LARGE',
        message: 'The file is larger than the 10000 bytes limit.',
      });
    });

    it('TOO_MANY_REJECTED when the rejected share passes the threshold, with the counts', async () => {
      const error = await failure(upload(withColumn('Domestic', (i) => (i % 10 === 0 ? 'maybe' : 'false'))));
      expect(error.code).toBe('TOO_MANY_REJECTED');
      expect(error.message).toBe(
        '200 of 2000 rows (10.0%) were rejected, more than the 5.0% allowed. First: line 2, Domestic must be true or false.',
      );
      expect(error.partial).toMatchObject({ rows: 2_000, scored: 1_800, rejected: 200 });
    });
  });

  it('scores the rest of the file when a few rows are invalid, counting and sampling them', async () => {
    const summary = await scoreCsv(
      upload(withColumn('Date', (i) => (i % 100 === 5 ? 'yesterday' : (rows[i]?.[2] ?? '')))),
      {
        rejectedSampleSize: 3,
      },
    );
    expect(summary).toMatchObject({ rows: 2_000, scored: 1_980, rejected: 20 });
    expect(summary.rejectedSamples).toEqual([
      { line: 7, id: rows[5]?.[0], column: 'Date', reason: 'must be MM/DD/YYYY hh:mm:ss AM|PM' },
      { line: 107, id: rows[105]?.[0], column: 'Date', reason: 'must be MM/DD/YYYY hh:mm:ss AM|PM' },
      { line: 207, id: rows[205]?.[0], column: 'Date', reason: 'must be MM/DD/YYYY hh:mm:ss AM|PM' },
    ]);
  });

  it('rejects a row with too few fields instead of misreading it', async () => {
    const summary = await scoreCsv(upload(`${exportHeader()}\n${toExportCsv(rows.slice(0, 50))}1,2,3\n`), {
      maxRejectedShare: 1,
    });
    expect(summary).toMatchObject({ rows: 51, scored: 50, rejected: 1 });
    expect(summary.rejectedSamples[0]).toMatchObject({
      line: 52,
      column: 'row',
      reason: 'has 3 fields, the header has 22',
    });
  });

  it('waits for the batch in flight before reporting a broken file, so its late failure is not left unhandled', async () => {
    // Two full batches and part of a third: the second is in flight when the file turns out broken.
    const many = new SyntheticCrimes({ seed: 9 }).nextRows(2 * BATCH_ROWS + 6_000);
    const truncated = zlib.gzipSync(`${exportHeader()}\n${toExportCsv(many)}`).subarray(0, -20);
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    let calls = 0;
    try {
      const error = await failure(upload(truncated, 64 * 1024), {
        onScored: async () => {
          calls++;
          if (calls < 2) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
          throw new Error('late writer failure');
        },
      });
      expect(error.code).toBe('TRUNCATED_GZIP');
      expect(calls).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('accounts for every row of random, malformed CSV: scored + rejected = rows, or one clear InputError', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('', 'true', 'false', '0213', '41.88', '-87.63', '"', '03/18/2015 07:44:00 PM', 'THEFT'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 0, maxLength: 24 }), { maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        async (table, gzip, keepHeader) => {
          const body =
            (keepHeader ? `${exportHeader()}\n` : '') + table.map((row) => row.join(',')).join('\n');
          try {
            const summary = await scoreCsv(upload(gzip ? zlib.gzipSync(body) : body, 64), {
              maxRejectedShare: 1,
            });
            expect(summary.scored + summary.rejected).toBe(summary.rows);
          } catch (error) {
            expect(error).toBeInstanceOf(InputError);
            const partial = (error as InputError).partial;
            if (partial) expect(partial.scored + partial.rejected).toBe(partial.rows);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
