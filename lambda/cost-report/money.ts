/**
 * Amounts as a reader sees them, in the account's currency (Cost Explorer's `Unit`, an ISO 4217
 * code): `$1,234.56`, `¥273,016.90`, `€12.00`. A credit is `−$12.00`, with a true minus sign in every
 * output (mail text, HTML, notes), so a reader never sees two kinds of minus.
 */
export function formatMoney(amount: number, currency: string): string {
  const formatted = formatterFor(currency).format(Math.abs(amount));
  return `${Math.round(amount * 100) < 0 ? '−' : ''}${formatted}`;
}

/**
 * For where only ASCII may go (an SNS subject): `$1,234.56`, `-$12.00`, and an ISO code for other
 * currencies (`CNY 273,016.90`), since `¥` would arrive as `?`.
 */
export function formatMoneyAscii(amount: number, currency: string): string {
  const sign = Math.round(amount * 100) < 0 ? '-' : '';
  const digits = Math.abs(amount).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return currency === 'USD' ? `${sign}$${digits}` : `${sign}${currency} ${digits}`;
}

/** A change: `+$1,234.56`, `−$12.00` or `$0.00`. */
export function formatMoneyChange(amount: number, currency: string): string {
  return `${Math.round(amount * 100) > 0 ? '+' : ''}${formatMoney(amount, currency)}`;
}

/** A change in percent with one decimal, `+12.3%`, `−4.0%`, or `n/a` when there is nothing to compare with. */
export function formatPercentChange(percent: number | null): string {
  if (percent === null) return 'n/a';
  const tenths = Math.round(percent * 10);
  const sign = tenths > 0 ? '+' : tenths < 0 ? '−' : '';
  return `${sign}${(Math.abs(tenths) / 10).toFixed(1)}%`;
}

/** `2026-11-03T00:00:00Z` → `3 Nov 2026`; text that is not a date is returned as it came. */
export function formatDay(text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!match) return text;
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return text;
  return date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    // narrowSymbol: `¥` rather than `CN¥`, as a bill in yuan prints it. Always two decimals: Cost
    // Explorer's amounts are rounded to hundredths here whatever the currency's minor unit.
    formatter = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Whether `code` is a currency Intl can format (a three-letter ISO 4217 code). */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    formatterFor(code);
    return true;
  } catch {
    return false;
  }
}
