import fc from 'fast-check';
import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import { ByteVocabulary, decimalAt, encodeIncidentBytes } from '../../predictor/features/incident-bytes';
import { encodeIncident, FEATURE_COUNT, resolveColumns } from '../../predictor/features/incident-features';
import {
  FBI_CODES,
  LOCATION_DESCRIPTIONS,
  PRIMARY_TYPES,
  vocabularyCodes,
} from '../../predictor/features/vocabulary';
import { SyntheticCrimes } from '../../predictor/generator/synthetic-crimes';
import { FastCsvRows, FIELD_DOUBLED_QUOTES, FIELD_QUOTED } from '../../predictor/inference/csv-fast-path';

const resolved = resolveColumns(EXPORT_COLUMNS);
if (!('columns' in resolved)) throw new Error('export header must resolve');
const { columns } = resolved;
const wanted = Object.values(columns);
const at = (column: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(column);

/** A field as a CSV writer puts it: quoted when it must be, or when `quote` asks. */
function csvField(value: string, quote: boolean): string {
  return quote || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Both encoders on one row, parsed by the scorer's parser: what the byte path wrote (or false when
 * it left the row to the text path) and what `encodeIncident` makes of the decoded text.
 */
function encodeBoth(fields: readonly string[], quoted: readonly boolean[] = [], lineBreak = '\n') {
  const line = fields.map((value, index) => csvField(value, quoted[index] ?? false)).join(',');
  const parser = new FastCsvRows(() => wanted);
  // A spreadsheet's re-save: a byte-order mark and CRLF.
  const bom = lineBreak === '\r\n' ? '\ufeff' : '';
  parser.push(Buffer.from(`${bom}${EXPORT_COLUMNS.join(',')}${lineBreak}${line}${lineBreak}`));
  parser.end();
  if (!parser.next() || !parser.next()) throw new Error(`the parser did not read the row: ${line}`);
  const spans = parser.spans;
  if (spans === undefined) throw new Error('a data row has byte spans');
  const fromBytes = new Float32Array(FEATURE_COUNT);
  const fromText = new Float32Array(FEATURE_COUNT);
  const byBytes = encodeIncidentBytes(spans, columns, fromBytes, 0);
  const rejection = encodeIncident(parser.fields as string[], columns, fromText, 0);
  return { byBytes, fromBytes: Array.from(fromBytes), rejection, fromText: Array.from(fromText) };
}

const exportRows = new SyntheticCrimes({ seed: 5 }).nextRows(2_000);

// Values of each column the model reads: the export's own forms, near misses, and anything.
const anything = fc.string({ unit: 'grapheme', maxLength: 12 });
const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
const spaced = (value: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('', ' ', '  ', '\t'), value, fc.constantFrom('', ' ', '\u00a0'))
    .map((p) => p.join(''));
const integerField = fc.oneof(
  digits(1, 11),
  spaced(digits(0, 4)),
  fc.constantFrom('', '-1', '1a', '+3', '٣'),
  anything,
);
const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
const dateField = fc.oneof(
  fc
    .tuple(
      twoDigits,
      twoDigits,
      fc.integer({ min: 1600, max: 2400 }),
      twoDigits,
      twoDigits,
      twoDigits,
      fc.constantFrom('AM', 'PM', 'am', 'XM', 'AN', 'P M'),
    )
    .map(([mo, d, y, h, mi, s, m]) => `${mo}/${d}/${y} ${h}:${mi}:${s} ${m}`),
  fc.constantFrom(
    '02/29/2024 12:00:00 AM',
    '02/29/2023 12:00:00 AM',
    '02/29/1900 01:00:00 PM',
    '02/29/2000 01:00:00 PM',
  ),
  anything,
);
const booleanField = fc.oneof(
  fc.constantFrom('true', 'false', 'TRUE', 'False', ' true', 'false ', 'yes', '', 'tru', 'truee', 'ｔrue'),
  anything,
);
const decimal = fc
  .tuple(
    fc.constantFrom('', '-', '+', ' '),
    digits(0, 4),
    fc.constantFrom('.', '', '..', ','),
    digits(0, 14),
    fc.constantFrom('', 'e0', ' ', 'e-1'),
  )
  .map((parts) => parts.join(''));
const coordinate = fc.oneof(
  fc.double({ min: 41, max: 42.5, noNaN: true }).map(String),
  fc.double({ min: -88.5, max: -87, noNaN: true }).map(String),
  fc.double({ min: -88.5, max: -87, noNaN: true }).map((value) => value.toFixed(9)),
  decimal,
  fc.constantFrom('', '41', '-88', '42.50000000000001', '41.0000000000000000001', '0x29', 'Infinity'),
  anything,
);
const category = (values: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.constantFrom(...values).map((value) => value.toLowerCase()),
    fc.constantFrom(...values).map((value) => `${value} `),
    fc.constantFrom('', 'THÉFT', 'NON"CRIMINAL', 'A,B', '"'),
    anything,
  );

const FIELD_VALUES: Partial<Record<(typeof EXPORT_COLUMNS)[number], fc.Arbitrary<string>>> = {
  ID: integerField,
  Date: dateField,
  'Primary Type': category(PRIMARY_TYPES),
  'Location Description': category(LOCATION_DESCRIPTIONS),
  Domestic: booleanField,
  Beat: integerField,
  District: integerField,
  Ward: integerField,
  'Community Area': integerField,
  'FBI Code': category(FBI_CODES),
  Latitude: coordinate,
  Longitude: coordinate,
};

/** An export row with some of the model's columns replaced by generated values, some fields quoted. */
const mutatedRow = fc
  .tuple(
    fc.constantFrom(...exportRows),
    // Each column replaced one time in ten, so a good share of rows keep the export's own forms.
    fc.record(
      Object.fromEntries(
        Object.entries(FIELD_VALUES).map(([column, values]) => [
          column,
          fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: values, weight: 1 }),
        ]),
      ),
    ),
    fc.array(fc.boolean(), { minLength: EXPORT_COLUMNS.length, maxLength: EXPORT_COLUMNS.length }),
  )
  .map(([row, replaced, quoted]) => {
    const fields = [...row];
    for (const [column, value] of Object.entries(replaced)) {
      if (value !== null) fields[at(column as never)] = value;
    }
    return { fields, quoted };
  });

describe('encodeIncidentBytes', () => {
  it('writes exactly what encodeIncident writes whenever it takes a row, and leaves the rest to it', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(mutatedRow, ({ fields, quoted }) => {
        runs++;
        const { byBytes, fromBytes, rejection, fromText } = encodeBoth(fields, quoted);
        if (!byBytes) return;
        taken++;
        expect(rejection).toBeUndefined();
        expect(fromBytes).toEqual(fromText);
      }),
      { numRuns: 3_000 },
    );
    // Generated values are mostly off the export's forms; a share must still take the fast path,
    // or the property above would hold of an encoder that takes nothing.
    expect(taken / runs).toBeGreaterThan(0.2);
  });

  it('takes every row of the export as written, quoted or not, LF or CRLF, with the features encodeIncident gives', () => {
    for (const [index, row] of exportRows.entries()) {
      const quoted = EXPORT_COLUMNS.map((_, position) => (index + position) % 3 === 0);
      const { byBytes, fromBytes, rejection, fromText } = encodeBoth(row, quoted, index % 2 ? '\r\n' : '\n');
      expect({ index, byBytes, rejection }).toEqual({ index, byBytes: true, rejection: undefined });
      expect(fromBytes).toEqual(fromText);
    }
  });

  it('reads the forms the export uses: leading zeros, empty areas, no coordinates, capitals', () => {
    const row = [...(exportRows[0] as string[])];
    row[at('District')] = '011';
    row[at('Ward')] = '';
    row[at('Latitude')] = '';
    row[at('Longitude')] = '';
    row[at('Domestic')] = 'TRUE';
    const { byBytes, fromBytes } = encodeBoth(row);
    expect(byBytes).toBe(true);
    expect(fromBytes.slice(8, 14)).toEqual([11, -1, fromBytes[10], 0, 0, 0]);
    expect(fromBytes[3]).toBe(1);
  });

  it('takes a category with doubled quotes (the export writes CTA ""L"" PLATFORM)', () => {
    const row = [...(exportRows[0] as string[])];
    row[at('Location Description')] = 'CTA "L" PLATFORM';
    const { byBytes, fromBytes, fromText } = encodeBoth(row);
    expect(byBytes).toBe(true);
    expect(fromBytes).toEqual(fromText);
  });

  it('leaves to encodeIncident what it does not read itself: spaces, exponents, an impossible date', () => {
    const cases: [(typeof EXPORT_COLUMNS)[number], string][] = [
      ['District', ' '],
      ['Latitude', '4.18e1'],
      ['Domestic', ' true'],
      ['Date', '13/01/2015 07:44:00 PM'],
    ];
    for (const [column, value] of cases) {
      const row = [...(exportRows[0] as string[])];
      row[at(column)] = value;
      expect({ column, taken: encodeBoth(row).byBytes }).toEqual({ column, taken: false });
    }
  });
});

describe('decimalAt', () => {
  const read = (text: string) => {
    const bytes = Buffer.from(text, 'latin1');
    return decimalAt(bytes, 0, bytes.length);
  };

  it('gives the double Number gives for every plain decimal it takes, and NaN for the rest', () => {
    const plain = fc
      .tuple(fc.boolean(), digits(1, 9), fc.option(digits(1, 16), { nil: undefined }))
      .map(
        ([negative, whole, fraction]) =>
          `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}`,
      );
    fc.assert(
      fc.property(fc.oneof(plain, decimal, fc.double().map(String)), (text) => {
        const value = read(text);
        if (!Number.isNaN(value)) expect(value).toBe(Number(text));
      }),
      { numRuns: 5_000 },
    );
    expect(read('41.891398861')).toBe(41.891398861);
    expect(read('-87.744384567')).toBe(-87.744384567);
    expect(read('9007199254740993')).toBeNaN();
    for (const text of ['', '-', '41.', '.5', '+41', '4e1', '41.5 ', '1.2.3']) expect(read(text)).toBeNaN();
  });
});

describe('ByteVocabulary', () => {
  it('looks up a field with doubled quotes as its text, one quote for two', () => {
    const vocabulary = new ByteVocabulary(
      new Map([
        ['CTA "L" PLATFORM', 7],
        ['"', 8],
      ]),
    );
    const quoted = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      return vocabulary.codeOf(bytes, 0, bytes.length, FIELD_QUOTED | FIELD_DOUBLED_QUOTES);
    };
    expect(quoted('CTA ""L"" PLATFORM')).toBe(7);
    expect(quoted('""')).toBe(8);
    expect(quoted('CTA ""L""PLATFORM')).toBe(0);
    const bytes = Buffer.from('CTA ""L"" PLATFORM');
    expect(vocabulary.codeOf(bytes, 0, bytes.length)).toBe(0);
  });

  it('gives the code the text lookup gives, for every entry and for unknown or near values', () => {
    for (const values of [PRIMARY_TYPES, LOCATION_DESCRIPTIONS, FBI_CODES]) {
      const codes = vocabularyCodes(values);
      const vocabulary = new ByteVocabulary(codes);
      const lookup = (text: string) => {
        const bytes = Buffer.from(`xx${text}yy`, 'utf8');
        return vocabulary.codeOf(bytes, 2, bytes.length - 2);
      };
      for (const value of values) expect(lookup(value)).toBe(codes.get(value));
      fc.assert(
        fc.property(
          fc.oneof(
            fc.constantFrom(...values).map((v) => v.slice(1)),
            fc.string({ unit: 'grapheme' }),
          ),
          (text) => {
            expect(lookup(text)).toBe(codes.get(text) ?? 0);
          },
        ),
        { numRuns: 300 },
      );
    }
  });
});
