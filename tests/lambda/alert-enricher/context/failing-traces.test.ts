import { GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import {
  failingTracesSearch,
  findFailingTraces,
} from '../../../../lambda/alert-enricher/context/failing-traces';
import { API_FUNCTION, lambdaErrorsChange } from '../support/alarm-changes';

const xrayMock = mockClient(XRayClient);
const xray = new XRayClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const search = failingTracesSearch(API_FUNCTION, lambdaErrorsChange);
const signal = new AbortController().signal;
const traceId = (n: number) => `1-6352641a-03093dcd66a913fd00a682a${n}`;

beforeEach(() => xrayMock.reset());

test('searches the service’s faults, errors and throttles from 15 minutes before the transition', async () => {
  xrayMock.on(GetTraceSummariesCommand).resolves({ TraceSummaries: [] });
  await findFailingTraces(xray, 'eu-west-1', search, signal);
  expect(xrayMock.commandCalls(GetTraceSummariesCommand)[0]?.args[0].input).toEqual({
    StartTime: new Date('2026-11-23T02:57:00.000Z'),
    EndTime: new Date('2026-11-23T03:17:00.000Z'),
    FilterExpression:
      'service("vigil-dev-predictor-api") AND (fault = true OR error = true OR throttle = true)',
  });
});

test('each trace with its outcome and a console link', async () => {
  xrayMock.on(GetTraceSummariesCommand).resolves({
    TraceSummaries: [
      { Id: traceId(1), Duration: 29.9, HasFault: true, HasError: false, Http: { HttpStatus: 502 } },
      { Id: traceId(2), HasThrottle: true },
    ],
  });
  expect(await findFailingTraces(xray, 'eu-west-1', search, signal)).toEqual([
    {
      id: traceId(1),
      url: `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/${traceId(1)}`,
      durationSeconds: 29.9,
      httpStatus: 502,
      fault: true,
      error: false,
      throttle: false,
    },
    {
      id: traceId(2),
      url: `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/${traceId(2)}`,
      durationSeconds: undefined,
      httpStatus: undefined,
      fault: false,
      error: false,
      throttle: true,
    },
  ]);
});

test('follows NextToken past empty pages, and stops at five traces', async () => {
  xrayMock
    .on(GetTraceSummariesCommand)
    .resolvesOnce({ TraceSummaries: [], NextToken: 'scan-on' })
    .resolvesOnce({
      TraceSummaries: [1, 2, 3].map((n) => ({ Id: traceId(n), HasFault: true })),
      NextToken: 'more',
    })
    .resolvesOnce({
      TraceSummaries: [4, 5, 6].map((n) => ({ Id: traceId(n), HasFault: true })),
      NextToken: 'more',
    });
  const traces = await findFailingTraces(xray, 'eu-west-1', search, signal);
  expect(traces.map((trace) => trace.id)).toEqual([1, 2, 3, 4, 5].map(traceId));
  expect(xrayMock.commandCalls(GetTraceSummariesCommand).map((call) => call.args[0].input.NextToken)).toEqual(
    [undefined, 'scan-on', 'more'],
  );
});

test('gives up scanning after a bounded number of empty pages', async () => {
  xrayMock.on(GetTraceSummariesCommand).resolves({ TraceSummaries: [], NextToken: 'scan-on' });
  expect(await findFailingTraces(xray, 'eu-west-1', search, signal)).toEqual([]);
  expect(xrayMock.commandCalls(GetTraceSummariesCommand)).toHaveLength(5);
});
