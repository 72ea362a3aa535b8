import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsSubject } from '../../shared/message-text';
import type { RemediationPlan, RemediationRequest } from '../remediation-types';
import { describeTarget } from './admission';
import type { ApprovalLinks } from './approval-links';
import type { SeverityTopics } from './envelope-config';
import type { RemediationLedger } from './remediation-ledger';
import { describeCall } from './run-notification';

export interface ApprovalRequesterOptions {
  readonly sns: SNSClient;
  readonly links: ApprovalLinks;
  readonly topics: SeverityTopics;
  /** The approval function's URL. */
  readonly approvalUrl: string;
  /** How long the links are valid; the state machine's approval task times out at the same moment. */
  readonly ttlSeconds: number;
  /** Where the plan is kept for the page the links open. */
  readonly ledger: Pick<RemediationLedger, 'recordApprovalRequest'>;
  readonly now?: () => Date;
}

/** What the request sent, for the log (Step Functions ignores a waitForTaskToken task's own result). */
export interface ApprovalRequested {
  readonly requestedAt: string;
  readonly expiresAt: string;
}

/**
 * Asks a human whether the plan may go ahead: one message on the alert's thread with what exactly
 * would be done and a signed approve and deny link; the ledger keeps the plan for the page they open. Silence is a no: the execution times out into
 * `approval-timed-out` when the links expire.
 */
export class ApprovalRequester {
  constructor(private readonly options: ApprovalRequesterOptions) {}

  async requestApproval(
    request: RemediationRequest,
    plan: RemediationPlan,
    taskToken: string,
  ): Promise<ApprovalRequested> {
    const { sns, links, topics, approvalUrl, ttlSeconds, ledger } = this.options;
    const now = this.options.now?.() ?? new Date();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    // Stored before the message exists, so no link can open a page that does not know the plan.
    await ledger.recordApprovalRequest(request.runId, plan, {
      requestedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    const link = (decision: 'approve' | 'deny') =>
      links.link(approvalUrl, { runId: request.runId, taskToken, decision, expiresAt });
    const [approve, deny] = await Promise.all([link('approve'), link('deny')]);
    const target = describeTarget(request.target);
    const text = [
      `Self-healing asks for approval to run playbook ${request.playbook} on ${target}`,
      `for alarm ${request.alarm.name} (${request.severity}).`,
      '',
      'It would:',
      ...plan.calls.map((call, index) => `  ${index + 1}. ${describeCall(call)}`),
      '',
      `Approve: ${approve}`,
      '',
      `Deny: ${deny}`,
      '',
      `The links expire at ${expiresAt.toISOString()} (in ${Math.round(ttlSeconds / 60)} min). ` +
        'No answer counts as deny.',
      '',
      `Run ${request.runId}; episode ${request.episodeId}.`,
    ].join('\n');
    await sns.send(
      new PublishCommand({
        TopicArn: topics[request.severity],
        Subject: snsSubject(`Approve self-healing? ${request.playbook} on ${target}`),
        Message: text,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: request.severity },
          episode: { DataType: 'String', StringValue: request.episodeId },
          kind: { DataType: 'String', StringValue: 'remediation-approval' },
        },
      }),
    );
    return { requestedAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  }
}
