import { functionUrlEvent, functionUrlResponse } from '../function-url-event';
import { type LocalRun, MINUTE, onWatchedFunctions, openLocalRun } from '../local-run';
import type { RunConsole, Scenario } from '../scenario';
import type { PublishedMessage } from '../sns-stand-in';
import type { WaitingTask } from '../task-tokens';
import { PREDICTOR_API, playBadRelease } from './bad-model-release';

/** On-call reads the request and decides after this long (simulated). */
const ON_CALL_READS_FOR = 4 * MINUTE;
/** Simulated time moves in steps of this while the request waits for on-call. */
const STEP = 10_000;

export const needsApproval: Scenario = {
  name: 'needs-approval',
  description:
    'the bad model release, with the alias rollback in approval mode: the run asks on-call through signed links, on-call approves (at the console with --serve), the alias is rolled back, the episode resolves',
  run: async (options) => {
    const run = await openLocalRun({
      ...options,
      config: {
        remediation: {
          mode: 'dry-run',
          playbooks: { 'lambda-alias-rollback': { mode: 'enforce', approval: true } },
        },
      },
      watch: [PREDICTOR_API],
      evaluates: onWatchedFunctions,
    });
    try {
      const approval = answerApprovals(run, options.console);
      const played = await playBadRelease(run, options.timelineStart, 'needs-approval');
      return {
        ...played,
        notes: [
          options.console
            ? 'approval: answered by a person at the console, through the real approval function'
            : `approval: answered as on-call would, ${ON_CALL_READS_FOR / MINUTE} min after the request, by opening the approve link and pressing its button (the real approval function, GET then POST)`,
          ...played.notes,
        ],
        failures: [
          ...(approval.requested === 0 ? ['no approval was requested'] : []),
          ...(approval.approved === 0 ? ['the remediation was never approved'] : []),
          ...played.failures,
        ],
      };
    } finally {
      await run.close();
    }
  },
};

/**
 * Answers each approval request the run publishes. Without a console, as on-call would: after
 * {@link ON_CALL_READS_FOR} of simulated time, open the approve link through the real approval
 * function and press the button its page shows. With a console: mount the function on it, show the
 * request, and wait (wall time) for the person's click.
 */
function answerApprovals(run: LocalRun, console: RunConsole | undefined) {
  const counts = { requested: 0, approved: 0 };
  const handled = new Set<PublishedMessage>();
  let asked: { at: number; request: ApprovalRequest } | undefined;
  const localUrl = console?.mountFunctionUrl(run.loop.approval.deployedUrl, run.loop.approval.handler);

  run.loop.whileTasksWait(async (task: WaitingTask) => {
    const message = run.published.find(
      (candidate) => candidate.attributes.kind === 'remediation-approval' && !handled.has(candidate),
    );
    if (message) {
      handled.add(message);
      const request = readApprovalRequest(message);
      counts.requested += 1;
      asked = { at: run.now(), request };
      run.timeline.add(
        run.now(),
        `approval requested: approve ${request.approveUrl} / deny ${request.denyUrl}`,
      );
      if (console && localUrl) {
        const local = (url: string) => url.replace(run.loop.approval.deployedUrl, localUrl);
        console.awaitingApproval({
          runId: request.runId,
          playbook: request.playbook,
          target: request.target,
          approveUrl: local(request.approveUrl),
          denyUrl: local(request.denyUrl),
        });
      }
    }
    if (console && asked) {
      // A person decides: simulated time stands still until the click.
      const answer = await task.answered;
      const approved = answer.succeeded && (answer.output as { approved?: boolean }).approved === true;
      if (approved) counts.approved += 1;
      run.timeline.add(
        run.now(),
        `approval answered at the console: ${approved ? 'approved' : 'not approved'}`,
      );
      console.approvalAnswered(asked.request.runId, approved ? 'approved' : 'not approved');
      asked = undefined;
      return;
    }
    if (asked && run.now() >= asked.at + ON_CALL_READS_FOR) {
      const decided = await openAsOnCall(run, asked.request.approveUrl);
      run.timeline.add(run.now(), `on-call approved: ${decided}`);
      if (task.answer()?.succeeded) counts.approved += 1;
      asked = undefined;
      return;
    }
    await run.advance(STEP);
  });
  return counts;
}

interface ApprovalRequest {
  readonly runId: string;
  readonly playbook: string;
  readonly target: string;
  readonly approveUrl: string;
  readonly denyUrl: string;
}

/** The links and the run from the request message (approval-request.ts writes it). */
function readApprovalRequest(message: PublishedMessage): ApprovalRequest {
  const approveUrl = /^Approve: (\S+)$/m.exec(message.message)?.[1];
  const denyUrl = /^Deny: (\S+)$/m.exec(message.message)?.[1];
  const asks = /playbook (\S+) on (\S+)/.exec(message.message);
  if (!approveUrl || !denyUrl || !asks) {
    throw new Error(`the approval request has no approve and deny links:\n${message.message}`);
  }
  return {
    runId: new URL(approveUrl).searchParams.get('run') ?? '',
    playbook: asks[1] ?? '',
    target: asks[2] ?? '',
    approveUrl,
    denyUrl,
  };
}

/**
 * Opens `link` as a browser would, through the real approval function: the GET, then, if the page
 * it answers has a form that posts, the POST the button sends. Returns the last page's title.
 */
async function openAsOnCall(run: LocalRun, link: string): Promise<string> {
  const { handler } = run.loop.approval;
  const now = new Date(run.now());
  const opened = functionUrlResponse(
    await handler(functionUrlEvent({ method: 'GET', url: new URL(link), headers: BROWSER }, now)),
  );
  const page = opened.body.toString('utf8');
  const form = /<form method="post" action="([^"]*)"/.exec(page);
  if (opened.statusCode !== 200 || !form?.[1]) {
    return `the link answered ${opened.statusCode}: ${titleOf(page)}`;
  }
  const action = new URL(unescapeHtml(form[1]), link);
  const posted = functionUrlResponse(
    await handler(
      functionUrlEvent(
        {
          method: 'POST',
          url: action,
          headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded', origin: action.origin },
          body: Buffer.alloc(0),
        },
        now,
      ),
    ),
  );
  return `${titleOf(posted.body.toString('utf8'))} (${posted.statusCode})`;
}

const BROWSER = { 'user-agent': 'vigil-local-loop on-call', accept: 'text/html' };

function titleOf(page: string): string {
  return unescapeHtml(/<h1>([^<]*)<\/h1>/.exec(page)?.[1] ?? '(no title)');
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}
