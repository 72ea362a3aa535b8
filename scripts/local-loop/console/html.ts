/**
 * The console's page frame: one stylesheet and one script, both served by the console itself, and a
 * Content-Security-Policy that allows nothing from elsewhere (inline styles only, which the reports
 * the console embeds use).
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

/** A server-rendered page: `body` is trusted HTML (escape what it interpolates). */
export interface Page {
  readonly status?: number;
  readonly title: string;
  readonly body: string;
}

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Run'],
  ['/approvals', 'Approvals'],
  ['/dashboards', 'Dashboards'],
  ['/backtest', 'Backtest'],
  ['/cost-report', 'Cost report'],
];

export function layout(page: Page, options: { readonly polling?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Vigil local console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console.css">
${options.polling ? '<script src="/console.js" defer></script>' : ''}
</head><body>
<header><a class="brand" href="/">Vigil</a><nav>${NAV.map(([href, label]) => `<a href="${href}">${label}</a>`).join('')}</nav></header>
<main>
<h1>${escapeHtml(page.title)}</h1>
${page.body}
</main></body></html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}

/** A JSON value, pretty-printed in a `<pre>`. */
export function jsonBlock(value: unknown): string {
  return `<pre class="json">${escapeHtml(JSON.stringify(value, null, 2) ?? 'null')}</pre>`;
}

export function notFound(what: string): Page {
  return {
    status: 404,
    title: 'Not found',
    body: `<p>${escapeHtml(what)}</p><p><a href="/">Back to the run</a></p>`,
  };
}
