import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { errorLogsQuery, findLogErrors } from '../../../../lambda/alert-enricher/context/log-errors';
import { withTimeout } from '../../../../lambda/alert-enricher/context/with-timeout';
import { API_LOG_GROUP, lambdaErrorsChange } from '../support/alarm-changes';

const logsMock = mockClient(CloudWatchLogsClient);
const logs = new CloudWatchLogsClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const query = errorLogsQuery(API_LOG_GROUP, lambdaErrorsChange);
const row = (text: string, occurrences: number) => [
  { field: 'text', value: text },
  { field: 'occurrences', value: String(occurrences) },
];

beforeEach(() => {
  logsMock.reset();
  logsMock.on(StartQueryCommand).resolves({ queryId: 'q-1' });
  logsMock.on(StopQueryCommand).resolves({ success: true });
});

test('queries the log group from 30 minutes before the transition to 5 minutes after', async () => {
  logsMock.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
  await findLogErrors(logs, 'eu-west-1', query, new AbortController().signal);
  const input = logsMock.commandCalls(StartQueryCommand)[0]?.args[0].input;
  expect(input).toEqual({
    logGroupNames: [API_LOG_GROUP],
    startTime: Date.parse('2026-11-23T02:42:00.000Z') / 1000,
    endTime: Date.parse('2026-11-23T03:17:00.000Z') / 1000,
    queryString: expect.stringContaining(
      'filter level = "ERROR" or @message like /(?i)(error|exception|timed out)/',
    ),
  });
  expect(input?.queryString).toMatch(
    /stats count\(\*\) as occurrences by text\n\| sort occurrences desc\n\| limit 5$/,
  );
  expect(logsMock.commandCalls(GetQueryResultsCommand)[0]?.args[0].input).toEqual({ queryId: 'q-1' });
});

test('polls until the query completes, then reports the most frequent errors and a console link', async () => {
  logsMock
    .on(GetQueryResultsCommand)
    .resolvesOnce({ status: 'Scheduled' })
    .resolvesOnce({ status: 'Running' })
    .resolves({
      status: 'Complete',
      results: [
        row('Task timed out after 30.00 seconds', 12),
        row('ValidationError: rows must be an array', 3),
      ],
    });
  const errors = await findLogErrors(logs, 'eu-west-1', query, new AbortController().signal);
  expect(errors).toEqual({
    logGroup: API_LOG_GROUP,
    top: [
      { message: 'Task timed out after 30.00 seconds', count: 12 },
      { message: 'ValidationError: rows must be an array', count: 3 },
    ],
    queryUrl: expect.stringContaining('#logsV2:logs-insights$3FqueryDetail$3D~(end~'),
  });
  expect(logsMock.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
  expect(logsMock.commandCalls(StopQueryCommand)).toHaveLength(0);
});

test('truncates each message to 500 characters', async () => {
  logsMock.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [row('x'.repeat(2000), 1)] });
  const errors = await findLogErrors(logs, 'eu-west-1', query, new AbortController().signal);
  expect(errors.top[0]?.message).toHaveLength(500);
  expect(errors.top[0]?.message.endsWith('…')).toBe(true);
});

test('a query that fails says how it ended', async () => {
  logsMock.on(GetQueryResultsCommand).resolves({ status: 'Failed' });
  await expect(findLogErrors(logs, 'eu-west-1', query, new AbortController().signal)).rejects.toThrow(
    'Logs Insights query ended Failed',
  );
});

test('a query still running at the timeout is stopped', async () => {
  logsMock.on(GetQueryResultsCommand).resolves({ status: 'Running' });
  await expect(withTimeout(250, (signal) => findLogErrors(logs, 'eu-west-1', query, signal))).rejects.toThrow(
    'timed out after 250 ms',
  );
  expect(logsMock.commandCalls(StopQueryCommand).map((call) => call.args[0].input)).toEqual([
    { queryId: 'q-1' },
  ]);
});

test('a query is stopped even when the poll hangs, and a failure to stop changes nothing', async () => {
  logsMock.on(GetQueryResultsCommand).callsFake(() => new Promise(() => {}));
  logsMock
    .on(StopQueryCommand)
    .rejects(Object.assign(new Error('query already ended'), { name: 'InvalidParameter' }));
  await expect(withTimeout(150, (signal) => findLogErrors(logs, 'eu-west-1', query, signal))).rejects.toThrow(
    'timed out after 150 ms',
  );
  expect(logsMock.commandCalls(StopQueryCommand)).toHaveLength(1);
});
