import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import type { Outcome } from '../../../constructs/contracts/remediation';
import { snsSubject, truncateText } from '../../shared/message-text';
import type { PlannedCall } from '../remediation-types';
import { describeTarget } from './admission';
import type { SeverityTopics } from './envelope-config';
import type { RemediationRun, RunError } from './remediation-ledger';

/** Outcomes after which the alarm is still not fixed and a change may be half made: someone must look now. */
export const ESCALATED_OUTCOMES: readonly Outcome[] = ['rolled-back', 'stopped', 'timed-out', 'failed'];

const HEADLINES: Record<Outcome, string> = {
  remediated: 'fixed',
  'dry-run': 'dry run',
  refused: 'refused to act',
  'nothing-to-do': 'found nothing safe to do',
  skipped: 'did not act',
  denied: 'denied',
  'approval-timed-out': 'approval timed out',
  'rolled-back': 'rolled back, humans must act',
  unverified: 'change kept, not verified',
  'target-changed': 'stopped: someone else changed the target',
  stopped: 'stopped before it finished, humans must act',
  'timed-out': 'timed out before it finished, humans must act',
  failed: 'failed, humans must act',
};

// Parameters and errors are quoted so humans see exactly what was (or would be) called; a bound keeps
// a huge parameter (a redriven message body) from pushing the rest out of the message.
const MAX_PARAMETERS_LENGTH = 1000;
const MAX_CAUSE_LENGTH = 1000;
/** Well under SNS's 256 KiB, which counts the subject and attributes too. */
const MAX_MESSAGE_LENGTH = 200_000;

export interface OutcomeMessage {
  readonly subject: string;
  readonly text: string;
}

/**
 * Tells the alert's thread what self-healing did: on the request's severity topic with the `episode`
 * attribute the alert was sent with, and for an outcome that leaves the alarm unfixed also on the
 * critical topic, so it pages whatever the alarm's own severity.
 */
export class RunNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: SeverityTopics,
  ) {}

  /** Sends the run's report; `note` adds a line about the record itself (e.g. the ledger being down). */
  async notifyOutcome(outcome: Outcome, run: RemediationRun, note?: string): Promise<void> {
    const message = outcomeMessage(outcome, run, note);
    const { severity } = run.request;
    const destinations: AlarmSeverity[] = [severity];
    if (ESCALATED_OUTCOMES.includes(outcome) && severity !== 'critical') destinations.push('critical');
    await Promise.all(
      destinations.map((destination) =>
        this.sns.send(
          new PublishCommand({
            TopicArn: this.topics[destination],
            Subject: message.subject,
            Message: message.text,
            MessageAttributes: {
              severity: { DataType: 'String', StringValue: destination },
              episode: { DataType: 'String', StringValue: run.request.episodeId },
              kind: { DataType: 'String', StringValue: 'remediation-outcome' },
              outcome: { DataType: 'String', StringValue: outcome },
            },
          }),
        ),
      ),
    );
  }
}

/** The message for a finished run, in words a person paged at night can act on. */
export function outcomeMessage(outcome: Outcome, run: RemediationRun, note?: string): OutcomeMessage {
  const { request } = run;
  const target = describeTarget(request.target);
  const lines = [
    `Alarm: ${request.alarm.name} (${request.severity})`,
    `Playbook: ${request.playbook} in ${request.mode} mode on ${target}`,
    '',
    ...outcomeLines(outcome, run),
    ...(note === undefined ? [] : ['', note]),
    '',
    `Run ${request.runId}, requested ${request.requestedAt}; episode ${request.episodeId}.`,
  ];
  return {
    subject: snsSubject(`Self-healing ${HEADLINES[outcome]}: ${request.alarm.name}`),
    text: truncateText(lines.join('\n'), MAX_MESSAGE_LENGTH),
  };
}

function outcomeLines(outcome: Outcome, run: RemediationRun): string[] {
  switch (outcome) {
    case 'dry-run':
      return [
        'Dry run: nothing was changed. In enforce mode self-healing would have made these calls:',
        ...callLines(run.plan?.calls ?? []),
      ];
    case 'refused': {
      const admission = run.admission;
      const why = admission && !admission.admitted ? `${admission.refusal}: ${admission.detail}` : 'refused';
      return [`Self-healing did not act (${why}). Nothing was changed.`];
    }
    case 'nothing-to-do':
      return [
        `Nothing safe to do: ${run.plan?.nothingToDo ?? 'the plan is empty'}. Nothing was changed.`,
        'The alarm is still firing and needs a human.',
      ];
    case 'skipped':
      return [
        `Nothing was changed: ${run.preActCheck?.proceed === false ? run.preActCheck.reason : 'the last check before acting said no'}.`,
      ];
    case 'denied': {
      const by = run.approvalResult?.decidedBy ? ` by ${run.approvalResult.decidedBy}` : '';
      const at = run.approvalResult ? ` at ${run.approvalResult.decidedAt}` : '';
      return [`The change was denied${by}${at}. Nothing was changed; the alarm needs a human.`];
    }
    case 'approval-timed-out':
      return [
        'Nobody answered the approval request before it expired, which counts as deny.',
        'Nothing was changed; the alarm needs a human.',
      ];
    case 'remediated':
      return [
        'These calls were made:',
        ...callLines(run.action?.calls ?? []),
        '',
        `The alarm has been OK for ${run.verification?.consecutiveOk ?? 0} checks in a row since the change.`,
      ];
    case 'unverified':
      return [
        'These calls were made:',
        ...callLines(run.action?.calls ?? []),
        '',
        `The change is kept but not verified: ${run.verification?.reason ?? 'the alarm had no data at the deadline'}.`,
        'No datapoint says it failed, so undoing it would bring back what the alarm fired on. Check the target.',
      ];
    case 'rolled-back':
      return [
        ...rolledBackLines(run),
        '',
        'HUMANS MUST ACT: the alarm is not fixed and self-healing has stopped.',
      ];
    case 'target-changed':
      return [
        `${errorText(run.error)}.`,
        ...(run.action?.calls.length
          ? ['These calls of this run are in effect:', ...callLines(run.action.calls)]
          : ['This run changed nothing.']),
        'It made no further change and did not roll back: whoever changed the target is acting on it. The alarm needs a human.',
      ];
    case 'stopped':
    case 'timed-out':
      return [
        outcome === 'stopped'
          ? 'The run was stopped (StopExecution) before it could finish: nothing verified, nothing rolled back.'
          : 'The run reached its state machine timeout before it could finish: nothing verified, nothing rolled back.',
        ...(run.action?.calls.length
          ? ['These calls had been made and are still in effect:', ...callLines(run.action.calls)]
          : ['Whether its change was made is not recorded: read the execution history before acting.']),
        '',
        'HUMANS MUST ACT: check the target; self-healing has stopped.',
      ];
    case 'failed':
      if (run.rollbackError !== undefined) {
        return [
          `Rolling back failed: ${errorText(run.rollbackError)}.`,
          run.error === undefined
            ? `It rolled back because the change did not fix the alarm: ${run.verification?.reason ?? 'it was not OK by the deadline'}.`
            : `It rolled back because making the change failed: ${errorText(run.error)}.`,
          ...changesOfFailedRun(run),
          '',
          'HUMANS MUST ACT: the change may still be in effect and self-healing has stopped.',
        ];
      }
      return [
        `Self-healing failed: ${errorText(run.error)}.`,
        ...changesOfFailedRun(run),
        '',
        'HUMANS MUST ACT: the alarm is not fixed and self-healing has stopped.',
      ];
  }
}

/**
 * Why the change was undone: it did not fix the alarm in time, or making it failed part-way (then the
 * state machine restores the snapshot, with no completed calls to name).
 */
function rolledBackLines(run: RemediationRun): string[] {
  const undone = ['The target was restored with these calls:', ...callLines(run.rollback?.calls ?? [])];
  if (run.error !== undefined) {
    return [
      `Making the change failed: ${errorText(run.error)}.`,
      'Some of these planned calls may have been made before it failed:',
      ...callLines(run.plan?.calls ?? []),
      '',
      ...undone,
    ];
  }
  return [
    `The change did not fix the alarm: ${run.verification?.reason ?? 'it was not OK by the deadline'}.`,
    'The change:',
    ...callLines(run.action?.calls ?? []),
    '',
    ...undone,
  ];
}

/** What a failed run may have left behind; whoever picks it up starts from this. */
function changesOfFailedRun(run: RemediationRun): string[] {
  if (run.rollback) {
    return [
      'The change was undone with these calls:',
      ...callLines(run.rollback.calls),
      'The change that was undone:',
      ...callLines(run.action?.calls ?? []),
    ];
  }
  if (run.action && run.action.calls.length > 0) {
    return ['These calls were made and were NOT undone:', ...callLines(run.action.calls)];
  }
  if (mayHaveActed(run) && run.plan) {
    return [
      'It may have failed while making these calls, so some of them may have been made and were NOT undone: ' +
        'check the target.',
      ...callLines(run.plan.calls),
    ];
  }
  return ['Nothing was changed before the failure.'];
}

/** Whether the run got as far as acting: enforced, something to do, and approved when it had to be. */
function mayHaveActed(run: RemediationRun): boolean {
  return (
    run.request.mode === 'enforce' &&
    run.plan !== undefined &&
    run.plan.nothingToDo === undefined &&
    run.plan.calls.length > 0 &&
    (!run.request.approval || run.approvalResult?.approved === true)
  );
}

function callLines(calls: readonly PlannedCall[]): string[] {
  if (calls.length === 0) return ['  (no calls)'];
  return calls.flatMap((call, index) => [
    `  ${index + 1}. ${describeCall(call)}`,
    `     ${truncateText(JSON.stringify(call.parameters), MAX_PARAMETERS_LENGTH)}`,
  ]);
}

/** One call in words: `point live back to version 6 (lambda UpdateAlias)`. */
export function describeCall(call: PlannedCall): string {
  return `${call.reason} (${call.service} ${call.action})`;
}

/** The Catch's error; a Lambda's Cause is JSON whose `errorMessage` is what matters. */
function errorText(error: RunError | undefined): string {
  if (error === undefined) return 'no error was recorded';
  let cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // Not JSON: the Cause is already a sentence.
  }
  return cause ? `${error.Error}: ${truncateText(cause, MAX_CAUSE_LENGTH)}` : error.Error;
}
