import {
  CloudTrailClient,
  ThrottlingException as CloudTrailThrottlingException,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  GetMetricWidgetImageCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import { type ContextDeps, gatherContext } from '../../../../lambda/alert-enricher/context/gather-context';
import { CONTEXT_SOURCES } from '../../../../lambda/alert-enricher/enriched-alert';
import {
  API_FUNCTION,
  API_LOG_GROUP,
  ERROR_RATE_CHILD,
  errorRateAlarm,
  errorRateChange,
  healthCompositeChange,
  lambdaErrorsChange,
  outsideTableChange,
  THROTTLES_CHILD,
  throttlesAlarm,
  trafficDropChange,
} from '../support/alarm-changes';

const config = { region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
const cloudWatchMock = mockClient(CloudWatchClient);
const logsMock = mockClient(CloudWatchLogsClient);
const xrayMock = mockClient(XRayClient);
const cloudTrailMock = mockClient(CloudTrailClient);
const s3Mock = mockClient(S3Client);
const NOW = new Date('2026-11-23T03:12:02.000Z');
const deps: ContextDeps = {
  clients: {
    cloudWatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    xray: new XRayClient(config),
    cloudTrail: new CloudTrailClient(config),
    s3: new S3Client(config),
    presigningS3: new S3Client(config),
  },
  artifactsBucket: 'vigil-dev-alert-artifacts',
  graphUrlTtlSeconds: 900,
  now: () => NOW,
};
const hang = () => new Promise(() => {});
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/** Every returned query gets one datapoint; an anomaly band gets its two edges. */
function metricData(input: GetMetricDataCommandInput) {
  const Timestamps = [new Date('2026-11-23T03:10:00.000Z')];
  return {
    MetricDataResults: (input.MetricDataQueries ?? [])
      .filter((query) => query.ReturnData)
      .flatMap((query) =>
        query.Expression?.startsWith('ANOMALY_DETECTION_BAND')
          ? [
              { Id: query.Id, Label: 'Lower', Timestamps, Values: [40] },
              { Id: query.Id, Label: 'Upper', Timestamps, Values: [160] },
            ]
          : [{ Id: query.Id, Label: query.Id, Timestamps, Values: [37] }],
      ),
  };
}

/** Every source answers; `delayMs` makes each AWS call take that long. */
function everySourceAnswers(delayMs = 0) {
  const answer = <T>(value: T) => (delayMs ? () => later(delayMs, value) : () => Promise.resolve(value));
  cloudWatchMock.on(GetMetricDataCommand).callsFake((input) => later(delayMs, metricData(input)));
  cloudWatchMock
    .on(GetMetricWidgetImageCommand)
    .callsFake(answer({ MetricWidgetImage: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) }));
  cloudWatchMock.on(DescribeAlarmHistoryCommand).callsFake(
    answer({
      AlarmHistoryItems: [
        {
          Timestamp: new Date('2026-11-23T03:12:00.000Z'),
          HistoryItemType: 'StateUpdate',
          HistoryData: JSON.stringify({ oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM' } }),
        },
      ],
    }),
  );
  cloudWatchMock
    .on(ListTagsForResourceCommand)
    .callsFake(answer({ Tags: [{ Key: 'vigil:owner', Value: 'team-predictor' }] }));
  cloudWatchMock
    .on(DescribeAlarmsCommand)
    .callsFake(answer({ MetricAlarms: [throttlesAlarm, errorRateAlarm] }));
  s3Mock.on(PutObjectCommand).callsFake(answer({}));
  logsMock.on(StartQueryCommand).callsFake(answer({ queryId: 'q-1' }));
  logsMock.on(GetQueryResultsCommand).callsFake(
    answer({
      status: 'Complete',
      results: [
        [
          { field: 'text', value: 'Task timed out after 30.00 seconds' },
          { field: 'occurrences', value: '12' },
        ],
      ],
    }),
  );
  logsMock.on(StopQueryCommand).resolves({ success: true });
  xrayMock
    .on(GetTraceSummariesCommand)
    .callsFake(answer({ TraceSummaries: [{ Id: '1-6352641a-03093dcd66a913fd00a682ac', HasFault: true }] }));
  cloudTrailMock.on(LookupEventsCommand).callsFake(
    answer({
      Events: [
        {
          EventName: 'UpdateFunctionCode20150331v2',
          EventTime: new Date('2026-11-23T02:50:00.000Z'),
          Username: 'deploy-role',
          CloudTrailEvent: JSON.stringify({ readOnly: false }),
        },
      ],
    }),
  );
}

function everySourceHangs() {
  cloudWatchMock.on(GetMetricDataCommand).callsFake(hang);
  cloudWatchMock.on(GetMetricWidgetImageCommand).callsFake(hang);
  cloudWatchMock.on(DescribeAlarmHistoryCommand).callsFake(hang);
  cloudWatchMock.on(ListTagsForResourceCommand).callsFake(hang);
  logsMock.on(StartQueryCommand).callsFake(hang);
  xrayMock.on(GetTraceSummariesCommand).callsFake(hang);
  cloudTrailMock.on(LookupEventsCommand).callsFake(hang);
}

async function timed<T>(promise: Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const started = performance.now();
  const result = await promise;
  return { result, elapsedMs: performance.now() - started };
}

beforeEach(() => {
  for (const mock of [cloudWatchMock, logsMock, xrayMock, cloudTrailMock, s3Mock]) mock.reset();
});

test('a Lambda alarm gets every source, with its links and nothing missing', async () => {
  everySourceAnswers();
  const gathered = await gatherContext(lambdaErrorsChange, deps);
  expect(gathered.missing).toEqual([]);
  expect(gathered.children).toEqual([]);
  expect(gathered.context).toEqual({
    breach: {
      label: 'm1',
      datapoints: [{ timestamp: '2026-11-23T03:10:00.000Z', value: 37 }],
      period: 300,
      threshold: 5,
    },
    graph: {
      key: 'graphs/vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z.png',
      url: expect.stringMatching(
        /^https:\/\/vigil-dev-alert-artifacts\.s3\.eu-west-1\.amazonaws\.com\/graphs\//,
      ),
      expiresAt: '2026-11-23T03:27:02.000Z',
    },
    logs: {
      logGroup: API_LOG_GROUP,
      top: [{ message: 'Task timed out after 30.00 seconds', count: 12 }],
      queryUrl: expect.stringContaining('logs-insights'),
    },
    traces: [expect.objectContaining({ id: '1-6352641a-03093dcd66a913fd00a682ac', fault: true })],
    history: expect.objectContaining({ transitions: 1 }),
    changes: [
      {
        at: '2026-11-23T02:50:00.000Z',
        event: 'UpdateFunctionCode20150331v2',
        actor: 'deploy-role',
        resource: API_FUNCTION,
      },
    ],
    tags: { tags: { 'vigil:owner': 'team-predictor' } },
  });
  expect(gathered.links.map((link) => link.label)).toEqual([
    'Alarm',
    'Metrics',
    'Error logs',
    'Failing traces',
    'Runbook',
  ]);
});

test('sources run at once: seven sources of 200 ms take far less than 1.4 s', async () => {
  everySourceAnswers(200);
  const { result, elapsedMs } = await timed(gatherContext(lambdaErrorsChange, deps));
  expect(result.missing).toEqual([]);
  // The slowest chains are two calls long (graph: image then upload; logs: start, 100 ms, results).
  expect(elapsedMs).toBeLessThan(1000);
});

test('each failing source is missing with its error, and the others still arrive', async () => {
  everySourceAnswers();
  cloudWatchMock
    .on(GetMetricDataCommand)
    .rejects(awsError('AccessDenied', 'not authorized to perform: cloudwatch:GetMetricData'));
  s3Mock.on(PutObjectCommand).rejects(awsError('AccessDenied', 'Access Denied'));
  logsMock
    .on(StartQueryCommand)
    .rejects(awsError('AccessDeniedException', 'not authorized to perform: logs:StartQuery'));
  xrayMock.on(GetTraceSummariesCommand).rejects(awsError('ThrottledException', 'Rate exceeded'));
  cloudWatchMock.on(DescribeAlarmHistoryCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
  cloudTrailMock
    .on(LookupEventsCommand)
    .rejects(new CloudTrailThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
  const gathered = await gatherContext(lambdaErrorsChange, deps);
  expect(gathered.missing).toEqual([
    { source: 'datapoints', reason: 'AccessDenied: not authorized to perform: cloudwatch:GetMetricData' },
    { source: 'graph', reason: 'AccessDenied: Access Denied' },
    { source: 'logs', reason: 'AccessDeniedException: not authorized to perform: logs:StartQuery' },
    { source: 'traces', reason: 'ThrottledException: Rate exceeded' },
    { source: 'history', reason: 'ThrottlingException: Rate exceeded' },
    { source: 'changes', reason: 'throttled' },
  ]);
  expect(gathered.context.tags).toEqual({ tags: { 'vigil:owner': 'team-predictor' } });
  expect(gathered.links).toHaveLength(5);
});

test('long reasons are cut short', async () => {
  everySourceAnswers();
  cloudWatchMock.on(ListTagsForResourceCommand).rejects(awsError('AccessDenied', 'x'.repeat(1000)));
  const { missing } = await gatherContext(lambdaErrorsChange, deps);
  expect(missing[0]?.reason).toHaveLength(240);
});

test('a hung source is missing at its own timeout while the others arrive', async () => {
  everySourceAnswers();
  cloudWatchMock.on(ListTagsForResourceCommand).callsFake(hang);
  const { result, elapsedMs } = await timed(
    gatherContext(lambdaErrorsChange, deps, { timeoutsMs: { tags: 100 } }),
  );
  expect(result.missing).toEqual([{ source: 'tags', reason: 'timed out after 100 ms' }]);
  expect(result.context.breach).toBeDefined();
  expect(elapsedMs).toBeLessThan(1000);
});

test('with every call hung, it resolves by the deadline and says each source timed out', async () => {
  everySourceHangs();
  const { result, elapsedMs } = await timed(gatherContext(lambdaErrorsChange, deps, { deadlineMs: 300 }));
  expect(elapsedMs).toBeGreaterThanOrEqual(290);
  expect(elapsedMs).toBeLessThan(500);
  expect(result.missing).toEqual(
    CONTEXT_SOURCES.map((source) => ({ source, reason: 'timed out after 300 ms' })),
  );
  expect(result.links).toHaveLength(5);
});

test('a metric-math alarm reports its expression’s series', async () => {
  everySourceAnswers();
  const { context } = await gatherContext(errorRateChange, deps);
  expect(context.breach).toEqual({
    label: 'Error rate (%)',
    datapoints: [{ timestamp: '2026-11-23T03:10:00.000Z', value: 37 }],
    period: 300,
    threshold: 5,
  });
});

test('an anomaly-band alarm reports the band at the transition', async () => {
  everySourceAnswers();
  const { context } = await gatherContext(trafficDropChange, deps);
  expect(context.breach).toMatchObject({ threshold: undefined, lowerBound: 40, upperBound: 160 });
});

test('an outside DynamoDB alarm has no logs or traces: absent, not missing', async () => {
  everySourceAnswers();
  const gathered = await gatherContext(outsideTableChange, deps);
  expect(gathered.missing).toEqual([]);
  expect(gathered.context.logs).toBeUndefined();
  expect(gathered.context.traces).toBeUndefined();
  expect(logsMock.commandCalls(StartQueryCommand)).toHaveLength(0);
  expect(xrayMock.commandCalls(GetTraceSummariesCommand)).toHaveLength(0);
  expect(cloudTrailMock.commandCalls(LookupEventsCommand)[0]?.args[0].input.LookupAttributes).toEqual([
    { AttributeKey: 'ResourceName', AttributeValue: 'orders' },
  ]);
  expect(gathered.links.map((link) => link.label)).toEqual(['Alarm', 'Metrics']);
});

describe('a composite alarm', () => {
  test('lists its children and gathers the context of its metric child in ALARM', async () => {
    everySourceAnswers();
    const gathered = await gatherContext(healthCompositeChange, deps);
    expect(gathered.missing).toEqual([]);
    expect(gathered.children).toEqual([
      { name: ERROR_RATE_CHILD, state: 'ALARM', summary: 'Callers see 5XX answers.' },
      { name: THROTTLES_CHILD, state: 'OK', summary: 'Results writes are throttled.' },
    ]);
    const queries = cloudWatchMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries;
    expect(queries?.map((query) => query.Id)).toEqual(['rate', 'errors', 'invocations']);
    expect(gathered.context.breach?.label).toBe('Error rate (%)');
    expect(gathered.context.graph?.key).toBe(`graphs/${ERROR_RATE_CHILD}/2026-11-23T03:10:00.000Z.png`);
    expect(logsMock.commandCalls(StartQueryCommand)[0]?.args[0].input.logGroupNames).toEqual([API_LOG_GROUP]);
    expect(gathered.context.traces).toHaveLength(1);
    expect(gathered.context.changes).toHaveLength(1);
  });

  test('its own history and tags are the composite’s', async () => {
    everySourceAnswers();
    await gatherContext(healthCompositeChange, deps);
    expect(cloudWatchMock.commandCalls(DescribeAlarmHistoryCommand)[0]?.args[0].input.AlarmName).toBe(
      healthCompositeChange.alarmName,
    );
    expect(cloudWatchMock.commandCalls(ListTagsForResourceCommand)[0]?.args[0].input.ResourceARN).toBe(
      healthCompositeChange.alarmArn,
    );
  });

  test('links the composite, its child’s metrics, logs and traces, and its own runbook', async () => {
    everySourceAnswers();
    const { links } = await gatherContext(healthCompositeChange, deps);
    expect(links.map((link) => link.label)).toEqual([
      'Alarm',
      'Metrics',
      'Error logs',
      'Failing traces',
      'Runbook',
    ]);
    expect(links[0]?.url).toMatch(/#alarmsV2:alarm\/vigil-dev-predictor-api-health$/);
    expect(links[4]?.url).toBe('https://runbooks.example.org/health');
  });

  test('without a metric child in ALARM, it has only its own history and tags, and nothing missing', async () => {
    everySourceAnswers();
    cloudWatchMock
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ ...errorRateAlarm, StateValue: 'OK' }] });
    const gathered = await gatherContext(
      { ...healthCompositeChange, state: 'OK', triggeringAlarms: [] },
      deps,
    );
    expect(gathered.missing).toEqual([]);
    expect(
      Object.keys(gathered.context).filter((key) => gathered.context[key as 'tags'] !== undefined),
    ).toEqual(['history', 'tags']);
  });

  test('when its children cannot be described, they come from the event and the child’s sources are missing', async () => {
    everySourceAnswers();
    cloudWatchMock
      .on(DescribeAlarmsCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: cloudwatch:DescribeAlarms'));
    const gathered = await gatherContext(healthCompositeChange, deps);
    expect(gathered.children).toEqual([{ name: ERROR_RATE_CHILD, state: 'ALARM' }]);
    const reason =
      'child alarms not described: AccessDenied: not authorized to perform: cloudwatch:DescribeAlarms';
    expect(gathered.missing).toEqual(
      (['datapoints', 'graph', 'logs', 'traces', 'changes'] as const).map((source) => ({ source, reason })),
    );
    expect(gathered.context.history).toBeDefined();
    expect(gathered.context.tags).toBeDefined();
  });

  test('a hung DescribeAlarms still resolves by the deadline', async () => {
    everySourceAnswers();
    cloudWatchMock.on(DescribeAlarmsCommand).callsFake(hang);
    const { result, elapsedMs } = await timed(
      gatherContext(healthCompositeChange, deps, { deadlineMs: 300 }),
    );
    expect(elapsedMs).toBeLessThan(500);
    expect(result.missing[0]).toEqual({
      source: 'datapoints',
      reason: 'child alarms not described: timed out after 300 ms',
    });
  });
});

describe('an alarm outside the region and account Vigil runs in', () => {
  const everyCall = () => [
    ...cloudWatchMock.calls(),
    ...logsMock.calls(),
    ...xrayMock.calls(),
    ...cloudTrailMock.calls(),
    ...s3Mock.calls(),
  ];

  test('of another account: nothing is called, and every source that applies says where the alarm is', async () => {
    everySourceAnswers();
    const gathered = await gatherContext(lambdaErrorsChange, {
      ...deps,
      home: { region: 'eu-west-1', account: '999999999999' },
    });
    expect(everyCall()).toHaveLength(0);
    const reason = 'not gathered: alarm is in eu-west-1/123456789012, Vigil runs in eu-west-1/999999999999';
    expect(gathered.missing).toEqual(CONTEXT_SOURCES.map((source) => ({ source, reason })));
    expect(gathered.context).toEqual({});
    expect(gathered.links.map((link) => link.label)).toContain('Alarm');
  });

  test('of another region, with the account unknown: the region alone decides', async () => {
    everySourceAnswers();
    const elsewhere = {
      ...outsideTableChange,
      alarmArn: outsideTableChange.alarmArn.replace(':eu-west-1:', ':us-east-1:'),
      region: 'us-east-1',
    };
    const gathered = await gatherContext(elsewhere, { ...deps, home: { region: 'eu-west-1' } });
    expect(everyCall()).toHaveLength(0);
    // Logs and traces do not apply to a DynamoDB alarm: absent, as at home.
    expect(gathered.missing.map((missing) => missing.source)).toEqual([
      'datapoints',
      'graph',
      'history',
      'changes',
      'tags',
    ]);
    expect(gathered.missing[0]?.reason).toBe(
      'not gathered: alarm is in us-east-1/123456789012, Vigil runs in eu-west-1',
    );
    expect(
      (await gatherContext(outsideTableChange, { ...deps, home: { region: 'eu-west-1' } })).missing,
    ).toEqual([]);
  });

  test('a composite: its children come from the event, not DescribeAlarms', async () => {
    everySourceAnswers();
    const gathered = await gatherContext(healthCompositeChange, {
      ...deps,
      home: { region: 'eu-central-1', account: '123456789012' },
    });
    expect(everyCall()).toHaveLength(0);
    expect(gathered.children).toEqual([{ name: ERROR_RATE_CHILD, state: 'ALARM' }]);
    expect(gathered.missing).toHaveLength(CONTEXT_SOURCES.length);
  });
});
