import type { RemediationRequest, TargetState } from '../remediation-types';
import { targetRefusal } from './admission';
import type { AlarmVerifier } from './verification';

/** Whether the run may still act: `proceed: false` ends it as `skipped`, with the reason. */
export type PreActCheck = { readonly proceed: true } | { readonly proceed: false; readonly reason: string };

/**
 * The last look before a change, minutes or an hour after admission (an approval may wait that
 * long): the target must still be opted in and not excluded (an operator may have tagged it
 * `vigil:do-not-remediate` meanwhile), and the alarm must still be in ALARM (it may have recovered
 * by itself, and a change then only adds risk).
 */
export async function checkBeforeAct(
  request: RemediationRequest,
  targetState: TargetState,
  alarms: Pick<AlarmVerifier, 'describe'>,
): Promise<PreActCheck> {
  const refusal = targetRefusal(request.target, targetState);
  if (refusal) return { proceed: false, reason: `${refusal.detail} (checked again right before acting)` };
  const alarm = await alarms.describe(request.alarm.name);
  if (alarm === undefined) {
    return { proceed: false, reason: `alarm ${request.alarm.name} no longer exists; nothing to fix` };
  }
  if (alarm.state !== 'ALARM') {
    return {
      proceed: false,
      reason: `alarm ${request.alarm.name} is ${alarm.state} again without any change; nothing to fix`,
    };
  }
  return { proceed: true };
}
