import { type EvidenceItem, PILLARS, type Review, type Statement, type Status } from './review-model';

const STATUS_CLASS: Record<Status, string> = { met: 'met', gap: 'gap', customer: 'customer' };

/** One self-contained HTML page (inline CSS, no scripts, no external assets), every value escaped. */
export function renderHtml(review: Review): string {
  const pillarStatements = review.statements.filter((statement) => statement.status !== 'customer');
  const customer = review.statements.filter((statement) => statement.status === 'customer');
  const gaps = pillarStatements.filter((statement) => statement.status === 'gap');
  const summaryRows = PILLARS.map((pillar) => {
    const of = pillarStatements.filter((statement) => statement.pillar === pillar);
    const met = of.filter((statement) => statement.status === 'met').length;
    return `<tr><td><a href="#${anchor(pillar)}">${escapeHtml(pillar)}</a></td><td>${of.length}</td><td>${met}</td><td>${of.length - met}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Well-Architected review: ${escapeHtml(review.environment)}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;color:#1f2933;max-width:1100px;margin:20px auto;padding:0 20px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e4e7eb;vertical-align:top}
h2{font-size:19px;margin-top:32px;border-bottom:2px solid #e4e7eb}h3{font-size:15px;margin-top:22px}
code{font-size:12px}.note{color:#52606d;font-size:12px}.numbers{font-size:13px}
.badge{display:inline-block;border-radius:3px;padding:1px 6px;font-size:11px;font-weight:bold;margin-right:6px;color:#fff}
.met{background:#2f8132}.gap{background:#c0392b}.customer{background:#3b6ea5}
</style></head><body>
<h1>Well-Architected review: ${escapeHtml(review.environment)}</h1>
<p>Computed from the synthesized templates of ${review.stacks.length} stacks (${review.stacks.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}), the compliance gate’s results and the environment’s config. Every number below is counted from them.</p>
<table><thead><tr><th>Pillar</th><th>Statements</th><th>Met</th><th>Gaps</th></tr></thead><tbody>${summaryRows.join('')}</tbody></table>
<h2 id="gaps">Gaps</h2>
${
  gaps.length === 0
    ? '<p>None.</p>'
    : `<ul>${gaps
        .map(
          (statement) =>
            `<li><a href="#${statement.id}"><b>${escapeHtml(statement.claim)}</b></a> (${escapeHtml(statement.pillar)}): ${
              statement.items.filter((item) => item.status === 'gap').length
            } resource(s). Fix: ${escapeHtml(statement.fix ?? '')}</li>`,
        )
        .join('\n')}</ul>`
}
${PILLARS.map(
  (pillar) =>
    `<h2 id="${anchor(pillar)}">${escapeHtml(pillar)}</h2>\n${pillarStatements
      .filter((statement) => statement.pillar === pillar)
      .map(renderStatement)
      .join('\n')}`,
).join('\n')}
<h2 id="shared-responsibility">The customer’s side of the shared-responsibility model</h2>
${customer
  .map(
    (statement) =>
      `<p>${escapeHtml(statement.claim)}</p><ul>${statement.items
        .map(
          (item) =>
            `<li><b>${escapeHtml(item.resource)}</b> (${escapeHtml(item.kind)}): ${escapeHtml(item.detail)}</li>`,
        )
        .join('')}</ul>`,
  )
  .join('\n')}
</body></html>
`;
}

function renderStatement(statement: Statement): string {
  const gaps = statement.items.filter((item) => item.status === 'gap');
  const practice = statement.bestPractice
    ? ` <a href="${escapeHtml(statement.bestPractice.url)}">${escapeHtml(statement.bestPractice.id)} ${escapeHtml(statement.bestPractice.title)}</a>`
    : '';
  return `<section id="${escapeHtml(statement.id)}"><h3><span class="badge ${STATUS_CLASS[statement.status]}">${statement.status}</span>${escapeHtml(statement.claim)}</h3>
<p class="note">Id <code>${escapeHtml(statement.id)}</code>.${practice}</p>
<p class="numbers">${statement.numbers.map((number) => `${escapeHtml(number.label)}: <b>${number.value}</b>`).join(' · ')}</p>
${gaps.length > 0 ? `<p><b>Gaps</b></p>${itemTable(gaps)}<p><b>Fix:</b> ${escapeHtml(statement.fix ?? '')}</p>` : ''}
${statement.items.length > 0 ? `<details><summary>All ${statement.items.length} resources</summary>${itemTable(statement.items)}</details>` : ''}
${statement.note ? `<p class="note">${escapeHtml(statement.note)}</p>` : ''}</section>`;
}

function itemTable(items: readonly EvidenceItem[]): string {
  return `<table><thead><tr><th>Resource</th><th>Kind</th><th>Evidence</th><th>Status</th><th>Recorded reason</th></tr></thead><tbody>${items
    .map(
      (item) =>
        `<tr><td><code>${escapeHtml(item.resource)}</code></td><td>${escapeHtml(item.kind)}</td><td>${escapeHtml(item.detail)}</td>` +
        `<td><span class="badge ${STATUS_CLASS[item.status]}">${item.status}</span></td><td>${escapeHtml(item.reason ?? '')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function anchor(pillar: string): string {
  return pillar.toLowerCase().replace(/[^a-z]+/g, '-');
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
