import type { UnsupportedFeature } from '../../constructs/alarm-engine/alarm-definition';
import type { AlarmBacktest, BacktestResult } from '../../constructs/alarm-engine/backtest-result';

/** One alarm as every output reports it. */
export interface ReportedAlarm extends AlarmBacktest {
  /** Why the results are approximate, when they are. */
  readonly approximateReason?: string;
}

/** What every output (text, JSON, HTML) reports. */
export interface BacktestReport {
  /** Epoch ms of the first and last evaluation. */
  readonly from: number;
  readonly to: number;
  /** Noisiest first, as the engine orders them. */
  readonly alarms: readonly ReportedAlarm[];
  readonly unsupported: readonly UnsupportedFeature[];
  /** Whether the samples came from CloudWatch's one-minute datapoints rather than raw samples. */
  readonly fromDatapoints: boolean;
}

const ENGINE_APPROXIMATION =
  'the engine estimates it (an anomaly detection band, whose model CloudWatch does not publish, or a composite over one)';

/** The engine's result restricted to the selected alarms, with the CLI's own approximations and omissions added. */
export function backtestReport(
  result: BacktestResult,
  options: {
    readonly report: ReadonlySet<string>;
    readonly approximate: ReadonlyMap<string, string>;
    readonly unsupported: readonly UnsupportedFeature[];
    readonly fromDatapoints: boolean;
  },
): BacktestReport {
  const alarms = result.alarms
    .filter((alarm) => options.report.has(alarm.name))
    .map((alarm): ReportedAlarm => {
      const reasons = [
        ...(alarm.approximate ? [ENGINE_APPROXIMATION] : []),
        ...(options.approximate.has(alarm.name) ? [options.approximate.get(alarm.name)] : []),
      ];
      return reasons.length === 0
        ? alarm
        : { ...alarm, approximate: true, approximateReason: reasons.join('; ') };
    });
  const unsupported = [...options.unsupported, ...result.unsupported].filter((entry) =>
    options.report.has(entry.alarm),
  );
  return { from: result.from, to: result.to, alarms, unsupported, fromDatapoints: options.fromDatapoints };
}
