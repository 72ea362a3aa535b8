import { escapeHtml, type Page } from './html';

/** A run waiting for a person, with the (local) links that answer it. */
export interface PendingApproval {
  readonly runId: string;
  readonly playbook: string;
  readonly target: string;
  readonly approveUrl: string;
  readonly denyUrl: string;
  /** How it ended, once it did (`approved`, `not approved`). */
  answer?: string;
}

/** The approvals: each with Approve and Deny, which open the real approval function's pages. */
export function approvalsPage(approvals: readonly PendingApproval[]): Page {
  if (approvals.length === 0) {
    return {
      title: 'Approvals',
      body: '<p>No run has asked for approval. <span class="muted">This page refreshes while the run goes.</span></p>',
    };
  }
  const cards = approvals.map((approval) => {
    const actions =
      approval.answer === undefined
        ? `<p><a class="button approve" href="${escapeHtml(approval.approveUrl)}">Approve</a><a class="button deny" href="${escapeHtml(approval.denyUrl)}">Deny</a></p><p class="muted">Each button opens the approval function's page, which shows the exact calls and asks once more.</p>`
        : `<p>Answered: <strong>${escapeHtml(approval.answer)}</strong></p>`;
    return `<div class="card approval${approval.answer === undefined ? ' pending' : ''}"><h3>${escapeHtml(approval.playbook)}</h3><p>${escapeHtml(approval.target)}</p><p class="muted">Run ${escapeHtml(approval.runId)}</p>${actions}</div>`;
  });
  return { title: 'Approvals', body: `<div class="cards">${cards.join('')}</div>` };
}
