import '../support/test-environment';
import {
  type ErrorRecord,
  isStrictBase64,
  MAX_LINE_BYTES,
  MAX_RECORD_BYTES,
  parseErrorLine,
  type UnsendableLine,
} from '../../../lambda/firehose-redrive/error-records';

const base64 = (data: string | Buffer) => Buffer.from(data).toString('base64');

/** A line as Firehose writes it to `errors/processing-failed/`. */
function errorLine(rawData: unknown, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: 1_795_000_000_000,
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
    attemptEndingTimestamp: 1_795_000_060_000,
    rawData,
    ...fields,
  });
}

/** What the streaming reader gives for each line of a text, sorted as parseErrorLine sorts it. */
function parseErrorRecords(text: string): { records: ErrorRecord[]; malformed: UnsendableLine[] } {
  const records: ErrorRecord[] = [];
  const malformed: UnsendableLine[] = [];
  text.split('\n').forEach((content, index) => {
    const parsed = parseErrorLine({ number: index + 1, offset: 0, bytes: Buffer.from(content) });
    if (parsed.kind === 'record') records.push(parsed.record);
    if (parsed.kind === 'unsendable') malformed.push(parsed.unsendable);
  });
  return { records, malformed };
}

test('each line becomes its record, with Firehose error code and message', () => {
  const text = `${errorLine(base64('first'))}\n${errorLine(base64('second'), { errorCode: 'X', errorMessage: 'y' })}\n`;
  const { records, malformed } = parseErrorRecords(text);
  expect(malformed).toEqual([]);
  expect(records.map((record) => Buffer.from(record.rawData).toString())).toEqual(['first', 'second']);
  expect(records[0]).toMatchObject({
    line: 1,
    errorCode: 'Lambda.FunctionError',
    errorMessage: expect.stringContaining('returned an error'),
  });
  expect(records[1]).toMatchObject({ line: 2, errorCode: 'X', errorMessage: 'y' });
});

test('bytes survive as they are, not as text', () => {
  const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00]);
  const [record] = parseErrorRecords(errorLine(bytes.toString('base64'))).records;
  expect(Buffer.from(record?.rawData ?? []).equals(bytes)).toBe(true);
});

test('error code and message are optional, and ignored unless text', () => {
  const [record] = parseErrorRecords(JSON.stringify({ rawData: base64('x'), errorCode: 7 })).records;
  expect(record).toEqual({ line: 1, rawData: expect.any(Uint8Array) });
});

test('blank lines and CRLF endings are not records and not malformed', () => {
  const { records, malformed } = parseErrorRecords(
    `\n${errorLine(base64('a'))}\r\n   \n${errorLine(base64('b'))}\r\n`,
  );
  expect(records.map((record) => record.line)).toEqual([2, 4]);
  expect(malformed).toEqual([]);
});

test.each([
  ['a cut-off line', '{"rawData": "YQ==', /^not JSON: /],
  ['an array', '[1, 2]', /^not a JSON object$/],
  ['null', 'null', /^not a JSON object$/],
  ['a bare string', '"YQ=="', /^not a JSON object$/],
  ['no rawData', JSON.stringify({ errorCode: 'X' }), /^no rawData$/],
  ['a number for rawData', errorLine(42), /^rawData is not a string$/],
  ['empty rawData', errorLine(''), /^rawData is empty$/],
  ['rawData outside the alphabet', errorLine('not base64!'), /^rawData is not valid base64$/],
  ['rawData without padding', errorLine('YQ'), /^rawData is not valid base64$/],
  ['padding inside rawData', errorLine('YQ==YQ=='), /^rawData is not valid base64$/],
  ['URL-safe base64', errorLine('YQ-_'), /^rawData is not valid base64$/],
])('%s is a line that can never be re-put, kept with its reason', (_label, line, reason) => {
  const { records, malformed } = parseErrorRecords(`${errorLine(base64('ok'))}\n${line}\n`);
  expect(records).toHaveLength(1);
  expect(malformed).toHaveLength(1);
  expect(malformed[0]).toMatchObject({ line: 2, reason: expect.stringMatching(reason), content: line });
});

test('an unsendable line keeps the error code and arrival time Firehose gave it', () => {
  const { malformed } = parseErrorRecords(errorLine('YQ'));
  expect(malformed[0]).toMatchObject({
    errorCode: 'Lambda.FunctionError',
    arrivalTimestamp: 1_795_000_000_000,
  });
});

test('format-conversion failures spell ErrorCode and ErrorMessage capitalised: both are read', () => {
  const [record] = parseErrorRecords(
    JSON.stringify({ rawData: base64('x'), ErrorCode: 'DataFormatConversion.Malformed', ErrorMessage: 'm' }),
  ).records;
  expect(record).toMatchObject({ errorCode: 'DataFormatConversion.Malformed', errorMessage: 'm' });
});

test('a record larger than Firehose accepts is malformed, one at the limit is not', () => {
  const atLimit = Buffer.alloc(MAX_RECORD_BYTES, 1);
  const overLimit = Buffer.alloc(MAX_RECORD_BYTES + 1, 1);
  const { records, malformed } = parseErrorRecords(
    `${errorLine(atLimit.toString('base64'))}\n${errorLine(overLimit.toString('base64'))}`,
  );
  expect(records.map((record) => record.rawData.length)).toEqual([MAX_RECORD_BYTES]);
  expect(malformed.map(({ line, reason }) => ({ line, reason }))).toEqual([
    { line: 2, reason: `rawData is 1024001 bytes, more than the 1024000 bytes Firehose accepts in a record` },
  ]);
});

test('a 5 MB rawData is checked without a regular expression and set aside as too large', () => {
  // The old /^(?:[A-Za-z0-9+/]{4})*…$/ check threw "Maximum call stack size exceeded" here.
  const rawData = Buffer.alloc(3_932_160, 7).toString('base64');
  expect(rawData.length).toBe(5 * 1024 * 1024);
  expect(isStrictBase64(rawData)).toBe(true);
  const { malformed } = parseErrorRecords(errorLine(rawData));
  expect(malformed[0]?.reason).toBe(
    'rawData is 3932160 bytes, more than the 1024000 bytes Firehose accepts in a record',
  );
});

test('a line longer than is kept is set aside by its length alone', () => {
  const parsed = parseErrorLine({ number: 3, offset: 10, length: 5_000_000, oversized: true });
  expect(parsed).toEqual({
    kind: 'unsendable',
    unsendable: {
      line: 3,
      reason: `line is 5000000 bytes, longer than any line holding a record Firehose accepts (${MAX_LINE_BYTES} bytes kept)`,
    },
  });
});

test.each([
  ['', true],
  ['YQ==', true],
  ['YWI=', true],
  ['YWJj', true],
  ['====', false],
  ['Y===', false],
  ['YQ=a', false],
  ['YWJ', false],
  ['YW\nJj', false],
])('isStrictBase64(%j) is %s', (text, expected) => {
  expect(isStrictBase64(text)).toBe(expected);
});
