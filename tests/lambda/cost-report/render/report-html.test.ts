import type { CostReport } from '../../../../lambda/cost-report/cost-report-model';
import type { CostCharts } from '../../../../lambda/cost-report/render/cost-charts';
import {
  formatPercentChange,
  formatUsd,
  formatUsdChange,
  renderReportHtml,
} from '../../../../lambda/cost-report/render/report-html';
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
      'Total, March 2025',
      'Change vs February 2025',
      'Forecast, April 2025',
      'Budget <strong>Monthly AWS</strong>',
      '12-month trend',
      'Top movers',
      'Anomalies',
      'Cost by service',
      'Cost by tag',
      'Vigil’s own cost',
      'Cost of this report',
      'Notes',
    ].map((heading) => page.indexOf(heading));
    expect(headings.every((position) => position >= 0)).toBe(true);
    expect([...headings].sort((a, b) => a - b)).toEqual(headings);
  });

  it('states the headline: the total, the change in dollars and percent, the forecast and its interval', () => {
    expect(page).toContain('$9,600.54');
    expect(page).toContain('+$221.59');
    expect(page).toContain('+2.4%');
    expect(page).toContain('$9,950.00');
    expect(page).toContain('80% interval:</div>');
    expect(page).toContain('$9,420.50 – $10,480.25');
    expect(page).toContain('Near the limit');
    expect(page).toContain('$9,599.84 of $10,000.00 (96.0%)');
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
          changeUsd: 0,
          changePercent: 0,
          status: 'continuing',
        },
      ],
      notes: ['<img src=x onerror=alert(1)>'],
      budgets: [{ name: '<i>team</i>', limitUsd: 10, actualUsd: 1, percentUsed: 10 }],
    });
    expect(hostile).toContain('S3 &#60;b&#62;&#34;bucket&#34;&#60;/b&#62; &#38; co');
    expect(hostile).not.toMatch(/<img|<b>|<i>/);
  });

  it('writes n/a for a percentage of nothing, and marks new and gone services', () => {
    expect(page).toMatch(/Amazon Bedrock <span [^>]*>NEW<\/span>.*?n\/a/s);
    expect(page).toMatch(/Amazon OpenSearch Service <span [^>]*>GONE<\/span>/);
  });

  it('shows credits as negative amounts with a true minus sign', () => {
    expect(page).toContain('−$120.00');
    expect(page).toContain('leaves out credits and refunds (−$120.00)');
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
    expect(page).toContain('No service changed in cost between February 2025 and March 2025.');
    expect(page).toContain('No cost-allocation tag is configured for this report.');
    expect(page).not.toContain('>Notes<');
  });

  it('lists each anomaly with its dates, impact and root causes', () => {
    expect(page).toContain('2025-03-14 to 2025-03-16');
    expect(page).toContain('$212.40');
    expect(page).toContain('eu-west-1 · EU-DataTransfer-Out-Bytes · account 123456789012');
  });

  it("reports Vigil's own cost and what the report cost to record", () => {
    expect(page).toContain(
      'cost <strong>$48.37</strong> in March 2025, 0.5% of the total ($45.10 in February 2025)',
    );
    expect(page).toContain('made 9 Cost Explorer requests, billed at <strong>$0.09</strong>');
  });
});

describe('money and percentages', () => {
  it.each([
    [1234.56, '$1,234.56'],
    [0, '$0.00'],
    [-12, '−$12.00'],
    [-0.004, '$0.00'],
    [1234567.891, '$1,234,567.89'],
  ])('formatUsd(%p) is %p', (amount, text) => {
    expect(formatUsd(amount)).toBe(text);
  });

  it.each([
    [221.59, '+$221.59'],
    [-540, '−$540.00'],
    [0.001, '$0.00'],
  ])('formatUsdChange(%p) is %p', (amount, text) => {
    expect(formatUsdChange(amount)).toBe(text);
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
