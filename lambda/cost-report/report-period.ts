import type { ReportPeriod } from './cost-report-model';

/**
 * The months a report run at `now` covers: the last full month, the one before it to compare with,
 * and twelve months of trend. Billing months are UTC months, so a run just after midnight in Europe
 * on the 1st still reports the month before last.
 */
export function reportPeriod(now: Date): ReportPeriod {
  if (Number.isNaN(now.getTime())) throw new RangeError('reportPeriod needs a valid date');
  const monthStart = (monthsFromNow: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsFromNow, 1));
  return {
    month: yearMonth(monthStart(-1)),
    previousMonth: yearMonth(monthStart(-2)),
    trendStart: isoDate(monthStart(-12)),
    end: isoDate(monthStart(0)),
    currentMonth: yearMonth(monthStart(0)),
  };
}

/** `2026-02` → `2026-02-01`. */
export function firstDayOf(month: string): string {
  return `${month}-01`;
}

/** `2026-02` → `2026-03-01`, the exclusive end Cost Explorer expects. */
export function firstDayAfter(month: string): string {
  return isoDate(shiftDays(firstDayOf(month), 0, 1));
}

/** `2024-02` → `2024-02-29`: for APIs whose end date is inclusive, such as GetAnomalies. */
export function lastDayOf(month: string): string {
  return isoDate(shiftDays(firstDayAfter(month), -1));
}

/** The UTC calendar day of `date`, `YYYY-MM-DD`. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function yearMonth(date: Date): string {
  return date.toISOString().slice(0, 7);
}

function shiftDays(day: string, days: number, months = 0): Date {
  const date = new Date(`${day}T00:00:00.000Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate() + days));
}
