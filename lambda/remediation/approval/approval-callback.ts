import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../../shared/observability';
import { describeTarget } from '../envelope/admission';
import type { ApprovalLinks, ApprovalResult, LinkCheck } from '../envelope/approval-links';
import type { ApprovalView, RemediationLedger } from '../envelope/remediation-ledger';
import { describeCall } from '../envelope/run-notification';

export interface ApprovalCallbackDependencies {
  readonly links: Pick<ApprovalLinks, 'verifyLink'>;
  /** The ledger, where the envelope stored what the run would do before it asked. */
  readonly runs: Pick<RemediationLedger, 'approvalView'>;
  readonly stepFunctions: SFNClient;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** Step Functions' ways of saying the execution no longer waits for this token. */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * The approval function's URL: what the approve and deny links open.
 *
 * Opening a link (GET, HEAD) only shows what it would do and a button; the button (POST to the same
 * URL) decides. Mail scanners and link previews open every link in a message, and a GET that decided
 * would let them approve or deny a run before any human read it.
 */
export function createApprovalCallback(deps: ApprovalCallbackDependencies) {
  const now = deps.now ?? (() => new Date());
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      return page(405, 'Not allowed', 'Open the link from the message.', { allow: 'GET, HEAD, POST' });
    }
    const check = await deps.links.verifyLink(event.queryStringParameters ?? {}, now());
    if (!check.valid) {
      logger.warn('Approval link refused', { reason: check.reason, detail: check.detail });
      return refusedPage(check);
    }
    logger.appendKeys({ runId: check.runId });
    if (method !== 'POST') return confirmationPage(check, await runView(deps.runs, check.runId), event);

    const decidedAt = now().toISOString();
    const result: ApprovalResult = { approved: check.decision === 'approve', decidedBy: 'link', decidedAt };
    try {
      await deps.stepFunctions.send(
        new SendTaskSuccessCommand({ taskToken: check.taskToken, output: JSON.stringify(result) }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (ENDED_TASK_ERRORS.has(name)) {
        logger.info('Approval for a run that no longer waits', { error: name });
        return page(
          410,
          'This request already ended',
          'It was answered already, its time ran out (which counts as deny), or the run stopped. Nothing was changed by this click.',
        );
      }
      logger.error('Approval not delivered to Step Functions', { error });
      return page(
        500,
        'The answer was not recorded',
        'Vigil could not reach Step Functions. Try the link again; if it keeps failing, the request will time out as a deny.',
      );
    }
    logger.info('Approval decided', { ...result });
    return check.decision === 'approve'
      ? page(
          200,
          'Approved',
          `Self-healing goes ahead with run ${check.runId}. The outcome is posted on the alert's thread.`,
        )
      : page(200, 'Denied', `Run ${check.runId} will change nothing. The alarm is left to humans.`);
  };
}

/** The run as the ledger has it, or why it cannot be shown (the page still works without it). */
async function runView(
  runs: ApprovalCallbackDependencies['runs'],
  runId: string,
): Promise<ApprovalView | string> {
  try {
    return (await runs.approvalView(runId)) ?? 'the remediation ledger has no record of this run';
  } catch (error) {
    logger.warn('Run not read for the approval page', { error });
    return `the remediation ledger could not be read (${(error as Error).name})`;
  }
}

/**
 * What a link opens: who and what the decision is about (target, playbook, mode, alarm) and the exact
 * calls approval lets the run make, then the button. A run that already ended gets no button.
 */
function confirmationPage(
  check: Extract<LinkCheck, { valid: true }>,
  view: ApprovalView | string,
  event: APIGatewayProxyEventV2,
): APIGatewayProxyStructuredResultV2 {
  const verb = check.decision === 'approve' ? 'Approve' : 'Deny';
  if (typeof view !== 'string' && view.outcome !== undefined) {
    return page(
      410,
      'This request already ended',
      `Run ${check.runId} ended as ${view.outcome}. Nothing can be decided for it any more.`,
    );
  }
  const effect =
    check.decision === 'approve'
      ? 'Approving lets self-healing make exactly the calls below, then verify them against the alarm and roll them back if the alarm does not clear.'
      : 'Denying changes nothing and leaves the alarm to humans.';
  const details =
    typeof view === 'string'
      ? `<p><strong>The details cannot be shown:</strong> ${escapeHtml(view)}. The message that brought you here lists the calls.</p>`
      : runDetails(view);
  return page(
    200,
    `${verb} self-healing run ${check.runId}?`,
    `${effect} This link is valid until ${check.expiresAt.toISOString()}.`,
    {},
    // Posting the same query: the signature is checked again, so the button cannot decide anything else.
    `${details}<form method="post" action="?${escapeHtml(event.rawQueryString)}"><button type="submit">${verb}</button></form>`,
  );
}

function runDetails({ request, plan, approvalRequest }: ApprovalView): string {
  const rows: [string, string][] = [
    ['Target', describeTarget(request.target)],
    ['Playbook', request.playbook],
    [
      'Mode',
      request.mode === 'enforce'
        ? 'enforce: the calls are made once approved'
        : 'dry-run: the calls are only recorded, even if approved',
    ],
    ['Alarm', `${request.alarm.name} (${request.severity})`],
    ['Account and region', `${request.account} ${request.region}`],
    ...(approvalRequest ? ([['Asked at', approvalRequest.requestedAt]] as [string, string][]) : []),
  ];
  const table = `<table>${rows
    .map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('')}</table>`;
  const calls =
    plan === undefined
      ? '<p>The ledger holds no plan for this run; the message that brought you here lists the calls.</p>'
      : plan.calls.length === 0
        ? `<p>It would make no call${plan.nothingToDo ? `: ${escapeHtml(plan.nothingToDo)}` : ''}.</p>`
        : `<h2>The calls</h2><ol>${plan.calls
            .map(
              (call) =>
                `<li>${escapeHtml(describeCall(call))}<pre>${escapeHtml(JSON.stringify(call.parameters, null, 2))}</pre></li>`,
            )
            .join('')}</ol>`;
  return `${table}${calls}`;
}

function refusedPage(check: Extract<LinkCheck, { valid: false }>): APIGatewayProxyStructuredResultV2 {
  if (check.reason === 'expired') return page(410, 'This link has expired', capitalized(check.detail));
  return page(403, 'This link is not valid', `${capitalized(check.detail)}. Nothing was changed.`);
}

function page(
  statusCode: number,
  title: string,
  message: string,
  headers: Record<string, string> = {},
  trustedHtml = '',
): APIGatewayProxyStructuredResultV2 {
  const body = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>Vigil self-healing: ${escapeHtml(title)}</title></head>`,
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${trustedHtml}</body></html>`,
  ].join('\n');
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // The URL carries a task token: no cache may keep the page, no other site may learn the URL
      // from a Referer, and no page may frame the button to trick a click.
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
      ...headers,
    },
    body,
  };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
