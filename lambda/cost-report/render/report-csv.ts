import Papa from 'papaparse';
import type { Adjustment, CostReport, MonthlyAmount, ServiceCost, TagCost } from '../cost-report-model';

/**
 * One row per service (usage), one per credit, refund, tax or fee line, one per tag value (amortized);
 * `kind` says which, so a spreadsheet can filter. Service and adjustment rows add up to the bill.
 */
const COLUMNS = [
  'kind',
  'month',
  'currency',
  'service',
  'recordType',
  'tagKey',
  'tagValue',
  'lastMonth',
  'monthBefore',
  'change',
  'changePercent',
  'status',
  'amortizedLastMonth',
] as const;

type CsvRow = Record<(typeof COLUMNS)[number], string | number | null>;

/**
 * RFC 4180 (CRLF, quotes only where needed). `month` is the report's month on every row, so the
 * files of several months can be stacked into one sheet. Amounts are unformatted, in the currency
 * of the `currency` column; a percentage of nothing is an empty cell.
 */
export function renderReportCsv(report: CostReport): string {
  const { month } = report.period;
  const rows: CsvRow[] = [
    ...report.services.map((service) => serviceRow(month, report.currency, service)),
    ...report.adjustments.map((line) => adjustmentRow(month, report.currency, line)),
    ...report.byTag.flatMap((tag) =>
      tag.values.map((entry) => tagRow(month, report.currency, tag.tagKey, entry)),
    ),
  ];
  const csv = Papa.unparse(
    { fields: [...COLUMNS], data: rows.map((row) => COLUMNS.map((column) => row[column])) },
    // A tag value is whatever someone typed; a leading `=` must not become a spreadsheet formula.
    { newline: '\r\n', escapeFormulae: true },
  );
  return `${csv}\r\n`;
}

function serviceRow(month: string, currency: string, service: ServiceCost): CsvRow {
  return {
    kind: 'service',
    month,
    currency,
    service: service.service,
    recordType: null,
    tagKey: null,
    tagValue: null,
    ...amounts(service),
    status: service.status,
    amortizedLastMonth: service.amortizedLastMonth,
  };
}

function adjustmentRow(month: string, currency: string, line: Adjustment): CsvRow {
  return {
    kind: 'adjustment',
    month,
    currency,
    service: null,
    recordType: line.recordType,
    tagKey: null,
    tagValue: null,
    ...amounts(line),
    status: null,
    amortizedLastMonth: null,
  };
}

function tagRow(month: string, currency: string, tagKey: string, entry: TagCost['values'][number]): CsvRow {
  const change = tagValueChange(entry);
  return {
    kind: 'tag',
    month,
    currency,
    service: null,
    recordType: null,
    tagKey,
    tagValue: entry.value,
    ...amounts(change),
    status: change.status,
    amortizedLastMonth: null,
  };
}

function amounts(
  amount: MonthlyAmount,
): Pick<CsvRow, 'lastMonth' | 'monthBefore' | 'change' | 'changePercent'> {
  return {
    lastMonth: amount.lastMonth,
    monthBefore: amount.monthBefore,
    change: amount.change,
    changePercent: amount.changePercent,
  };
}

/**
 * The model keeps only a tag value's two amounts; its change follows the rules the report's builder
 * applies to services: whole cents, and no percentage of nothing or of a net credit.
 */
export function tagValueChange(
  entry: TagCost['values'][number],
): MonthlyAmount & Pick<ServiceCost, 'status'> {
  const change = Math.round((entry.lastMonth - entry.monthBefore) * 100) / 100;
  return {
    lastMonth: entry.lastMonth,
    monthBefore: entry.monthBefore,
    change,
    changePercent:
      entry.monthBefore <= 0 || entry.lastMonth < 0
        ? null
        : Math.round((change / entry.monthBefore) * 1000) / 10,
    status: entry.monthBefore === 0 ? 'new' : entry.lastMonth === 0 ? 'gone' : 'continuing',
  };
}
