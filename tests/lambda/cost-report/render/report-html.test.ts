import type { CostReport } from '../../../../lambda/cost-report/cost-report-model';
import {
  formatDay,
  formatMoney,
  formatMoneyChange,
  formatPercentChange,
} from '../../../../lambda/cost-report/money';
import type { CostCharts } from '../../../../lambda/cost-report/render/cost-charts';
import { renderReportHtml } from '../../../../lambda/cost-report/render/report-html';
import { costReport } from './report-fixture';

/** Stand-ins: the charts have their own tests, and three small SVGs keep these fast. */
const charts: CostCharts = {
  trend: '<svg width="640" height="260"><text>trend</text></svg>',
  movers: '<svg width="640" height="180"><text>movers</text></svg>',
  services: '<svg width="640" height="300"><text>services</text></svg>',
};

function html(overrides: Partial<CostReport> = {}): string {
  return renderReportHtml(costReport(overrides), charts);
}

describe('renderReportHtml', () => {
  const page = html();

  it('is one self-contained document an email client renders as written', () => {
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<style/i);
    expect(page).not.toMatch(/class=/i);
    expect(page).not.toMatch(/<link|<img|<iframe|@import|\b(src|href)=|url\(/i);
    expect(page).not.toMatch(/https?:/i);
    expect(page.match(/<svg /g)).toHaveLength(3);
    expect(page).toContain('<text>trend</text>');
  });

  it('lays the sections out in the order a reader needs them', () => {
    const headings = [
      'AWS cost report',
      'Bill, March 2025',
      'Usage, before credits and tax',
      'Forecast, April 2025',
      'Budget <strong>Monthly AWS</strong>',
      '12-month trend',
      'Top movers',
      'Anomalies',
      'Usage by service',
      'Credits, refunds, tax and fees',
      'Cost by tag',
      'Vigil’s own cost',
      'Cost of this report',
      'Notes',
    ].map((heading) => page.indexOf(heading));
    expect(headings.every((position) => position >= 0)).toBe(true);
    expect([...headings].sort((a, b) => a - b)).toEqual(headings);
  });

  it('states the headline: the bill $9,600.54 (+$221.59, +2.4%), usage $9,720.54 (+$321.59, +3.4%), the forecast and its interval', () => {
    expect(page).toContain('$9,600.54');
    expect(page).toContain('+$221.59 (+2.4%) vs Feb 2025');
    expect(page).toContain('$9,720.54');
    expect(page).toContain('+$321.59 (+3.4%) vs Feb 2025');
    expect(page).toContain('$9,950.00');
    expect(page).toContain('80% interval:</div>');
    expect(page).toContain('$9,420.50 – $10,480.25');
    expect(page).toContain('Near the limit');
    expect(page).toContain('$9,599.84 of $10,000.00 in March 2025 (96.0%)');
  });

  it('escapes every text that came from the data', () => {
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    const hostile = html({
      services: [
        {
          service: 'S3 <b>"bucket"</b> & co',
          lastMonth: 1,
          monthBefore: 1,
          change: 0,
          changePercent: 0,
          status: 'continuing',
          amortizedLastMonth: 1,
        },
      ],
      notes: ['<img src=x onerror=alert(1)>'],
      budgets: [
        {
          name: '<i>team</i>',
          periodStart: '2025-03-01',
          periodEnd: '2025-04-01',
          limit: 10,
          actual: 1,
          percentUsed: 10,
        },
      ],
    });
    expect(hostile).toContain('S3 &#60;b&#62;&#34;bucket&#34;&#60;/b&#62; &#38; co');
    expect(hostile).not.toMatch(/<img|<b>|<i>/);
  });

  it('writes n/a for a percentage of nothing, and marks new and gone services', () => {
    expect(page).toMatch(/Amazon Bedrock <span [^>]*>NEW<\/span>.*?n\/a/s);
    expect(page).toMatch(/Amazon OpenSearch Service <span [^>]*>GONE<\/span>/);
  });

  it('shows credits in their own section, as negative amounts with a true minus sign, with the services they were booked on', () => {
    const credits = page.slice(page.indexOf('Credits, refunds, tax and fees'));
    expect(credits).toMatch(/Credits<div[^>]*>Refund, &#34;goodwill&#34; credit −\$120\.00<\/div>/);
    expect(credits).toMatch(/>Bill<.*\$9,600\.54/s);
  });

  it('prints an account billed in yuan in ¥, never in $', () => {
    const page = html({ currency: 'CNY', apiCost: { requests: 9, usd: 0.09 } });
    expect(page).toContain('¥9,600.54');
    expect(page).not.toContain('$');
  });

  it('marks a dismissed anomaly and does not count it', () => {
    const [anomaly] = costReport().anomalies;
    const page = html({
      anomalies: [
        anomaly as NonNullable<typeof anomaly>,
        { ...(anomaly as NonNullable<typeof anomaly>), id: 'dismissed', feedback: 'NO', dismissed: true },
      ],
    });
    expect(page).toContain('1 anomaly; 1 more dismissed in Cost Explorer (marked, not counted).');
    expect(page).toContain('Dismissed: not an issue');
  });

  it('explains a missing forecast instead of showing a number', () => {
    const page = html({ forecast: { unavailable: 'Cost Explorer needs more history for this account.' } });
    expect(page).toContain('No forecast for April 2025: Cost Explorer needs more history for this account.');
    expect(page).not.toContain('interval:');
  });

  it('says what is absent: budgets, anomalies, movers, tags', () => {
    const page = html({ budgets: [], anomalies: [], topMovers: [], byTag: [], notes: [] });
    expect(page).toContain('No cost budget is set for this account.');
    expect(page).toContain('Cost Explorer detected no anomalies in March 2025.');
    expect(page).toContain('No service changed in usage between February 2025 and March 2025.');
    expect(page).toContain('No cost-allocation tag is configured for this report.');
    expect(page).not.toContain('>Notes<');
  });

  it('lists each anomaly with its dates, impact and root causes', () => {
    expect(page).toContain('14 Mar 2025 to 16 Mar 2025');
    expect(page).toContain('$212.40');
    expect(page).toContain('eu-west-1 · EU-DataTransfer-Out-Bytes · account 123456789012');
  });

  it("reports Vigil's own cost and what the report cost to record", () => {
    expect(page).toContain(
      'cost <strong>$48.37</strong> (amortized) in March 2025, 0.5% of the account&#39;s usage ($45.10 in February 2025)',
    );
    expect(page).toContain('made 9 Cost Explorer requests, at a list price of <strong>0.09 USD</strong>');
  });
});

describe('money and percentages', () => {
  it.each([
    [1234.56, '$1,234.56'],
    [0, '$0.00'],
    [-12, '−$12.00'],
    [-0.004, '$0.00'],
    [1234567.891, '$1,234,567.89'],
  ])('formatMoney(%p, USD) is %p', (amount, text) => {
    expect(formatMoney(amount, 'USD')).toBe(text);
  });

  it.each([
    [273016.9, 'CNY', '¥273,016.90'],
    [-12, 'EUR', '−€12.00'],
    [1234.5, 'JPY', '¥1,234.50'],
  ])('formatMoney(%p, %p) is %p', (amount, currency, text) => {
    expect(formatMoney(amount, currency)).toBe(text);
  });

  it('formatDay writes a day as a reader does', () => {
    expect(formatDay('2026-11-03T00:00:00Z')).toBe('3 Nov 2026');
    expect(formatDay('not a day')).toBe('not a day');
  });

  it.each([
    [221.59, '+$221.59'],
    [-540, '−$540.00'],
    [0.001, '$0.00'],
  ])('formatMoneyChange(%p, USD) is %p', (amount, text) => {
    expect(formatMoneyChange(amount, 'USD')).toBe(text);
  });

  it.each([
    [null, 'n/a'],
    [12.345, '+12.3%'],
    [-4, '−4.0%'],
    [-0.04, '0.0%'],
  ])('formatPercentChange(%p) is %p', (percent, text) => {
    expect(formatPercentChange(percent)).toBe(text);
  });
});
