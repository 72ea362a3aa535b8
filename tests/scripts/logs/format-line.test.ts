import fc from 'fast-check';
import { HELP_REQUESTED, LEVELS, parseLogsArgs } from '../../../scripts/logs/args';
import { filterPatternFor, matchesFilter } from '../../../scripts/logs/filter-pattern';
import { atLeast, colorFor, formatLine, parseMessage } from '../../../scripts/logs/format-line';

// A Powertools Logger line as the predictor API writes it: the logger's standard keys and its Lambda
// context keys (PowertoolsStandardKeys / PowertoolsLambdaContextKeys in @aws-lambda-powertools/logger
// 2.36's types: level, message, timestamp, service, xray_trace_id, function_request_id, cold_start, …).
const POWERTOOLS_LINE = JSON.stringify({
  level: 'ERROR',
  message: 'scoring failed',
  timestamp: '2026-12-07T08:15:02.123Z',
  service: 'predictor-api',
  cold_start: false,
  function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:vigil-dev-predictor-ApiFunction',
  function_memory_size: '1024',
  function_name: 'vigil-dev-predictor-ApiFunction',
  function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  sampling_rate: 0,
  xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
  error: {
    name: 'TypeError',
    location: 'model.ts:12',
    message: 'unseen category',
    stack: 'TypeError: …\n  at x',
  },
});
const LINE = { timestamp: Date.parse('2026-12-07T08:15:02.200Z'), message: POWERTOOLS_LINE, source: 'api' };

const ESC = String.fromCharCode(27);
const COLOUR = new RegExp(`${ESC}\\[[0-9;]*m`);

/** C0 and C1 controls, DEL, and Unicode's line and paragraph separators. */
function isLineBreakOrControl(char: string): boolean {
  const code = char.codePointAt(0) as number;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

describe('formatLine', () => {
  test('a Powertools line: time (its own, UTC), level, message with the error, short request id, function', () => {
    expect(formatLine(LINE, { color: false })).toBe(
      '08:15:02.123 ERROR     scoring failed — TypeError: unseen category  (c6af9ac6) [api]',
    );
  });

  test('colour only around the level, and only when asked', () => {
    const coloured = formatLine(LINE, { color: true });
    expect(coloured).toBe(
      '08:15:02.123 \u001b[31mERROR   \u001b[0m  scoring failed — TypeError: unseen category  (c6af9ac6) [api]',
    );
    expect(formatLine(LINE, { color: false })).not.toContain('\u001b');
  });

  test("Lambda's JSON format: console output with requestId, and a platform line, dimmed with its request", () => {
    // The keys Lambda's JSON log format gives application lines (timestamp, level, requestId, message)
    // and system lines (time, type, record), per "Configuring JSON and plain text log formats" in the
    // Lambda developer guide; the values here are made up, not a sample from that page.
    const consoleLine = JSON.stringify({
      timestamp: '2026-12-07T08:15:03.000Z',
      level: 'WARN',
      requestId: '79b4f56e-95b1-4643-9700-2807f4e68189',
      message: 'slow model load',
    });
    expect(formatLine({ ...LINE, message: consoleLine }, { color: false })).toBe(
      '08:15:03.000 WARN      slow model load  (79b4f56e) [api]',
    );
    const platform = JSON.stringify({
      time: '2026-12-07T08:15:04.000Z',
      type: 'platform.report',
      record: { requestId: '79b4f56e-95b1-4643-9700-2807f4e68189', metrics: { durationMs: 12.5 } },
    });
    expect(formatLine({ ...LINE, message: platform }, { color: true })).toBe(
      '\u001b[2m08:15:04.000           platform.report {"requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","metrics":{"durationMs":12.5}}  (79b4f56e) [api]\u001b[0m',
    );
  });

  test('plain text keeps its words, with the event time; a multi-line message stays one line', () => {
    const plain = { ...LINE, message: 'START RequestId: 8f5\tVersion: $LATEST\nsecond line\r\n' };
    expect(formatLine(plain, { color: false })).toBe(
      '08:15:02.200           START RequestId: 8f5\\u0009Version: $LATEST ⏎ second line ⏎  [api]',
    );
  });

  test('a line cannot move the cursor or change colours: escape sequences are shown, not sent', () => {
    const hostile = { ...LINE, message: JSON.stringify({ level: 'INFO', message: 'x\u001b[2J\u009b1A' }) };
    expect(formatLine(hostile, { color: false })).toContain('x\\u001b[2J\\u009b1A');
  });

  test('any message in, one line out: no line break or control character, never throws', () => {
    const anyMessage = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.json(),
      fc
        .record({
          level: fc.oneof(fc.constantFrom(...LEVELS, 'warning', 'fatal', ''), fc.string()),
          message: fc.oneof(fc.string({ unit: 'binary' }), fc.anything()),
          timestamp: fc.oneof(fc.string(), fc.date({ noInvalidDate: false }).map(String)),
          function_request_id: fc.string({ unit: 'binary' }),
          error: fc.anything(),
        })
        .map((item) => JSON.stringify(item)),
    );
    fc.assert(
      fc.property(
        anyMessage,
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        fc.string({ unit: 'binary' }),
        fc.boolean(),
        (message, timestamp, source, color) => {
          const out = formatLine({ timestamp, message, source }, { color });
          // What this formatter's own colours add is an escape, `[`, digits and `m`: take those out.
          const withoutColour = color ? out.split(COLOUR).join('') : out;
          expect([...withoutColour].filter(isLineBreakOrControl)).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('levels', () => {
  test('Powertools levels in order; unleveled lines count as INFO; other runtimes’ names are mapped', () => {
    const at = (level: string) => parseMessage(JSON.stringify({ level, message: 'm' }));
    expect(atLeast(at('WARN'), 'WARN')).toBe(true);
    expect(atLeast(at('INFO'), 'WARN')).toBe(false);
    expect(atLeast(at('CRITICAL'), 'ERROR')).toBe(true);
    expect(atLeast(at('warning'), 'WARN')).toBe(true);
    expect(atLeast(parseMessage('END RequestId: 1'), 'INFO')).toBe(true);
    expect(atLeast(parseMessage('END RequestId: 1'), 'WARN')).toBe(false);
    expect(atLeast(at('TRACE'), undefined)).toBe(true);
  });
});

describe('colorFor', () => {
  test('a terminal without NO_COLOR only', () => {
    expect(colorFor({ isTTY: true }, {})).toBe(true);
    expect(colorFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorFor({}, {})).toBe(false);
  });
});

describe('filter patterns', () => {
  test('the text is one quoted term: spaces, operators and quotes are literal', () => {
    expect(filterPatternFor('ERROR')).toBe('"ERROR"');
    expect(filterPatternFor('model load failed')).toBe('"model load failed"');
    expect(filterPatternFor('-x ?y {$.a=1} %re%')).toBe('"-x ?y {$.a=1} %re%"');
    expect(filterPatternFor('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  });

  test('locally, a case-sensitive substring', () => {
    expect(matchesFilter('model load failed', 'load fail')).toBe(true);
    expect(matchesFilter('model load failed', 'Load')).toBe(false);
    expect(matchesFilter('anything', undefined)).toBe(true);
  });
});

describe('parseLogsArgs', () => {
  const NOW = Date.parse('2026-12-07T09:00:00Z');
  const noDirectories = () => false;

  test('defaults: the last 15 minutes, every level, readable, from AWS', () => {
    expect(parseLogsArgs(['--', 'predictor'], NOW, noDirectories)).toEqual({
      name: 'predictor',
      follow: false,
      since: { agoMs: 15 * 60_000 },
      level: undefined,
      filter: undefined,
      json: false,
      env: undefined,
      source: { kind: 'aws' },
    });
  });

  test('--since forms, --level in any case, --follow without history unless --since', () => {
    expect(parseLogsArgs(['api', '--since', '2h'], NOW, noDirectories)).toMatchObject({
      since: { agoMs: 7_200_000 },
    });
    expect(parseLogsArgs(['api', '--since', '1d'], NOW, noDirectories)).toMatchObject({
      since: { agoMs: 86_400_000 },
    });
    expect(parseLogsArgs(['api', '--since', '2026-12-07T08:00:00Z'], NOW, noDirectories)).toMatchObject({
      since: { at: Date.parse('2026-12-07T08:00:00Z') },
    });
    expect(parseLogsArgs(['api', '--level', 'warn'], NOW, noDirectories)).toMatchObject({ level: 'WARN' });
    expect(parseLogsArgs(['api', '--follow'], NOW, noDirectories)).toMatchObject({
      follow: true,
      since: undefined,
    });
    expect(parseLogsArgs(['api', '-f', '--since', '5m'], NOW, noDirectories)).toMatchObject({
      follow: true,
      since: { agoMs: 300_000 },
    });
    expect(parseLogsArgs(['--help'], NOW, noDirectories)).toBe(HELP_REQUESTED);
  });

  test('--local: the next argument is the run folder when it is a directory and a name is given too', () => {
    const isDirectory = (path: string) => path === '.vigil-runs/x' || path === 'predictor';
    // This repository has a predictor/ folder: alone after --local, predictor is the name.
    expect(parseLogsArgs(['--local', 'predictor'], NOW, isDirectory)).toMatchObject({
      name: 'predictor',
      since: undefined,
      source: { kind: 'local' },
    });
    expect(parseLogsArgs(['predictor', '--local', '.vigil-runs/x'], NOW, isDirectory)).toMatchObject({
      name: 'predictor',
      source: { kind: 'local', folder: '.vigil-runs/x' },
    });
    expect(
      parseLogsArgs(['--local', '.vigil-runs/x', 'api', '--level', 'WARN'], NOW, isDirectory),
    ).toMatchObject({
      name: 'api',
      source: { kind: 'local', folder: '.vigil-runs/x' },
    });
    expect(() => parseLogsArgs(['--local', 'no-such-run', 'api'], NOW, isDirectory)).toThrow(
      /one service or function at a time/,
    );
  });

  test.each([
    [[], /name a service or function/],
    [['a', 'b'], /one service or function at a time/],
    [['a', '--since', '15 minutes'], /--since: expected 15m/],
    [['a', '--since', '2099-01-01T00:00:00Z'], /in the future/],
    [['a', '--level', 'LOUD'], /--level: expected one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL/],
    [['a', '--filter', ' '], /--filter: give the text/],
    [['a', '--local', '--follow'], /drop --follow or --local/],
    [['a', '--tail'], /Unknown option '--tail'/],
  ])('%j is refused with exit code 2', (argv, message) => {
    expect(() => parseLogsArgs(argv, NOW, noDirectories)).toThrow(message);
    expect(() => parseLogsArgs(argv, NOW, noDirectories)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
