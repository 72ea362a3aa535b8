import type { CostReport } from '../../../../lambda/cost-report/cost-report-model';
import { renderReportJson } from '../../../../lambda/cost-report/render/report-json';
import { costReport } from './report-fixture';

/** The same object with every key in reverse order, as a builder might produce it. */
function reversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversed) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, field]) => [key, reversed(field)]),
  ) as T;
}

describe('renderReportJson', () => {
  it('round-trips to the same report', () => {
    const report = costReport();
    expect(JSON.parse(renderReportJson(report))).toEqual(report);
  });

  it('is pretty, ends with a newline, and lists keys in the model order whatever the input order', () => {
    const report = costReport();
    const json = renderReportJson(reversed(report));
    expect(json).toBe(renderReportJson(report));
    expect(json.startsWith('{\n  "schema": "vigil.cost-report/2",\n  "generatedAt"')).toBe(true);
    expect(json.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(json) as CostReport;
    expect(Object.keys(parsed)).toEqual([
      'schema',
      'generatedAt',
      'currency',
      'period',
      'totals',
      'services',
      'adjustments',
      'topMovers',
      'byTag',
      'trend',
      'forecast',
      'anomalies',
      'budgets',
      'platformCost',
      'apiCost',
      'notes',
    ]);
    expect(Object.keys(parsed.services[0] ?? {})).toEqual([
      'service',
      'lastMonth',
      'monthBefore',
      'change',
      'changePercent',
      'status',
      'amortizedLastMonth',
    ]);
  });

  it('keeps an unavailable forecast and leaves out optional fields that are absent', () => {
    const report = costReport({
      forecast: { unavailable: 'No history.' },
      anomalies: [
        {
          id: 'a',
          start: '2025-03-02',
          impact: 5,
          dismissed: false,
          rootCauses: [{ service: 'AWS Lambda' }],
        },
      ],
    });
    const json = renderReportJson(report);
    expect(JSON.parse(json)).toEqual(report);
    const { anomalies } = JSON.parse(json) as CostReport;
    expect(Object.keys(anomalies[0] ?? {})).toEqual(['id', 'start', 'impact', 'dismissed', 'rootCauses']);
    expect(Object.keys(anomalies[0]?.rootCauses[0] ?? {})).toEqual(['service']);
  });
});
