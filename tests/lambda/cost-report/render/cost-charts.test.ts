import type { CostReport } from '../../../../lambda/cost-report/cost-report-model';
import { costCharts } from '../../../../lambda/cost-report/render/cost-charts';
import { costReport } from './report-fixture';

/** Every element closed in order: what a browser or mail client needs to inline the SVG intact. */
function isWellFormed(svg: string): boolean {
  const open: string[] = [];
  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (!closing) open.push(name as string);
    else if (open.pop() !== name) return false;
  }
  return open.length === 0;
}

describe('costCharts', () => {
  let charts: Awaited<ReturnType<typeof costCharts>>;
  beforeAll(async () => {
    charts = await costCharts(costReport());
  });

  it('draws three fixed-width, well-formed SVG documents with no hooks an email client would strip', () => {
    for (const svg of [charts.trend, charts.movers, charts.services]) {
      expect(svg).toMatch(/^<svg [^>]*width="640"/);
      expect(svg.endsWith('</svg>')).toBe(true);
      expect(isWellFormed(svg)).toBe(true);
      expect(svg).toContain('font-family="Helvetica, Arial, sans-serif"');
      expect(svg).not.toMatch(/class=|<style|<image|@import/);
      // Ids would clash between the report's three SVGs in one document.
      expect(svg).not.toMatch(/ id=|url\(/);
    }
  });

  it('labels the trend with every month, each as month and year', () => {
    for (const [month, year] of [
      ['Apr', '2024'],
      ['Dec', '2024'],
      ['Mar', '2025'],
    ]) {
      expect(charts.trend).toContain(`<tspan>${month}</tspan><tspan x="0" dy="13">${year}</tspan>`);
    }
  });

  it('draws the forecast month apart from the actual months, with its interval', async () => {
    expect(charts.trend).toContain('Apr</tspan>');
    expect(charts.trend).toContain('Forecast, 80% interval');
    expect(charts.trend).toContain('fill="#c5d6ea"');
    expect(charts.trend).toContain('$9,950');

    const noForecast = await costCharts(costReport({ forecast: { unavailable: 'Not enough history.' } }));
    expect(noForecast.trend).not.toContain('Forecast');
    expect(noForecast.trend).not.toContain('fill="#c5d6ea"');
    expect(noForecast.trend).toContain('Mar</tspan>');
  });

  it('draws increases red and decreases green, each labelled with its signed change', () => {
    expect(charts.movers).toContain('fill="#c0392b"');
    expect(charts.movers).toContain('fill="#23855a"');
    expect(charts.movers).toContain('+$320');
    expect(charts.movers).toContain('−$540');
  });

  it('shows the ten most expensive services and sums the rest, leaving credits out', () => {
    expect(charts.services).toContain('Amazon Elastic Compute Cloud - Compute');
    expect(charts.services).toContain('Other (2 services)');
    expect(charts.services).not.toContain('Refund');
  });

  it('escapes a service name that looks like markup', async () => {
    const report = costReport();
    const hostile = {
      ...(report.services[0] as CostReport['services'][number]),
      service: '<script>x</script>',
    };
    const hostileCharts = await costCharts({ ...report, services: [hostile], topMovers: [hostile] });
    expect(hostileCharts.services).not.toContain('<script>');
    expect(hostileCharts.movers).not.toContain('<script>');
    expect(hostileCharts.services).toContain('&lt;script&gt;');
  });

  it('says so instead of drawing empty axes when nothing changed or nothing was spent', async () => {
    const empty = await costCharts(costReport({ services: [], topMovers: [] }));
    expect(empty.movers).toContain('No service changed in usage.');
    expect(empty.services).toContain('Nothing was used last month.');
  });

  it('labels the axes in the account’s currency: ¥ for an account billed in yuan, never $', async () => {
    const yuan = await costCharts(costReport({ currency: 'CNY' }));
    for (const svg of [yuan.trend, yuan.movers, yuan.services]) expect(svg).not.toContain('$');
    expect(yuan.trend).toContain('¥');
  });
});
