import { parseArgs } from 'node:util';
import { ALARM_STATES, type AlarmState } from '../../constructs/alarm-engine/alarm-definition';
import { CliError } from './cli-error';

export const USAGE =
  'usage: npm run backtest -- [--env dev] [--template FILE.json ...] (--metrics FILE.json | --live --from ISO --to ISO [--save FILE.json]) [--initial-state OK|ALARM|INSUFFICIENT_DATA] [--alarm NAME ...] [--json] [--html FILE]';

/** Where the metric samples come from. */
export type SampleSource =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'live'; readonly save?: string };

/** The command line of `npm run backtest`, checked. */
export interface BacktestArgs {
  /** The Vigil environment to synthesize; undefined with `--template` or for cdk.json's default. */
  readonly env?: string;
  readonly templates: readonly string[];
  readonly samples: SampleSource;
  /** Epoch ms; undefined means "from the data" (only with --metrics). */
  readonly from?: number;
  readonly to?: number;
  readonly initialState: AlarmState;
  readonly alarms: readonly string[];
  readonly json: boolean;
  readonly html?: string;
}

// A date, or a date-time with its offset: a time without one would depend on the machine's zone.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function instant(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(
      `--${option}: expected an ISO-8601 date-time such as 2026-01-01T00:00:00Z (got "${text}")`,
    );
  }
  return ms;
}

/** Parses `npm run backtest` arguments (a leading `--`, as `npx tsx scripts/backtest.ts -- …` passes it, is skipped). */
export function parseBacktestArgs(argv: readonly string[]): BacktestArgs {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(args));
  } catch (error) {
    throw new CliError(`${(error as Error).message}; ${USAGE}`);
  }
  const from = instant('from', values.from);
  const to = instant('to', values.to);
  if (values.metrics !== undefined && values.live)
    throw new CliError(`--metrics and --live exclude each other; ${USAGE}`);
  if (values.metrics === undefined && !values.live)
    throw new CliError(`give --metrics FILE or --live; ${USAGE}`);
  if (values.live && (from === undefined || to === undefined)) {
    throw new CliError('--live needs --from and --to: the range to read from CloudWatch');
  }
  if (values.save !== undefined && !values.live)
    throw new CliError('--save writes what --live fetched; it needs --live');
  if (from !== undefined && to !== undefined && to <= from) throw new CliError('--to must be after --from');
  if (values.env !== undefined && values.template !== undefined) {
    throw new CliError(
      '--env selects the synthesized Vigil app; --template reads your templates instead: give one',
    );
  }
  const initialState = values['initial-state'] ?? 'INSUFFICIENT_DATA';
  if (!(ALARM_STATES as readonly string[]).includes(initialState)) {
    throw new CliError(`--initial-state: expected one of ${ALARM_STATES.join(', ')} (got "${initialState}")`);
  }
  return {
    env: values.env,
    templates: values.template ?? [],
    samples:
      values.metrics !== undefined
        ? { kind: 'file', file: values.metrics }
        : { kind: 'live', ...(values.save === undefined ? {} : { save: values.save }) },
    from,
    to,
    initialState: initialState as AlarmState,
    alarms: values.alarm ?? [],
    json: values.json ?? false,
    html: values.html,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      env: { type: 'string' },
      template: { type: 'string', multiple: true },
      metrics: { type: 'string' },
      live: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      save: { type: 'string' },
      'initial-state': { type: 'string' },
      alarm: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      html: { type: 'string' },
    },
  });
}
