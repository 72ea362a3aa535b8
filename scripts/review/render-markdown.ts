import { type EvidenceItem, PILLARS, type Review, type Statement, type Status } from './review-model';

const STATUS_TEXT: Record<Status, string> = { met: 'met', gap: 'GAP', customer: 'customer' };

/** The review as GitHub-flavoured Markdown: gaps first, then each pillar's statements with their evidence. */
export function renderMarkdown(review: Review): string {
  const pillarStatements = review.statements.filter((statement) => statement.status !== 'customer');
  const customer = review.statements.filter((statement) => statement.status === 'customer');
  const gaps = pillarStatements.filter((statement) => statement.status === 'gap');
  const lines = [
    `# Well-Architected review: ${text(review.environment)}`,
    '',
    `Computed from the synthesized templates of ${review.stacks.length} stacks (${review.stacks.map(code).join(', ')}), ` +
      'the compliance gate’s results and the environment’s config. Every number below is counted from them.',
    '',
    '| Pillar | Statements | Met | Gaps |',
    '| --- | ---: | ---: | ---: |',
    ...PILLARS.map((pillar) => {
      const of = pillarStatements.filter((statement) => statement.pillar === pillar);
      const met = of.filter((statement) => statement.status === 'met').length;
      return `| ${pillar} | ${of.length} | ${met} | ${of.length - met} |`;
    }),
    '',
    '## Gaps',
    '',
    ...(gaps.length === 0
      ? ['None.', '']
      : gaps.flatMap((statement) => [
          `- **${text(statement.claim)}** (${statement.pillar}): ${statement.items.filter((i) => i.status === 'gap').length} ` +
            `resource(s). Fix: ${text(statement.fix ?? '')}`,
        ])),
    '',
    ...PILLARS.flatMap((pillar) => [
      `## ${pillar}`,
      '',
      ...pillarStatements.filter((statement) => statement.pillar === pillar).flatMap(renderStatement),
    ]),
    '## The customer’s side of the shared-responsibility model',
    '',
    ...customer.flatMap((statement) => [
      text(statement.claim),
      '',
      ...statement.items.map(
        (item) => `- **${text(item.resource)}** (${text(item.kind)}): ${text(item.detail)}`,
      ),
      '',
    ]),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function renderStatement(statement: Statement): string[] {
  const gaps = statement.items.filter((item) => item.status === 'gap');
  const practice = statement.bestPractice
    ? ` [${statement.bestPractice.id} ${text(statement.bestPractice.title)}](${statement.bestPractice.url})`
    : '';
  return [
    `### [${STATUS_TEXT[statement.status]}] ${text(statement.claim)}`,
    '',
    `Id \`${statement.id}\`.${practice}`,
    '',
    statement.numbers.map((number) => `${text(number.label)}: **${number.value}**`).join(' · '),
    '',
    ...(gaps.length > 0
      ? ['**Gaps**', '', ...itemTable(gaps), '', `**Fix:** ${text(statement.fix ?? '')}`, '']
      : []),
    ...(statement.items.length > 0
      ? [
          `<details><summary>All ${statement.items.length} resources</summary>`,
          '',
          ...itemTable(statement.items),
          '',
          '</details>',
          '',
        ]
      : []),
    ...(statement.note ? [`_${text(statement.note)}_`, ''] : []),
  ];
}

function itemTable(items: readonly EvidenceItem[]): string[] {
  return [
    '| Resource | Kind | Evidence | Status | Recorded reason |',
    '| --- | --- | --- | --- | --- |',
    ...items.map(
      (item) =>
        `| ${code(item.resource)} | ${text(item.kind)} | ${text(item.detail)} | ${STATUS_TEXT[item.status]} | ${text(item.reason ?? '')} |`,
    ),
  ];
}

/** Text safe in a Markdown table cell: Markdown's punctuation and HTML's angle brackets escaped, one line. */
function text(value: string): string {
  return value.replace(/[\\`*_[\]|<>#]/g, (character) => `\\${character}`).replace(/\r?\n/g, ' ');
}

/** A code span that cannot be closed early by a backtick in the value, nor break a table cell. */
function code(value: string): string {
  return `\`${value.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}
