import Papa from 'papaparse';
import type { CostReport, ServiceCost, TagCost } from '../cost-report-model';

/** One row per service, then one per tag value; `kind` says which, so a spreadsheet can filter. */
const COLUMNS = [
  'kind',
  'month',
  'service',
  'tagKey',
  'tagValue',
  'lastMonth',
  'monthBefore',
  'changeUsd',
  'changePercent',
  'status',
] as const;

type CsvRow = Record<(typeof COLUMNS)[number], string | number | null>;

/**
 * RFC 4180 (CRLF, quotes only where needed). `month` is the report's month on every row, so the
 * files of several months can be stacked into one sheet. Amounts are unformatted US dollars; a
 * percentage of nothing is an empty cell.
 */
export function renderReportCsv(report: CostReport): string {
  const rows: CsvRow[] = [
    ...report.services.map((service) => serviceRow(report.period.month, service)),
    ...report.byTag.flatMap((tag) =>
      tag.values.map((entry) => tagRow(report.period.month, tag.tagKey, entry)),
    ),
  ];
  const csv = Papa.unparse(
    { fields: [...COLUMNS], data: rows.map((row) => COLUMNS.map((column) => row[column])) },
    // A tag value is whatever someone typed; a leading `=` must not become a spreadsheet formula.
    { newline: '\r\n', escapeFormulae: true },
  );
  return `${csv}\r\n`;
}

function serviceRow(month: string, service: ServiceCost): CsvRow {
  return {
    kind: 'service',
    month,
    service: service.service,
    tagKey: null,
    tagValue: null,
    lastMonth: service.lastMonth,
    monthBefore: service.monthBefore,
    changeUsd: service.changeUsd,
    changePercent: service.changePercent,
    status: service.status,
  };
}

function tagRow(month: string, tagKey: string, entry: TagCost['values'][number]): CsvRow {
  return {
    kind: 'tag',
    month,
    service: null,
    tagKey,
    tagValue: entry.value,
    lastMonth: entry.lastMonth,
    monthBefore: entry.monthBefore,
    ...tagValueChange(entry),
  };
}

/**
 * The model keeps only a tag value's two amounts; its change follows the rules the report's builder
 * applies to services: whole cents, and no percentage of nothing or of a net credit.
 */
export function tagValueChange(
  entry: TagCost['values'][number],
): Pick<ServiceCost, 'changeUsd' | 'changePercent' | 'status'> {
  const changeUsd = Math.round((entry.lastMonth - entry.monthBefore) * 100) / 100;
  return {
    changeUsd,
    changePercent: entry.monthBefore <= 0 ? null : Math.round((changeUsd / entry.monthBefore) * 1000) / 10,
    status: entry.monthBefore === 0 ? 'new' : entry.lastMonth === 0 ? 'gone' : 'continuing',
  };
}
