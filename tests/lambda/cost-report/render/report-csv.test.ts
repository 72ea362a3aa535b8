import Papa from 'papaparse';
import { renderReportCsv } from '../../../../lambda/cost-report/render/report-csv';
import { costReport } from './report-fixture';

interface Row {
  kind: string;
  month: string;
  service: string | null;
  tagKey: string | null;
  tagValue: string | null;
  lastMonth: number;
  monthBefore: number;
  changeUsd: number;
  changePercent: number | null;
  status: string;
}

const report = costReport();
const csv = renderReportCsv(report);
const parsed = Papa.parse<Row>(csv, { header: true, dynamicTyping: true, skipEmptyLines: true });

describe('renderReportCsv', () => {
  it('is RFC 4180: a header row, CRLF line ends, no parse errors', () => {
    expect(parsed.errors).toEqual([]);
    expect(csv.split('\r\n')[0]).toBe(
      'kind,month,service,tagKey,tagValue,lastMonth,monthBefore,changeUsd,changePercent,status',
    );
    expect(csv.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('has one row per service that parses back to the same numbers', () => {
    const services = parsed.data.filter((row) => row.kind === 'service');
    expect(
      services.map(({ service, lastMonth, monthBefore, changeUsd, changePercent, status }) => ({
        service,
        lastMonth,
        monthBefore,
        changeUsd,
        changePercent,
        status,
      })),
    ).toEqual(report.services);
    expect(services.every((row) => row.month === '2025-03')).toBe(true);
  });

  it('quotes a service name with a comma and a quote, and reads it back whole', () => {
    expect(csv).toContain('"Refund, ""goodwill"" credit"');
    expect(parsed.data.some((row) => row.service === 'Refund, "goodwill" credit')).toBe(true);
  });

  it('leaves a percentage of nothing empty', () => {
    const bedrock = parsed.data.find((row) => row.service === 'Amazon Bedrock');
    expect(bedrock).toMatchObject({ changePercent: null, status: 'new' });
    expect(csv).toContain('Amazon Bedrock,,,289.9,0,289.9,,new');
  });

  it('adds one row per tag value with its change', () => {
    const tags = parsed.data.filter((row) => row.kind === 'tag');
    expect(tags).toHaveLength(3);
    expect(tags[0]).toMatchObject({
      tagKey: 'Team',
      tagValue: 'payments',
      lastMonth: 5200.4,
      monthBefore: 4800,
      changeUsd: 400.4,
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
