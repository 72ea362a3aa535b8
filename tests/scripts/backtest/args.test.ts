import { parseBacktestArgs } from '../../../scripts/backtest/args';
import { CliError } from '../../../scripts/backtest/cli-error';

describe('npm run backtest arguments', () => {
  it('reads the documented command line, skipping the `--` npm and npx pass through', () => {
    const args = parseBacktestArgs([
      '--',
      '--template',
      'a.json',
      '--template',
      'b.json',
      '--live',
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-08',
      '--save',
      'saved.json',
      '--initial-state',
      'OK',
      '--alarm',
      'x',
      '--json',
      '--html',
      'r.html',
    ]);
    expect(args).toEqual({
      env: undefined,
      templates: ['a.json', 'b.json'],
      samples: { kind: 'live', save: 'saved.json' },
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 8),
      initialState: 'OK',
      alarms: ['x'],
      json: true,
      html: 'r.html',
    });
  });

  it('defaults to INSUFFICIENT_DATA and the data’s own range with --metrics', () => {
    expect(parseBacktestArgs(['--metrics', 'm.json'])).toMatchObject({
      samples: { kind: 'file', file: 'm.json' },
      initialState: 'INSUFFICIENT_DATA',
      from: undefined,
      to: undefined,
    });
  });

  it.each([
    [[], 'give --metrics FILE or --live'],
    [['--live'], '--live needs --from and --to'],
    [['--metrics', 'm.json', '--live', '--from', '2026-01-01', '--to', '2026-01-02'], 'exclude each other'],
    [['--metrics', 'm.json', '--save', 's.json'], '--save writes what --live fetched'],
    [['--metrics', 'm.json', '--from', '2026-01-01T00:00:00'], '--from: expected an ISO-8601 date-time'],
    [['--metrics', 'm.json', '--from', '2026-01-02', '--to', '2026-01-01'], '--to must be after --from'],
    [['--metrics', 'm.json', '--initial-state', 'PENDING'], 'expected one of OK, ALARM, INSUFFICIENT_DATA'],
    [['--metrics', 'm.json', '--verbose'], "Unknown option '--verbose'"],
  ])('rejects %j naming the problem in one line', (argv, expected) => {
    let error: unknown;
    try {
      parseBacktestArgs(argv);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toContain(expected);
    expect((error as Error).message).not.toContain('\n');
  });
});
