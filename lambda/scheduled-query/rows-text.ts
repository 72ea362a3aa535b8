import type { ResultField } from '@aws-sdk/client-cloudwatch-logs';

/** Rows shown in an alert: enough to act on; the query's console link has the rest. */
export const ROWS_IN_ALERT = 10;
const MAX_VALUE_LENGTH = 300;

/**
 * The first rows as text for the alert's message, one row per paragraph, `field: value` per line;
 * `@ptr` is Logs Insights' internal pointer, never worth reading. Cut to `maxLength`.
 */
export function rowsText(rows: readonly ResultField[][], maxLength: number): string {
  const shown = rows
    .slice(0, ROWS_IN_ALERT)
    .map((row, index) =>
      [
        `Row ${index + 1}:`,
        ...row
          .filter((cell) => cell.field !== undefined && cell.field !== '@ptr')
          .map((cell) => `  ${cell.field}: ${clip(cell.value ?? '')}`),
      ].join('\n'),
    );
  const more = rows.length > ROWS_IN_ALERT ? `\n\n… and ${rows.length - ROWS_IN_ALERT} more rows.` : '';
  const text = `${shown.join('\n\n')}${more}`;
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

function clip(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_VALUE_LENGTH ? oneLine : `${oneLine.slice(0, MAX_VALUE_LENGTH - 1)}…`;
}
