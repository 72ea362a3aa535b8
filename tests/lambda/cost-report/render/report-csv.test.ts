import Papa from 'papaparse';
import { renderReportCsv } from '../../../../lambda/cost-report/render/report-csv';
import { costReport } from './report-fixture';

interface Row {
  kind: string;
  month: string;
  currency: string;
  service: string | null;
  recordType: string | null;
  tagKey: string | null;
  tagValue: string | null;
  lastMonth: number;
  monthBefore: number;
  change: number;
  changePercent: number | null;
  status: string;
  amortizedLastMonth: number | null;
}

const report = costReport();
const csv = renderReportCsv(report);
const parsed = Papa.parse<Row>(csv, { header: true, dynamicTyping: true, skipEmptyLines: true });

describe('renderReportCsv', () => {
  it('is RFC 4180: a header row, CRLF line ends, no parse errors', () => {
    expect(parsed.errors).toEqual([]);
    expect(csv.split('\r\n')[0]).toBe(
      'kind,month,currency,service,recordType,tagKey,tagValue,lastMonth,monthBefore,change,changePercent,status,amortizedLastMonth',
    );
    expect(csv.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('has one row per service that parses back to the same numbers', () => {
    const services = parsed.data.filter((row) => row.kind === 'service');
    expect(
      services.map(
        ({ service, lastMonth, monthBefore, change, changePercent, status, amortizedLastMonth }) => ({
          service,
          lastMonth,
          monthBefore,
          change,
          changePercent,
          status,
          amortizedLastMonth,
        }),
      ),
    ).toEqual(report.services);
    expect(services.every((row) => row.month === '2025-03' && row.currency === 'USD')).toBe(true);
  });

  it('adds one row per credit, refund, tax or fee line: usage rows plus these rows add up to the bill', () => {
    const adjustments = parsed.data.filter((row) => row.kind === 'adjustment');
    expect(adjustments).toEqual([
      expect.objectContaining({ recordType: 'Credit', lastMonth: -120, monthBefore: -20, change: -100 }),
    ]);
    const cents = parsed.data
      .filter((row) => row.kind !== 'tag')
      .reduce((sum, row) => sum + Math.round(row.lastMonth * 100), 0);
    expect(cents).toBe(Math.round(report.totals.net.lastMonth * 100));
  });

  it('quotes a service name with a comma and a quote, and reads it back whole', () => {
    const quoted = renderReportCsv(
      costReport({
        services: [
          {
            ...(report.services[0] as (typeof report.services)[number]),
            service: 'Refund, "goodwill" credit',
          },
        ],
      }),
    );
    expect(quoted).toContain('"Refund, ""goodwill"" credit"');
  });

  it('leaves a percentage of nothing empty', () => {
    const bedrock = parsed.data.find((row) => row.service === 'Amazon Bedrock');
    expect(bedrock).toMatchObject({ changePercent: null, status: 'new' });
    expect(csv).toContain('Amazon Bedrock,,,,289.9,0,289.9,,new,289.9');
  });

  it('adds one row per tag value with its change', () => {
    const tags = parsed.data.filter((row) => row.kind === 'tag');
    expect(tags).toHaveLength(3);
    expect(tags[0]).toMatchObject({
      tagKey: 'Team',
      tagValue: 'payments',
      lastMonth: 5200.4,
      monthBefore: 4800,
      change: 400.4,
      changePercent: 8.3,
      status: 'continuing',
    });
    expect(tags[1]).toMatchObject({
      tagValue: '<script>alert("x")</script>',
      changePercent: null,
      status: 'new',
    });
  });

  it('defuses a tag value a spreadsheet would run as a formula', () => {
    const formula = renderReportCsv(
      costReport({
        byTag: [{ tagKey: 'Team', values: [{ value: '=HYPERLINK("x")', lastMonth: 1, monthBefore: 1 }] }],
      }),
    );
    expect(formula).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
