import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { evaluationRange } from '../../../constructs/alarm-engine/evaluate-metric-alarm';
import type { AlarmState } from '../../shared/alarm-change';
import type { ActionResult, RemediationRequest } from '../remediation-types';

/** What one check after the action found (the state machine's `$.verification`, fed to the next check). */
export interface VerificationResult {
  /** Checks made so far, this one included. */
  readonly checks: number;
  /** Checks in a row that found the alarm OK, ending with this one. */
  readonly consecutiveOk: number;
  /** The alarm's state at this check; `MISSING` when the alarm no longer exists. */
  readonly lastState: AlarmState | 'MISSING';
  /** OK for `stablePeriods` checks in a row: the action worked. */
  readonly stable: boolean;
  /** The deadline passed without stability (or the alarm is gone): the action is to be rolled back. */
  readonly expired: boolean;
  /**
   * The deadline passed with the alarm in INSUFFICIENT_DATA: nothing shows the change failed (no
   * datapoint breaches), nor that it worked. The change is kept and a human is told; undoing it
   * would re-deploy what the alarm fired on.
   */
  readonly inconclusive?: boolean;
  /**
   * Seconds after the change by which the alarm must be stable, derived from the alarm itself and from
   * how long the change takes to finish (`ActionResult.settle`).
   */
  readonly deadlineSeconds?: number;
  /** Why it expired, for the ledger and the message to humans. */
  readonly reason?: string;
}

/**
 * A check's result as the execution state carries it. Before the first check the state machine seeds
 * it with zero counts and no state.
 */
export type VerificationState = Omit<VerificationResult, 'lastState'> & {
  readonly lastState?: VerificationResult['lastState'];
};

export interface VerifyInput {
  readonly request: RemediationRequest;
  readonly action: ActionResult;
  /** The previous check's result, or the seed; absent is the same as the seed. */
  readonly previous?: Pick<VerificationState, 'checks' | 'consecutiveOk'>;
  /** OK checks in a row that count as fixed. */
  readonly stablePeriods: number;
  /**
   * The shortest deadline, seconds after the action; a metric alarm's own timing may need longer
   * ({@link recoveryDeadlineSeconds}), and then gets it, after the action's settle time if it has one.
   */
  readonly deadlineSeconds: number;
}

/** An alarm's timing, as DescribeAlarms reports it. */
export interface AlarmTiming {
  /** Seconds per datapoint. */
  readonly period: number;
  readonly evaluationPeriods: number;
}

// Evaluations run on whole minutes, and a datapoint is published a little after its period ends.
const EVALUATION_SLACK_SECONDS = 120;

/**
 * How long after a working fix the alarm may still be in ALARM, in the worst case. With traffic, a
 * fix shows once Evaluation Periods − Datapoints to Alarm + 1 clean periods have passed; without
 * traffic (the metric stops, as Lambda's do when nothing invokes the function), CloudWatch keeps
 * evaluating the last real datapoints it can reach in its evaluation range (alarms-and-missing-data.md),
 * so the breaching ones age out only after the whole range. Simulated time with the alarm engine
 * (tests/constructs/remediation/verification-timing.test.ts) checks this for every offset of the fix
 * within a period.
 */
export function recoveryDeadlineSeconds(timing: AlarmTiming): number {
  return evaluationRange(timing.evaluationPeriods) * timing.period + EVALUATION_SLACK_SECONDS;
}

/**
 * One check of whether the action fixed what the alarm saw. The alarm itself is the judge: its
 * state already applies the threshold, periods and missing-data treatment the team chose for it,
 * and its own timing sets how long the check may take.
 */
export class AlarmVerifier {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(input: VerifyInput): Promise<VerificationResult> {
    const { request, action, previous, stablePeriods } = input;
    const checks = (previous?.checks ?? 0) + 1;
    const alarm = await this.describe(request.alarm.name);
    // Nothing left to judge the action by: undoing it is the safe side.
    if (alarm === undefined) {
      return {
        checks,
        consecutiveOk: 0,
        lastState: 'MISSING',
        stable: false,
        expired: true,
        reason: `alarm ${request.alarm.name} no longer exists, so the change cannot be verified`,
      };
    }
    const { state, timing } = alarm;
    const { seconds: deadlineSeconds, basis } = deadlineOf(input.deadlineSeconds, timing, action);
    const consecutiveOk = state === 'OK' ? (previous?.consecutiveOk ?? 0) + 1 : 0;
    const stable = consecutiveOk >= stablePeriods;
    const elapsedSeconds = (this.now().getTime() - Date.parse(action.completedAt)) / 1000;
    const expired = !stable && elapsedSeconds >= deadlineSeconds;
    const inconclusive = expired && state === 'INSUFFICIENT_DATA';
    return {
      checks,
      consecutiveOk,
      lastState: state,
      stable,
      expired,
      deadlineSeconds,
      ...(inconclusive && { inconclusive }),
      ...(expired && {
        reason:
          `alarm ${request.alarm.name} was ${state} ${Math.round(elapsedSeconds)} s after the change ` +
          `(${consecutiveOk} of ${stablePeriods} OK checks in a row; deadline ${deadlineSeconds} s${basis})`,
      }),
    };
  }

  /** The alarm's state and timing now; undefined when it no longer exists. */
  async describe(
    alarmName: string,
  ): Promise<{ readonly state: AlarmState; readonly timing?: AlarmTiming } | undefined> {
    const { MetricAlarms, CompositeAlarms } = await this.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    const metric = MetricAlarms?.[0];
    if (metric?.StateValue) return { state: metric.StateValue as AlarmState, timing: timingOf(metric) };
    const composite = CompositeAlarms?.[0];
    return composite?.StateValue ? { state: composite.StateValue as AlarmState } : undefined;
  }
}

/**
 * Seconds after the action by which the alarm must be stable, and where they come from (text to follow
 * "deadline N s"). Without a settle time: the configured minimum, or the alarm's recovery time if
 * longer. With one, the alarm cannot start recovering before the change has finished, so the deadline
 * is the settle time plus the alarm's recovery time (a composite alarm has no timing of its own to read:
 * the configured minimum stands in for it), and never less than the configured minimum.
 */
function deadlineOf(
  configured: number,
  timing: AlarmTiming | undefined,
  action: ActionResult,
): { readonly seconds: number; readonly basis: string } {
  const recovery = timing === undefined ? undefined : recoveryDeadlineSeconds(timing);
  const range =
    timing && `its ${evaluationRange(timing.evaluationPeriods)} × ${timing.period} s evaluation range`;
  const { settle } = action;
  if (settle === undefined) {
    return {
      seconds: Math.max(configured, recovery ?? 0),
      basis: recovery !== undefined && recovery >= configured ? `, from ${range}` : '',
    };
  }
  const forAlarm = recovery ?? configured;
  const alarmBasis =
    recovery === undefined
      ? `${minutes(forAlarm)} for the alarm (the configured minimum; a composite alarm has no timing to read)`
      : `${minutes(forAlarm)} for the alarm (${range})`;
  const seconds = Math.max(configured, settle.seconds + forAlarm);
  const sum = `${settle.basis} + ${alarmBasis}`;
  return {
    seconds,
    basis:
      settle.seconds + forAlarm < configured ? `, the configured minimum (more than ${sum})` : `: ${sum}`,
  };
}

/** Seconds as minutes where they are whole, e.g. `37 min`, `2 min 5 s`, `45 s`. */
function minutes(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)} min${rest === 0 ? '' : ` ${rest} s`}`;
}

/** A metric alarm's period (of its returned query for a math alarm) and evaluation periods. */
function timingOf(alarm: MetricAlarm): AlarmTiming | undefined {
  const returned = alarm.Metrics?.find((query) => query.ReturnData !== false);
  const periods = [
    alarm.Period,
    returned?.Period,
    returned?.MetricStat?.Period,
    ...(alarm.Metrics ?? []).map((q) => q.MetricStat?.Period),
  ];
  const period = periods.find((value): value is number => typeof value === 'number' && value > 0);
  const evaluationPeriods = alarm.EvaluationPeriods;
  if (period === undefined || evaluationPeriods === undefined) return undefined;
  return { period, evaluationPeriods };
}
