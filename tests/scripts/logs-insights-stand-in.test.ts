import { GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { errorLogsQuery, findLogErrors } from '../../lambda/alert-enricher/context/log-errors';
import { LocalAws } from '../../scripts/local-loop/local-aws';
import { LocalLogStore } from '../../scripts/local-loop/local-logs';
import { parseLogsInsightsQuery, standInLogsInsights } from '../../scripts/local-loop/logs-insights-stand-in';

const GROUP = 'vigil-dev-predictor-ApiLogs';
const CHANGED_AT = Date.parse('2026-12-06T19:30:00.000Z');
const MINUTE = 60_000;

/** A Powertools JSON line as the predictor API writes it. */
function powertools(level: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    level,
    message,
    timestamp: '2026-12-06T19:20:00.000Z',
    service: 'predictor-api',
    ...extra,
  });
}

function localAws() {
  const aws = new LocalAws();
  const logs = new LocalLogStore();
  standInLogsInsights(aws, logs);
  // DynamoDB is not used here: nothing listens on the endpoint.
  return { logs, clients: aws.clients('http://127.0.0.1:9') };
}

describe('Logs Insights stand-in', () => {
  test("answers the enricher's error query: JSON ERROR lines and plain-text error lines, counted by text", async () => {
    const { logs, clients } = localAws();
    const at = (minutesBefore: number) => CHANGED_AT - minutesBefore * MINUTE;
    for (const minutes of [20, 10, 5]) {
      logs.put(GROUP, at(minutes), powertools('ERROR', 'Request failed', { error: { name: 'Error' } }));
    }
    logs.put(GROUP, at(9), powertools('INFO', 'Request served', { statusCode: 200 }));
    logs.put(GROUP, at(8), 'START RequestId: 6f1a12a5 Version: 2');
    logs.put(GROUP, at(7), '2026-12-06T19:23:00.000Z 6f1a12a5 Task timed out after 3.00 seconds');
    logs.put(GROUP, at(6), '2026-12-06T19:24:00.000Z 9825727e Task timed out after 3.00 seconds');
    logs.put(GROUP, at(4), powertools('WARN', 'Retrying: ThrottlingException from DynamoDB'));
    // Outside the window (30 min before to 5 min after), or in another log group: not counted.
    logs.put(GROUP, at(45), powertools('ERROR', 'Request failed'));
    logs.put('other-group', at(5), powertools('ERROR', 'Request failed'));

    const found = await findLogErrors(
      clients.logs,
      'eu-west-1',
      errorLogsQuery(GROUP, { changedAt: new Date(CHANGED_AT).toISOString() }),
      new AbortController().signal,
    );

    expect(found.logGroup).toBe(GROUP);
    expect(found.top[0]).toEqual({ message: 'Request failed', count: 3 });
    expect(found.top.slice(1)).toEqual(
      expect.arrayContaining([
        { message: '2026-12-06T19:23:00.000Z 6f1a12a5 Task timed out after 3.00 seconds', count: 1 },
        { message: '2026-12-06T19:24:00.000Z 9825727e Task timed out after 3.00 seconds', count: 1 },
        { message: 'Retrying: ThrottlingException from DynamoDB', count: 1 },
      ]),
    );
    expect(found.top).toHaveLength(4);
  });

  test('answers in the API shape: a queryId, Running then Complete, rows of {field, value} with @ptr, statistics', async () => {
    const { logs, clients } = localAws();
    logs.put(GROUP, CHANGED_AT - 2000, 'first line: task timed out');
    logs.put(GROUP, CHANGED_AT - 1000, 'second line: Task timed out');
    logs.put(GROUP, CHANGED_AT, powertools('INFO', 'Request served'));
    const { queryId } = await clients.logs.send(
      new StartQueryCommand({
        logGroupNames: [GROUP],
        queryString:
          'fields @timestamp, @message # newest first\n| filter @message like "timed out" and not @message like /^first/ | sort @timestamp desc | limit 5',
        startTime: Math.floor((CHANGED_AT - MINUTE) / 1000),
        endTime: Math.ceil(CHANGED_AT / 1000),
      }),
    );
    expect(queryId).toEqual(expect.any(String));

    const running = await clients.logs.send(new GetQueryResultsCommand({ queryId }));
    expect(running.status).toBe('Running');
    const complete = await clients.logs.send(new GetQueryResultsCommand({ queryId }));
    expect(complete.status).toBe('Complete');
    expect(complete.results).toEqual([
      [
        { field: '@timestamp', value: '2026-12-06 19:29:59.000' },
        { field: '@message', value: 'second line: Task timed out' },
        { field: '@ptr', value: expect.any(String) },
      ],
    ]);
    expect(complete.statistics).toEqual({
      recordsMatched: 1,
      recordsScanned: 3,
      bytesScanned: expect.any(Number),
    });
  });

  test('filters on discovered JSON fields with = and !=, and counts by a nested field', async () => {
    const { logs, clients } = localAws();
    logs.put(GROUP, CHANGED_AT, powertools('ERROR', 'Request failed', { error: { name: 'TypeError' } }));
    logs.put(GROUP, CHANGED_AT, powertools('ERROR', 'Request failed', { error: { name: 'TypeError' } }));
    logs.put(GROUP, CHANGED_AT, powertools('ERROR', 'Request failed', { error: { name: 'RangeError' } }));
    logs.put(GROUP, CHANGED_AT, powertools('INFO', 'Request served'));
    const { queryId } = await clients.logs.send(
      new StartQueryCommand({
        logGroupNames: [GROUP],
        queryString: 'filter level != "INFO" | stats count(*) as n by error.name | sort n asc',
        startTime: CHANGED_AT / 1000,
        endTime: CHANGED_AT / 1000,
      }),
    );
    await clients.logs.send(new GetQueryResultsCommand({ queryId }));
    const { results } = await clients.logs.send(new GetQueryResultsCommand({ queryId }));
    expect(results).toEqual([
      [
        { field: 'error.name', value: 'RangeError' },
        { field: 'n', value: '1' },
      ],
      [
        { field: 'error.name', value: 'TypeError' },
        { field: 'n', value: '2' },
      ],
    ]);
  });

  test.each([
    ['fields @message | parse @message "* *" as a, b', 'command "parse"'],
    ['stats avg(duration) by bin(5m)', 'stats function avg()'],
    ['fields strlen(@message) as n', 'function strlen()'],
    ['filter duration > 100', 'operator at ">"'],
    ['sort @timestamp', 'say asc or desc'],
  ])('refuses what it does not implement, naming it: %s', async (queryString, named) => {
    const { clients } = localAws();
    expect(() => parseLogsInsightsQuery(queryString)).toThrow(named);
    await expect(
      clients.logs.send(
        new StartQueryCommand({ logGroupNames: [GROUP], queryString, startTime: 0, endTime: 1 }),
      ),
    ).rejects.toMatchObject({ name: 'MalformedQueryException', message: expect.stringContaining(named) });
  });
});
