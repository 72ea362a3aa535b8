/**
 * The saved Athena queries over the log archive, kept apart from the stack so tests can check each
 * column they name against the Glue tables (tests/stacks/log-archive-queries.test.ts).
 *
 * Partition columns are `archive_service` (string) and `year`, `month`, `day` (int; partition
 * projection type `integer`, https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html):
 * compare them with numbers, never quoted strings, and compare the columns themselves (not a cast of
 * them) so Athena projects only the partitions asked for. `service` is the Powertools field inside
 * a line, not the partition.
 */

/** The Powertools JSON table: one row per JSON line; a line that is not JSON has every column NULL. */
export const JSON_TABLE = 'function_logs';
/** Every archived line, JSON or not, whole in `line`: plain text and Lambda platform lines included. */
export const LINES_TABLE = 'function_log_lines';

export interface SavedQuery {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** `year`, `month`, `day` as one yyyymmdd number: one range compares across months and years. */
const YYYYMMDD = '(year * 10000 + month * 100 + day)';

/**
 * Lines that are errors: Powertools ERROR and CRITICAL levels, and the Lambda platform's own error
 * lines, which are plain text (a timeout, a runtime that exited or ran out of memory). `try` makes a
 * line that is not JSON give NULL instead of failing the query.
 */
export const ERROR_LINE_CONDITION = [
  "(try(json_extract_scalar(line, '$.level')) IN ('ERROR', 'CRITICAL')",
  "    OR line LIKE '%Task timed out after%'",
  "    OR line LIKE '%Runtime.ExitError%'",
  "    OR line LIKE '%Runtime.OutOfMemory%'",
  "    OR line LIKE '%Status: timeout%'",
  "    OR line LIKE '%Status: error%')",
].join('\n');

export function savedQueries(database: string): SavedQuery[] {
  return [
    {
      id: 'ErrorsByServicePerDay',
      name: 'Errors by service per day',
      description:
        'ERROR and CRITICAL lines and Lambda platform errors (timeouts, runtime exits) per service and day, last 30 days',
      sql: [
        'SELECT archive_service, year, month, day, count(*) AS errors',
        `FROM ${database}.${LINES_TABLE}`,
        `WHERE ${YYYYMMDD} >= CAST(date_format(current_date - INTERVAL '30' DAY, '%Y%m%d') AS integer)`,
        `  AND ${ERROR_LINE_CONDITION}`,
        'GROUP BY archive_service, year, month, day',
        'ORDER BY year DESC, month DESC, day DESC, errors DESC',
      ].join('\n'),
    },
    {
      id: 'OneRequestAcrossServices',
      name: 'One request across services',
      description:
        'Every line of one request or trace, in every service, in time order, over a day range that may span months (replace the id and the yyyymmdd range)',
      sql: [
        'SELECT archive_service, year, month, day, line',
        `FROM ${database}.${LINES_TABLE}`,
        `WHERE ${YYYYMMDD} BETWEEN 20260101 AND 20260228`,
        "  AND (line LIKE '%REQUEST-ID%' OR line LIKE '%TRACE-ID%')",
        "ORDER BY year, month, day, try(json_extract_scalar(line, '$.timestamp'))",
      ].join('\n'),
    },
  ];
}
