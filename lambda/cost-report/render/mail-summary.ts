import type { CostReport } from '../cost-report-model';
import { escapeHtml, monthName } from './report-html';

/**
 * The mail when the whole report would be too large for a mail client to show unclipped: the
 * headline, the figures and the link to the full report, a few kilobytes whatever the account.
 */
export function renderMailSummaryHtml(
  report: CostReport,
  summary: {
    readonly headline: string;
    readonly lines: readonly string[];
    readonly link: string;
    readonly linkLine: string;
  },
): string {
  const title = `AWS cost report, ${monthName(report.period.month)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#1f2933;font-size:14px;line-height:1.45;">
<h1 style="font-size:20px;">${escapeHtml(title)}</h1>
<p><strong>${escapeHtml(summary.headline)}</strong></p>
<ul>${summary.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>
<p>The full report, with every service, tag and note, is too large to mail whole: <a href="${escapeHtml(summary.link)}">open the full report</a>.</p>
<p style="font-size:12px;color:#52606d;">${escapeHtml(summary.linkLine.replace(/: \S+$/, '.'))}</p>
</body>
</html>
`;
}
