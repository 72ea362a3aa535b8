import fc from 'fast-check';
import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import {
  encodeIncident,
  FEATURE_COUNT,
  FEATURES,
  parseExportDate,
  resolveColumns,
} from '../../predictor/features/incident-features';
import { PRIMARY_TYPES } from '../../predictor/features/vocabulary';

const header = [...EXPORT_COLUMNS];
const resolved = resolveColumns(header);
if (!('columns' in resolved)) throw new Error('export header must resolve');
const { columns } = resolved;

// A row as it appears in the export (DATA.md's example).
const example = [
  '10000092',
  'HY189866',
  '03/18/2015 07:44:00 PM',
  '047XX W OHIO ST',
  '041A',
  'BATTERY',
  'AGGRAVATED: HANDGUN',
  'STREET',
  'false',
  'false',
  '1111',
  '011',
  '28',
  '25',
  '04B',
  '1144606',
  '1903566',
  '2015',
  '02/10/2018 03:50:01 PM',
  '41.891398861',
  '-87.744384567',
  '(41.891398861, -87.744384567)',
];

function encode(fields: string[]) {
  const out = new Float32Array(FEATURE_COUNT);
  const rejection = encodeIncident(fields, columns, out, 0);
  return { rejection, features: Object.fromEntries(FEATURES.map((feature, i) => [feature.name, out[i]])) };
}

function withField(column: (typeof EXPORT_COLUMNS)[number], value: string): string[] {
  const fields = [...example];
  fields[EXPORT_COLUMNS.indexOf(column)] = value;
  return fields;
}

describe('encodeIncident', () => {
  it('encodes the documented example row', () => {
    const { rejection, features } = encode(example);
    expect(rejection).toBeUndefined();
    expect(features).toEqual({
      primary_type: PRIMARY_TYPES.indexOf('BATTERY') + 1,
      location_description: 1,
      fbi_code: 6,
      domestic: 0,
      hour: 19,
      day_of_week: 2, // 18 March 2015 was a Wednesday
      month: 3,
      beat: 1111,
      district: 11,
      ward: 28,
      community_area: 25,
      latitude: Math.fround(41.891398861),
      longitude: Math.fround(-87.744384567),
      has_coordinates: 1,
    });
  });

  it('maps categories the model never saw, and empty ones, to the unknown code 0', () => {
    expect(encode(withField('Primary Type', 'CANNABIS VIOLATION')).features.primary_type).toBe(0);
    expect(encode(withField('Location Description', '')).features.location_description).toBe(0);
    expect(encode(withField('FBI Code', '99Z')).features.fbi_code).toBe(0);
  });

  it('encodes empty area fields as -1 and empty coordinates as absent', () => {
    const fields = withField('District', '');
    fields[EXPORT_COLUMNS.indexOf('Ward')] = '';
    fields[EXPORT_COLUMNS.indexOf('Latitude')] = '';
    fields[EXPORT_COLUMNS.indexOf('Longitude')] = '';
    const { rejection, features } = encode(fields);
    expect(rejection).toBeUndefined();
    expect(features).toMatchObject({ district: -1, ward: -1, latitude: 0, longitude: 0, has_coordinates: 0 });
  });

  it('reads zero-padded beats and districts as integers', () => {
    expect(encode(withField('Beat', '0213')).features.beat).toBe(213);
    expect(encode(withField('District', '002')).features.district).toBe(2);
  });

  it.each([
    ['ID', 'abc', 'must be a non-negative integer'],
    ['Date', '2015-03-18 19:44', 'must be MM/DD/YYYY hh:mm:ss AM|PM'],
    ['Date', '02/30/2015 07:44:00 PM', 'must be MM/DD/YYYY hh:mm:ss AM|PM'],
    ['Domestic', 'maybe', 'must be true or false'],
    ['Beat', '', 'must be an integer'],
    ['Ward', 'twelve', 'must be an integer or empty'],
    ['Latitude', '91.5', 'must be a number from 41 to 42.5'],
    ['Longitude', 'west', 'must be a number from -88.5 to -87'],
  ] as const)('rejects %s = %j: %s', (column, value, reason) => {
    expect(encode(withField(column, value)).rejection).toEqual({ column, reason });
  });

  it('never throws: any fields are either encoded to finite numbers or rejected with a reason', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 0, maxLength: 25 }), (fields) => {
        const out = new Float32Array(FEATURE_COUNT);
        const rejection = encodeIncident(fields, columns, out, 0);
        if (rejection) expect(rejection.reason.length).toBeGreaterThan(0);
        else expect(Array.from(out).every(Number.isFinite)).toBe(true);
      }),
    );
  });
});

describe('parseExportDate', () => {
  it.each([
    ['01/01/2020 12:00:00 AM', { hour: 0, dayOfWeek: 2, month: 1 }],
    ['01/01/2020 12:30:00 PM', { hour: 12, dayOfWeek: 2, month: 1 }],
    ['02/29/2024 11:59:59 PM', { hour: 23, dayOfWeek: 3, month: 2 }],
    ['11/23/2026 09:05:00 AM', { hour: 9, dayOfWeek: 0, month: 11 }],
  ])('%s', (text, expected) => {
    expect(parseExportDate(text)).toEqual(expected);
  });

  it('agrees with the JavaScript calendar on every day from 2001 to 2030', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2001-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        (date) => {
          const text = `${String(date.getUTCMonth() + 1).padStart(2, '0')}/${String(date.getUTCDate()).padStart(2, '0')}/${date.getUTCFullYear()} 01:00:00 PM`;
          expect(parseExportDate(text)).toEqual({
            hour: 13,
            dayOfWeek: (date.getUTCDay() + 6) % 7,
            month: date.getUTCMonth() + 1,
          });
        },
      ),
    );
  });
});

describe('resolveColumns', () => {
  it('finds columns in any order, ignoring a byte-order mark and stray spaces', () => {
    const shuffled = [
      '\uFEFFLongitude',
      ...header.filter((column) => column !== 'Longitude').map((c) => ` ${c} `),
    ];
    const found = resolveColumns(shuffled);
    expect('columns' in found && found.columns.Longitude).toBe(0);
  });

  it('names every missing column', () => {
    expect(resolveColumns(header.filter((column) => column !== 'Beat' && column !== 'Date'))).toEqual({
      missing: ['Date', 'Beat'],
    });
  });

  it('does not need the Arrest label or the columns the model ignores', () => {
    const needed = header.filter((column) => !['Arrest', 'Block', 'IUCR', 'Location'].includes(column));
    expect('columns' in resolveColumns(needed)).toBe(true);
  });
});
