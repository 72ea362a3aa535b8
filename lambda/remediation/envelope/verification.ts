import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
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
  /** Seconds after the action completed by which the alarm must be stable. */
  readonly deadlineSeconds: number;
}

/**
 * One check of whether the action fixed what the alarm saw. The alarm itself is the judge: its
 * state already applies the threshold, periods and missing-data treatment the team chose for it.
 */
export class AlarmVerifier {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(input: VerifyInput): Promise<VerificationResult> {
    const { request, action, previous, stablePeriods, deadlineSeconds } = input;
    const checks = (previous?.checks ?? 0) + 1;
    const state = await this.alarmState(request.alarm.name);
    // Nothing left to judge the action by: undoing it is the safe side.
    if (state === undefined) {
      return {
        checks,
        consecutiveOk: 0,
        lastState: 'MISSING',
        stable: false,
        expired: true,
        reason: `alarm ${request.alarm.name} no longer exists, so the change cannot be verified`,
      };
    }
    const consecutiveOk = state === 'OK' ? (previous?.consecutiveOk ?? 0) + 1 : 0;
    const stable = consecutiveOk >= stablePeriods;
    const elapsedSeconds = (this.now().getTime() - Date.parse(action.completedAt)) / 1000;
    const expired = !stable && elapsedSeconds >= deadlineSeconds;
    return {
      checks,
      consecutiveOk,
      lastState: state,
      stable,
      expired,
      ...(expired && {
        reason:
          `alarm ${request.alarm.name} was ${state} ${Math.round(elapsedSeconds)} s after the change ` +
          `(${consecutiveOk} of ${stablePeriods} OK checks in a row; deadline ${deadlineSeconds} s)`,
      }),
    };
  }

  private async alarmState(alarmName: string): Promise<AlarmState | undefined> {
    const { MetricAlarms, CompositeAlarms } = await this.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    const alarm = MetricAlarms?.[0] ?? CompositeAlarms?.[0];
    return alarm?.StateValue as AlarmState | undefined;
  }
}
