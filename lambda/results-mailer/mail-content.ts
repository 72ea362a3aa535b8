import type { FinishedUpload } from './stream-record';

/** A mail's subject, text body and HTML body. */
export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const OUTCOME = {
  SUCCEEDED: 'was scored',
  PARTIAL: 'was scored, with some rows rejected',
  FAILED: 'could not be scored',
} as const;

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The "results ready" mail. A FAILED upload's item already carries the scorer's message, written for
 * the person who uploaded (InputError messages; INTERNAL says it is retried), so it is quoted as is.
 * Without a site URL there is no result page to link, so the mail points to the site instead.
 */
export function resultsMail(upload: FinishedUpload, siteUrl: string | undefined): MailContent {
  const name = upload.fileName ?? upload.uploadId;
  const subject = `Your upload ${name} ${OUTCOME[upload.status]}`;
  const facts: [string, string][] = [
    ['File', name],
    ['Status', upload.status],
    ['Rows scored', String(upload.scored)],
    ['Rows rejected', String(upload.rejected)],
  ];
  if (upload.meanProbability !== null) {
    facts.push(['Mean arrest probability', upload.meanProbability.toFixed(3)]);
  }
  if (upload.modelVersion !== null) facts.push(['Model version', upload.modelVersion]);
  if (upload.status === 'FAILED') {
    facts.push(['What went wrong', upload.message ?? 'The file could not be scored.']);
    if (upload.errorCode !== undefined) facts.push(['Error code', upload.errorCode]);
  }
  const link =
    siteUrl === undefined
      ? undefined
      : `${siteUrl.replace(/\/$/, '')}/results/${encodeURIComponent(upload.uploadId)}`;
  const next =
    link === undefined ? 'Open the upload site to see the full result.' : `See the full result: ${link}`;
  const text = [
    subject,
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    next,
    '',
    'You get this mail because you uploaded the file. To stop these mails, ask an administrator to turn the results mail off on your account.',
  ].join('\n');
  const rows = facts
    .map(
      ([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  const action =
    link === undefined
      ? `<p>${escapeHtml(next)}</p>`
      : `<p><a href="${escapeHtml(link)}">See the full result</a></p>`;
  const html = `<!doctype html><html><body><p>${escapeHtml(subject)}</p><table>${rows}</table>${action}</body></html>`;
  return { subject, text, html };
}
