import { renderHtml } from '../../../scripts/review/render-html';
import { renderMarkdown } from '../../../scripts/review/render-markdown';
import { PILLARS, type Review } from '../../../scripts/review/review-model';

const HOSTILE = '<script>alert(1)</script> | `tick` *bold* & "quoted"';

const review: Review = {
  environment: 'test',
  stacks: ['vigil-test-core'],
  statements: [
    {
      id: 'encryption-at-rest',
      pillar: 'Security',
      claim: `Stores are encrypted ${HOSTILE}`,
      bestPractice: {
        id: 'SEC08-BP02',
        title: 'Enforce encryption at rest',
        url: 'https://docs.aws.amazon.com/x',
      },
      status: 'gap',
      numbers: [{ key: 'stores', label: 'data stores', value: 2 }],
      items: [
        { resource: 'vigil-test-core/Plain|Bucket', kind: 'S3 bucket', detail: HOSTILE, status: 'gap' },
        {
          resource: 'vigil-test-core/Logs',
          kind: 'S3 bucket',
          detail: 'SSE-S3',
          status: 'met',
          reason: `why ${HOSTILE}`,
        },
      ],
      fix: `Encrypt it ${HOSTILE}`,
    },
    {
      id: 'budgets',
      pillar: 'Cost optimization',
      claim: 'A budget notifies.',
      status: 'met',
      numbers: [{ key: 'budgets', label: 'budgets', value: 1 }],
      items: [],
    },
    {
      id: 'shared-responsibility',
      pillar: 'Security',
      claim: 'What the account owner does.',
      status: 'customer',
      numbers: [],
      items: [
        { resource: 'account: root user', kind: 'identity', detail: `MFA ${HOSTILE}`, status: 'customer' },
      ],
    },
  ],
};

describe('review renderings', () => {
  test('HTML escapes every value, is self-contained and has every pillar and the customer section', () => {
    const html = renderHtml(review);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/);
    expect(html).not.toMatch(/\ssrc=/);
    for (const pillar of PILLARS) expect(html).toContain(`>${pillar}</h2>`);
    expect(html).toContain('The customer’s side of the shared-responsibility model');
    expect(html).toContain('MFA &#60;script&#62;');
    expect(html).toContain('<span class="badge gap">gap</span>');
  });

  test('Markdown escapes table cells and HTML, lists gaps with their fix, and has every pillar', () => {
    const markdown = renderMarkdown(review);
    expect(markdown).not.toContain('<script>');
    for (const pillar of PILLARS) expect(markdown).toContain(`\n## ${pillar}\n`);
    // A row keeps its five cells: every pipe inside a value is escaped.
    const row = markdown.split('\n').find((line) => line.startsWith('| `vigil-test-core/Plain'));
    expect(row?.split(/(?<!\\)\|/).length).toBe(7);
    const gaps = markdown.slice(markdown.indexOf('## Gaps'), markdown.indexOf('## Operational excellence'));
    expect(gaps).toContain('Fix: Encrypt it \\<script\\>');
    expect(markdown).toContain('[SEC08-BP02 Enforce encryption at rest](https://docs.aws.amazon.com/x)');
    // The customer's statements get their own section, not a pillar's.
    expect(markdown.indexOf('MFA')).toBeGreaterThan(markdown.indexOf('## The customer’s side'));
  });
});
