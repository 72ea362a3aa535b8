import {
  AccessDeniedException,
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilterLogEventsCommandOutput,
  SessionStreamingException,
  SessionTimeoutException,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { AppCatalog } from '../../../scripts/logs/app-catalog';
import { type LogsIo, runLogsCommand } from '../../../scripts/logs/logs-command';

const logs = mockClient(CloudWatchLogsClient);
const lambda = mockClient(LambdaClient);
beforeEach(() => {
  logs.reset();
  lambda.reset();
});

const NOW = Date.parse('2026-12-07T09:00:00.000Z');
const REGION_ACCOUNT = 'eu-west-1:123456789012';

/** Two functions of one service, as app-catalog.ts lists them (the catalog's own test synthesizes). */
const CATALOG: AppCatalog = {
  env: 'dev',
  functions: [
    {
      id: 'upload-scorer',
      powertoolsService: 'predictor-upload-scorer',
      services: ['predictor'],
      stackName: 'vigil-dev-predictor',
      logicalId: 'UploadScorerFunctionCB8065A8',
      description: 'Scores uploaded crime exports',
      localLogGroup: 'vigil-dev-predictor-UploadScorerLogsBB274BA8-local',
    },
    {
      id: 'api',
      powertoolsService: 'predictor-api',
      services: ['predictor'],
      stackName: 'vigil-dev-predictor',
      logicalId: 'ApiFunction6BF808ED',
      description: 'Predictor HTTP API',
      localLogGroup: 'vigil-dev-predictor-ApiLogsCD139AD4-local',
    },
  ],
};

const SCORER_GROUP = 'vigil-dev-predictor-UploadScorerLogsBB274BA8-hP3Zt8Rk2Lq1';
const API_GROUP = 'vigil-dev-predictor-ApiLogsCD139AD4-Vq7mD0sXe4Yb';
const SCORER_ARN = `arn:aws:logs:${REGION_ACCOUNT}:log-group:${SCORER_GROUP}`;
const API_ARN = `arn:aws:logs:${REGION_ACCOUNT}:log-group:${API_GROUP}`;

/**
 * The functions as ListFunctions returns them (Lambda API reference, ListFunctions: `Functions` of
 * FunctionConfiguration, `NextMarker`; at most 50 a page), with `LoggingConfig.LogGroup` set because
 * Vigil's functions log to their own group. CloudFormation generated the names.
 */
function deployedFunction(logicalId: string, description: string, logGroup: string, stage = 'dev') {
  const name = `vigil-${stage}-predictor-${logicalId.slice(0, 20)}-AbC123dEf456`;
  return {
    configuration: {
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:${REGION_ACCOUNT}:function:${name}`,
      Runtime: 'nodejs24.x',
      Description: description,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: logGroup },
    } satisfies FunctionConfiguration,
    // CloudFormation's own tags on what it creates ("aws:cloudformation:logical-id",
    // "aws:cloudformation:stack-name", "aws:cloudformation:stack-id"), next to the app's tags.
    tags: {
      'aws:cloudformation:logical-id': logicalId,
      'aws:cloudformation:stack-name': `vigil-${stage}-predictor`,
      Project: 'vigil',
    },
  };
}

/** The dev functions on two ListFunctions pages, with prod's scorer (same description) and a stranger. */
function deployLambda() {
  const scorer = deployedFunction(
    'UploadScorerFunctionCB8065A8',
    'Scores uploaded crime exports',
    SCORER_GROUP,
  );
  const api = deployedFunction('ApiFunction6BF808ED', 'Predictor HTTP API', API_GROUP);
  const prodScorer = deployedFunction(
    'UploadScorerFunctionCB8065A8',
    'Scores uploaded crime exports',
    'vigil-prod-predictor-UploadScorerLogs-zzz',
    'prod',
  );
  const stranger = {
    FunctionName: 'billing-export',
    FunctionArn: `arn:aws:lambda:${REGION_ACCOUNT}:function:billing-export`,
    Description: 'Exports bills',
  };
  lambda
    .on(ListFunctionsCommand)
    .callsFake((input: { Marker?: string }) =>
      input.Marker === undefined
        ? { Functions: [stranger, prodScorer.configuration, scorer.configuration], NextMarker: 'page-2' }
        : { Functions: [api.configuration] },
    );
  const tags = new Map(
    [scorer, api, prodScorer].map((fn) => [fn.configuration.FunctionArn, fn.tags] as const),
  );
  lambda.on(ListTagsCommand).callsFake((input: { Resource: string }) => ({ Tags: tags.get(input.Resource) }));
}

/** A Powertools line of the predictor API at `at`. */
function powertools(
  level: string,
  message: string,
  at: number,
  requestId = '3f0c52ab-1111-4222-8333-944455556666',
) {
  return JSON.stringify({
    level,
    message,
    timestamp: new Date(at).toISOString(),
    service: 'predictor-api',
    function_request_id: requestId,
    xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
  });
}

/**
 * A FilteredLogEvent with the fields the FilterLogEvents API reference gives it: logStreamName,
 * timestamp, message, ingestionTime, eventId (values made up).
 */
function filtered(at: number, message: string) {
  return {
    logStreamName: '2026/12/07/[$LATEST]a1b2c3d4e5f60718293a4b5c6d7e8f90',
    timestamp: at,
    message,
    ingestionTime: at + 400,
    eventId: `${at}00000000000000000000000000000000000000000`,
  };
}

function io(overrides: Partial<LogsIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (text: string) => out.push(text),
      stderr: (text: string) => err.push(text),
      color: false,
      now: NOW,
      catalog: () => CATALOG,
      logs: () => new CloudWatchLogsClient({ region: 'eu-west-1' }),
      lambda: () => new LambdaClient({ region: 'eu-west-1' }),
      liveTail: { retryDelayMs: 1, idleTimeoutMs: 5_000, startTimeoutMs: 5_000 },
      ...overrides,
    } satisfies LogsIo,
  };
}

const t = (minute: number, second = 0) => NOW - (30 - minute) * 60_000 + second * 1000;

describe('one-shot read (FilterLogEvents)', () => {
  test('pages each log group to its last token, empty pages included, and merges them by time', async () => {
    deployLambda();
    // Pages keyed by group and token. The API reference: "This operation can return empty results
    // while there are more log events available through the token"; "If the results don't include a
    // nextToken, then pagination is finished". Its order holds within a group, not across groups.
    const pages: Record<string, Record<string, FilterLogEventsCommandOutput>> = {
      [API_ARN]: {
        '': {
          events: [
            filtered(t(20), powertools('INFO', 'request scored', t(20))),
            filtered(t(22), powertools('ERROR', 'model failed', t(22))),
          ],
          nextToken: 'api-2',
          $metadata: {},
        },
        'api-2': { events: [], searchedLogStreams: [], nextToken: 'api-3', $metadata: {} },
        'api-3': {
          events: [filtered(t(25), 'END RequestId: 3f0c52ab-1111-4222-8333-944455556666')],
          $metadata: {},
        },
      },
      [SCORER_ARN]: {
        '': {
          events: [
            filtered(t(21), powertools('WARN', 'row rejected', t(21))),
            filtered(t(24), powertools('INFO', 'file scored', t(24))),
          ],
          $metadata: {},
        },
      },
    };
    logs
      .on(FilterLogEventsCommand)
      .callsFake(
        (input: FilterLogEventsCommandInput) =>
          pages[input.logGroupIdentifier ?? '']?.[input.nextToken ?? ''],
      );
    const run = io();
    const code = await runLogsCommand(['predictor', '--since', '30m', '--filter', 'scored "ok"'], run.io);

    expect({ code, err: run.err }).toEqual({ code: 0, err: [] });
    expect(run.out.join('').split('\n')).toEqual([
      '08:50:00.000 INFO      request scored  (3f0c52ab) [api]',
      '08:51:00.000 WARN      row rejected  (3f0c52ab) [upload-scorer]',
      '08:52:00.000 ERROR     model failed  (3f0c52ab) [api]',
      '08:54:00.000 INFO      file scored  (3f0c52ab) [upload-scorer]',
      '08:55:00.000           END RequestId: 3f0c52ab-1111-4222-8333-944455556666 [api]',
      '',
    ]);
    const calls = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(4);
    expect(calls.map((input) => input.nextToken)).toEqual(
      expect.arrayContaining([undefined, 'api-2', 'api-3']),
    );
    for (const input of calls) {
      expect(input).toMatchObject({
        startTime: NOW - 30 * 60_000,
        endTime: NOW,
        filterPattern: '"scored \\"ok\\""',
      });
    }
  });

  test('--level and --json: the raw messages at or above the level, one per line', async () => {
    deployLambda();
    logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) =>
      input.logGroupIdentifier === API_ARN
        ? {
            events: [
              filtered(t(1), powertools('INFO', 'fine', t(1))),
              filtered(t(2), powertools('ERROR', 'broken', t(2))),
              filtered(t(3), 'REPORT RequestId: x'),
            ],
          }
        : { events: [filtered(t(4), powertools('CRITICAL', 'down', t(4)))] },
    );
    const run = io();
    expect(await runLogsCommand(['predictor', '--level', 'error', '--json'], run.io)).toBe(0);
    expect(run.out.join('')).toBe(
      `${powertools('ERROR', 'broken', t(2))}\n${powertools('CRITICAL', 'down', t(4))}\n`,
    );
  });

  test('one function by its construct id reads only its group; the prod copy and strangers are not read', async () => {
    deployLambda();
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    expect(await runLogsCommand(['upload-scorer'], io().io)).toBe(0);
    expect(
      logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.logGroupIdentifier),
    ).toEqual([SCORER_ARN]);
    // Only the two candidates with the scorer's description (dev's and prod's) had their tags read.
    expect(lambda.commandCalls(ListTagsCommand)).toHaveLength(2);
  });

  test('access denied says which call, on which group, and why, in one line (exit 1)', async () => {
    deployLambda();
    logs.on(FilterLogEventsCommand).rejects(
      new AccessDeniedException({
        message: `User: arn:aws:sts::123456789012:assumed-role/oncall/alex is not authorized to perform: logs:FilterLogEvents on resource: ${API_ARN}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const run = io();
    expect(await runLogsCommand(['api'], run.io)).toBe(1);
    expect(run.err).toEqual([
      `logs: FilterLogEvents on ${API_GROUP} failed: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/oncall/alex is not authorized to perform: logs:FilterLogEvents on resource: ${API_ARN}\n`,
    ]);
  });

  test('a function of the app that is not deployed here is named, with its stack and logical id', async () => {
    lambda.on(ListFunctionsCommand).resolves({ Functions: [] });
    const run = io();
    expect(await runLogsCommand(['predictor'], run.io)).toBe(1);
    expect(run.err.join('')).toMatch(
      /^logs: not deployed in this account and region: upload-scorer \(vigil-dev-predictor\/UploadScorerFunctionCB8065A8\), api \(vigil-dev-predictor\/ApiFunction6BF808ED\)/,
    );
  });

  test('a physical function name is read from its configuration; a name that is nothing lists the valid ones', async () => {
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'billing-export' }).resolves({
      FunctionName: 'billing-export',
      FunctionArn: `arn:aws:lambda:${REGION_ACCOUNT}:function:billing-export`,
    });
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: 'nope' })
      .rejects(new ResourceNotFoundException({ message: 'Function not found: nope', $metadata: {} }));
    logs.on(FilterLogEventsCommand).resolves({ events: [filtered(t(5), 'plain output')] });
    const found = io();
    expect(await runLogsCommand(['billing-export'], found.io)).toBe(0);
    // Lambda's default group when the function names none.
    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input.logGroupIdentifier).toBe(
      `arn:aws:logs:${REGION_ACCOUNT}:log-group:/aws/lambda/billing-export`,
    );
    expect(found.out.join('')).toBe('08:35:00.000           plain output [billing-export]\n');

    const missing = io();
    expect(await runLogsCommand(['nope'], missing.io)).toBe(2);
    expect(missing.err).toEqual([
      'logs: "nope" is no service or function of the dev app (nor a deployed Lambda function in this region); services: predictor; functions: api, predictor-api, predictor-upload-scorer, upload-scorer\n',
    ]);
  });
});

/** A response stream: the events given, then (unless `end`) the stream stays open until closed. */
async function* stream(events: readonly (StartLiveTailResponseStream | Error)[], end = false) {
  for (const event of events) {
    if (event instanceof Error) throw event;
    yield event;
  }
  if (!end) await new Promise(() => undefined);
}

/**
 * The stream's objects as the StartLiveTail API reference and its types describe them:
 * LiveTailSessionStart (requestId, sessionId, logGroupIdentifiers, logEventFilterPattern), then every
 * second a LiveTailSessionUpdate (sessionMetadata.sampled, sessionResults of LiveTailSessionLogEvent:
 * logStreamName, logGroupIdentifier, message, timestamp, ingestionTime). The API reference gives no
 * sample response for the stream; the field names are its.
 */
const sessionStart = (id: string): StartLiveTailResponseStream => ({
  sessionStart: {
    requestId: `req-${id}`,
    sessionId: `session-${id}`,
    logGroupIdentifiers: [SCORER_ARN, API_ARN],
    logEventFilterPattern: '"ERROR"',
  },
});
const update = (
  events: { group: string; at: number; message: string }[],
  sampled = false,
): StartLiveTailResponseStream => ({
  sessionUpdate: {
    sessionMetadata: { sampled },
    sessionResults: events.map((event) => ({
      logStreamName: '2026/12/07/[$LATEST]a1b2c3d4e5f60718293a4b5c6d7e8f90',
      logGroupIdentifier: event.group,
      message: event.message,
      timestamp: event.at,
      ingestionTime: event.at + 300,
    })),
  },
});

/** Runs a --follow until `lines` lines are out, then presses Ctrl-C. */
async function follow(argv: string[], lines: number, overrides: Partial<LogsIo> = {}) {
  const stop = new AbortController();
  const run = io({ signal: stop.signal, ...overrides });
  const stdout = run.io.stdout;
  const code = await runLogsCommand(argv, {
    ...run.io,
    stdout: (text) => {
      stdout(text);
      if (run.out.join('').split('\n').length > lines) stop.abort();
    },
  });
  return { code, out: run.out.join(''), err: run.err.join('') };
}

describe('--follow (StartLiveTail)', () => {
  test('session start, updates in time order, a timeout and a streaming error each start a new session; Ctrl-C stops', async () => {
    deployLambda();
    logs
      .on(StartLiveTailCommand)
      .resolvesOnce({
        responseStream: stream([
          sessionStart('1'),
          update([]),
          // Two groups in one update, the later one first: shown in time order, each with its function.
          update([
            { group: API_ARN, at: t(31), message: powertools('ERROR', 'second', t(31)) },
            { group: SCORER_ARN, at: t(30), message: powertools('ERROR', 'first', t(30)) },
          ]),
          // "Live Tail sessions time out after three hours" (StartLiveTailResponseStream); the SDK
          // throws a modelled stream exception from the iterator.
          new SessionTimeoutException({ message: 'Session timed out', $metadata: {} }),
        ]),
        $metadata: {},
      })
      .resolvesOnce({
        responseStream: stream([
          sessionStart('2'),
          // Live Tail may name the group by name rather than ARN ("The name or ARN of the log group").
          update([{ group: API_GROUP, at: t(32), message: powertools('ERROR', 'third', t(32)) }], true),
          // The union's member form of an exception, which the types allow, is handled alike.
          {
            SessionStreamingException: new SessionStreamingException({
              message: 'Internal error',
              $metadata: {},
            }),
          },
        ]),
        $metadata: {},
      })
      .resolvesOnce({
        responseStream: stream([
          sessionStart('3'),
          update([{ group: SCORER_ARN, at: t(33), message: 'plain line' }]),
        ]),
        $metadata: {},
      });

    const { code, out, err } = await follow(['predictor', '--follow', '--filter', 'ERROR'], 4);

    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      '09:00:00.000 ERROR     first  (3f0c52ab) [upload-scorer]',
      '09:01:00.000 ERROR     second  (3f0c52ab) [api]',
      '09:02:00.000 ERROR     third  (3f0c52ab) [api]',
      '09:03:00.000           plain line [upload-scorer]',
      '',
    ]);
    expect(err.split('\n')).toEqual([
      'logs: Live Tail session started on 2 log groups',
      'logs: Live Tail session timed out (sessions last at most three hours); starting a new session (lines ingested in between are not shown)',
      'logs: Live Tail session started on 2 log groups',
      'logs: more than 500 lines a second matched: Live Tail sends a sample of 500 a second',
      'logs: Live Tail session failed: SessionStreamingException: Internal error; starting a new session (lines ingested in between are not shown)',
      'logs: Live Tail session started on 2 log groups',
      '',
    ]);
    const starts = logs.commandCalls(StartLiveTailCommand).map((call) => call.args[0].input);
    expect(starts).toEqual(
      Array(3).fill({ logGroupIdentifiers: [SCORER_ARN, API_ARN], logEventFilterPattern: '"ERROR"' }),
    );
  });

  test('a start that never answers, a stream that closes, or one silent past the idle limit is replaced', async () => {
    deployLambda();
    logs
      .on(StartLiveTailCommand)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolvesOnce({ responseStream: stream([sessionStart('1')], true), $metadata: {} })
      .resolvesOnce({ responseStream: stream([sessionStart('2')]), $metadata: {} })
      .resolvesOnce({
        responseStream: stream([
          sessionStart('3'),
          update([{ group: API_ARN, at: t(40), message: 'alive' }]),
        ]),
        $metadata: {},
      });
    const { code, out, err } = await follow(['api', '--follow'], 1, {
      liveTail: { retryDelayMs: 1, idleTimeoutMs: 100, startTimeoutMs: 100 },
    });
    expect(code).toBe(0);
    expect(out).toBe('09:10:00.000           alive [api]\n');
    expect(err.split('\n').filter((line) => line.includes('starting a new session'))).toEqual([
      'logs: Live Tail session failed: StartLiveTail gave no answer in 100 ms; starting a new session (lines ingested in between are not shown)',
      'logs: Live Tail stream closed; starting a new session (lines ingested in between are not shown)',
      'logs: no update from Live Tail (it sends one every second); starting a new session (lines ingested in between are not shown)',
    ]);
    expect(logs.commandCalls(StartLiveTailCommand)).toHaveLength(4);
    expect(logs.commandCalls(StartLiveTailCommand)[0]?.args[0].input).toEqual({
      logGroupIdentifiers: [API_ARN],
    });
  });

  test('with --since, the history first, then the live lines', async () => {
    deployLambda();
    logs.on(FilterLogEventsCommand).resolves({ events: [filtered(t(10), 'earlier')] });
    logs.on(StartLiveTailCommand).resolves({
      responseStream: stream([sessionStart('1'), update([{ group: API_ARN, at: t(41), message: 'now' }])]),
      $metadata: {},
    });
    const { code, out } = await follow(['api', '--follow', '--since', '1h'], 2);
    expect(code).toBe(0);
    expect(out).toBe('08:40:00.000           earlier [api]\n09:11:00.000           now [api]\n');
  });

  test('access denied ends the tail at once with one clear line (exit 1), without retrying', async () => {
    deployLambda();
    logs.on(StartLiveTailCommand).rejects(
      new AccessDeniedException({
        message:
          'User: arn:aws:sts::123456789012:assumed-role/oncall/alex is not authorized to perform: logs:StartLiveTail',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { code, err } = await follow(['predictor', '--follow'], 1);
    expect(code).toBe(1);
    expect(err).toBe(
      'logs: StartLiveTail failed: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/oncall/alex is not authorized to perform: logs:StartLiveTail\n',
    );
    expect(logs.commandCalls(StartLiveTailCommand)).toHaveLength(1);
  });

  test('sessions that keep failing to start give up after the limit, saying why', async () => {
    deployLambda();
    logs
      .on(StartLiveTailCommand)
      .rejects(Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }));
    const { code, err } = await follow(['api', '--follow'], 1, {
      liveTail: { retryDelayMs: 1, maxFailures: 3 },
    });
    expect(code).toBe(1);
    expect(err.trimEnd().split('\n').at(-1)).toBe(
      'logs: Live Tail failed 3 times in a row: Error: socket hang up',
    );
    expect(logs.commandCalls(StartLiveTailCommand)).toHaveLength(3);
  });

  test('more log groups than one session takes is refused before any session starts', async () => {
    const functions = Array.from({ length: 11 }, (_, index) => ({
      ...(CATALOG.functions[0] as AppCatalog['functions'][number]),
      id: `fn-${index}`,
      services: ['big'],
      logicalId: `Fn${index}`,
    }));
    const deployed = functions.map((fn) =>
      deployedFunction(fn.logicalId, fn.description as string, `group-${fn.id}`),
    );
    lambda.on(ListFunctionsCommand).resolves({ Functions: deployed.map((fn) => fn.configuration) });
    lambda.on(ListTagsCommand).callsFake((input: { Resource: string }) => ({
      Tags: deployed.find((fn) => fn.configuration.FunctionArn === input.Resource)?.tags,
    }));
    const run = io({ catalog: () => ({ env: 'dev', functions }) });
    expect(await runLogsCommand(['big', '--follow'], run.io)).toBe(1);
    expect(run.err).toEqual([
      'logs: Live Tail takes at most 10 log groups per session; these are 11: name a function rather than the service\n',
    ]);
    expect(logs.commandCalls(StartLiveTailCommand)).toHaveLength(0);
  });
});
