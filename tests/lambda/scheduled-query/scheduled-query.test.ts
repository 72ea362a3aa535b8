import '../support/test-environment';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsResponse,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { parseIncoming } from '../../../lambda/alert-enricher/events/parse-incoming';
import {
  createScheduledQuery,
  ScheduledQueryTimeoutError,
} from '../../../lambda/scheduled-query/scheduled-query';
import { readScheduledQueryConfig } from '../../../lambda/scheduled-query/scheduled-query-config';
import { InvalidScheduledQueryInputError } from '../../../lambda/scheduled-query/scheduled-query-input';

const logs = mockClient(CloudWatchLogsClient);
const eventBridge = mockClient(EventBridgeClient);
beforeEach(() => {
  logs.reset();
  eventBridge.reset();
  logs.on(StartQueryCommand).resolves({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' });
  logs.on(StopQueryCommand).resolves({ success: true });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
});

const INPUT = {
  name: 'predictor-unhandled-errors',
  service: 'predictor',
  queryString: 'filter level = "ERROR" | fields @timestamp, message',
  logGroupNames: ['/aws/lambda/vigil-dev-predictor-api'],
  lookbackMinutes: 15,
  alertWhenRows: true,
  severity: 'high',
  runbook: 'https://runbooks.example.org/unhandled-errors',
  scheduledTime: '2026-12-07T04:00:00Z',
};

// GetQueryResults as the CloudWatch Logs API reference shows it (API_GetQueryResults.html, Example):
// rows of {field, value}, `@ptr` included, and the scan statistics.
const complete = (rows: number): GetQueryResultsResponse => ({
  status: 'Complete',
  statistics: { recordsMatched: rows, recordsScanned: 2505, bytesScanned: 1_318_400 },
  results: Array.from({ length: rows }, (_, index) => [
    { field: '@timestamp', value: `2026-12-07 03:5${index % 10}:00.000` },
    { field: 'message', value: `Cannot read properties of undefined (reading 'rows') #${index}` },
    { field: '@ptr', value: 'CkoKIAoaMTIzNDU2Nzg5MDEyOi9hd3MvbGFtYmRh' },
  ]),
});

const config = { eventBusName: 'vigil-dev-platform', reserveMs: 1000 };
const run = (event: unknown, remainingMs = 60_000) =>
  createScheduledQuery({
    logs: new CloudWatchLogsClient({ region: 'eu-west-1' }),
    eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
    config,
    polling: { firstMs: 1, maxMs: 5 },
  })(event, { getRemainingTimeInMillis: () => remainingMs });

/** The business alert the run put on the bus, as the enricher reads it. */
function published() {
  const calls = eventBridge.commandCalls(PutEventsCommand);
  expect(calls).toHaveLength(1);
  const entry = calls[0]?.args[0].input.Entries?.[0];
  const detail = JSON.parse(entry?.Detail ?? '{}') as Record<string, unknown>;
  const [read] = parseIncoming({
    version: '0',
    id: 'evt-1',
    'detail-type': entry?.DetailType,
    source: entry?.Source,
    account: '123456789012',
    time: '2026-12-07T04:00:01Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });
  return { entry, detail, read };
}

test('a query over the window ending at the scheduled time, polled until Complete', async () => {
  logs
    .on(GetQueryResultsCommand)
    .resolvesOnce({ status: 'Scheduled' })
    .resolvesOnce({ status: 'Running' })
    .resolves(complete(0));
  await expect(run(INPUT)).resolves.toEqual({
    query: 'predictor-unhandled-errors',
    rows: 0,
    bytesScanned: 1_318_400,
    result: 'clear',
  });
  expect(logs.commandCalls(StartQueryCommand)[0]?.args[0].input).toEqual({
    logGroupNames: ['/aws/lambda/vigil-dev-predictor-api'],
    queryString: INPUT.queryString,
    startTime: Date.parse('2026-12-07T03:45:00Z') / 1000,
    endTime: Date.parse('2026-12-07T04:00:00Z') / 1000,
  });
  expect(logs.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
  // Nothing found: the episode, if one is open, resolves (the enricher ignores a resolution of nothing).
  const { detail, read } = published();
  expect(detail).toMatchObject({ resolved: true, dedupeKey: 'scheduled-query/predictor-unhandled-errors' });
  expect(read).toMatchObject({ type: 'event' });
});

test('rows where none should be: a business alert with the rows, which the enricher reads as one', async () => {
  logs.on(GetQueryResultsCommand).resolves(complete(12));
  await expect(run(INPUT)).resolves.toMatchObject({ rows: 12, result: 'alerted' });
  const { entry, detail, read } = published();
  expect(entry).toMatchObject({
    EventBusName: 'vigil-dev-platform',
    Source: 'vigil.scheduled-queries',
    DetailType: 'Business Alert',
  });
  expect(detail).toMatchObject({
    severity: 'high',
    title: 'predictor: scheduled query predictor-unhandled-errors found 12 rows',
    service: 'predictor',
    runbook: INPUT.runbook,
    dedupeKey: 'scheduled-query/predictor-unhandled-errors',
  });
  const message = String(detail.message);
  expect(message).toContain('found 12 rows from 2026-12-07T03:45:00.000Z to 2026-12-07T04:00:00.000Z');
  expect(message).toContain("message: Cannot read properties of undefined (reading 'rows') #0");
  expect(message).toContain('… and 2 more rows.');
  expect(message).not.toContain('@ptr');
  expect(read).toMatchObject({
    type: 'event',
    event: expect.objectContaining({ kind: 'business', severity: 'high' }),
  });
});

test('a query whose rows are expected only counts them', async () => {
  logs.on(GetQueryResultsCommand).resolves(complete(3));
  await expect(run({ ...INPUT, alertWhenRows: false })).resolves.toMatchObject({
    rows: 3,
    result: 'counted',
  });
  expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
});

test.each(['Failed', 'Cancelled', 'Timeout', 'Unknown'])(
  'a query that ends %s fails the run, naming it',
  async (status) => {
    logs.on(GetQueryResultsCommand).resolves({ status: status as 'Failed' });
    await expect(run(INPUT)).rejects.toThrow(
      `query predictor-unhandled-errors: Logs Insights query ended ${status}`,
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  },
);

test('a query still running when the invocation must stop is stopped, and the run fails', async () => {
  logs.on(GetQueryResultsCommand).resolves({ status: 'Running' });
  await expect(run(INPUT, 1200)).rejects.toThrow(ScheduledQueryTimeoutError);
  expect(logs.commandCalls(StopQueryCommand)[0]?.args[0].input).toEqual({
    queryId: '12ab3456-12ab-123a-789e-1234567890ab',
  });
  expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
});

test('an input that is not a schedule’s is refused naming every bad field, before any call', async () => {
  await expect(run({ ...INPUT, logGroupNames: [], severity: 'urgent', extra: 1 })).rejects.toThrow(
    /not a scheduled query input: .*logGroupNames.*severity/,
  );
  expect(logs.commandCalls(StartQueryCommand)).toHaveLength(0);
});

test('any malformed input is an InvalidScheduledQueryInputError, never another error', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.anything(),
        // Every field as documented but one out of range (or left out): never a valid input.
        fc.record(
          {
            ...Object.fromEntries(Object.entries(INPUT).map(([key, value]) => [key, fc.constant(value)])),
            name: fc.string(),
            lookbackMinutes: fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.string()),
          },
          { requiredKeys: [] },
        ),
      ),
      async (event) => {
        const failure = await run(event).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(InvalidScheduledQueryInputError);
      },
    ),
    { numRuns: 300 },
  );
  expect(logs.commandCalls(StartQueryCommand)).toHaveLength(0);
});

test('the environment: the bus is required; the reserve is whole milliseconds within bounds', () => {
  expect(readScheduledQueryConfig({ EVENT_BUS_NAME: 'vigil-dev-platform' })).toEqual({
    eventBusName: 'vigil-dev-platform',
    reserveMs: 5000,
  });
  expect(() => readScheduledQueryConfig({})).toThrow(/EVENT_BUS_NAME is required/);
  expect(() => readScheduledQueryConfig({ EVENT_BUS_NAME: 'b', DEADLINE_RESERVE_MS: '10' })).toThrow(
    /DEADLINE_RESERVE_MS/,
  );
});
