import type { AlarmState, AlarmTransition, UnsupportedFeature } from './alarm-definition';

/** How one alarm behaved over a backtest. */
export interface AlarmBacktest {
  /** The alarm's name (`AlarmName`). */
  readonly name: string;
  /** Whether it is a metric alarm or a composite alarm. */
  readonly kind: 'metric' | 'composite';
  /** The state at the end of the backtest (`--to`). */
  readonly finalState: AlarmState;
  /** Every state change over the backtest, oldest first. */
  readonly transitions: readonly AlarmTransition[];
  /** Transitions into ALARM: the pages this alarm would have sent. */
  readonly alarmTransitions: number;
  /** ALARM transitions per 7 days of the backtest's span. */
  readonly alarmTransitionsPerWeek: number;
  /** Total time spent in ALARM over the backtest, in seconds; a spell still open at the end counts up to `to`. */
  readonly secondsInAlarm: number;
  /** True when no evaluation found any datapoint for it. */
  readonly neverHadData: boolean;
  /** True when the values are approximations (anomaly bands, or a composite over one). */
  readonly approximate: boolean;
  /** The fixed threshold of a metric alarm, for charts. @default none (composite or anomaly band) */
  readonly threshold?: number;
  /** The value compared at each evaluation (`[epochMs, value or null when missing]`), when asked for. */
  readonly values?: ReadonlyArray<readonly [number, number | null]>;
}

/** The result of evaluating a set of alarms over a time range. */
export interface BacktestResult {
  /** Epoch ms of the first and the last evaluation. */
  readonly from: number;
  /** Epoch ms of the last evaluation; each alarm's `finalState` is its state then. */
  readonly to: number;
  /** Noisiest first: most ALARM transitions, then most time in ALARM, then name. */
  readonly alarms: readonly AlarmBacktest[];
  /** Alarms left out because they use something the engine does not evaluate. */
  readonly unsupported: readonly UnsupportedFeature[];
}

/** Options of a backtest run. */
export interface BacktestOptions {
  /** Epoch ms of the first evaluation. */
  readonly from: number;
  /** Epoch ms of the last evaluation; `finalState` is the state then. */
  readonly to: number;
  /** Every alarm's state before the first evaluation. @default 'INSUFFICIENT_DATA' */
  readonly initialState?: AlarmState;
  /** Keep each metric alarm's compared value at every evaluation (`AlarmBacktest.values`), for charts. @default false */
  readonly keepValues?: boolean;
}
