import { GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { failingTracesSearch, findFailingTraces } from '../../lambda/alert-enricher/context/failing-traces';
import { LocalAws } from '../../scripts/local-loop/local-aws';
import { LocalTraceStore, newTraceId, standInXRay } from '../../scripts/local-loop/xray-stand-in';

const FUNCTION = 'vigil-dev-predictor-ApiFunction';
const CHANGED_AT = Date.parse('2026-12-06T19:30:00.000Z');
const MINUTE = 60_000;

function localAws() {
  const aws = new LocalAws();
  const traces = new LocalTraceStore();
  standInXRay(aws, traces);
  // DynamoDB is not used here: nothing listens on the endpoint.
  return { traces, clients: aws.clients('http://127.0.0.1:9') };
}

describe('X-Ray stand-in', () => {
  const trace = (minutesBefore: number, status: number, functionName = FUNCTION) => {
    const startTime = CHANGED_AT - minutesBefore * MINUTE;
    return {
      id: newTraceId(startTime, `${functionName}:${minutesBefore}:${status}`),
      startTime,
      durationMs: 30,
      http: { method: 'POST', url: 'https://api.example/predict', status },
      functionName,
      account: '123456789012',
    };
  };

  test("answers the enricher's search: the service's faulting, erroring and throttled traces in the window, newest first", async () => {
    const { traces, clients } = localAws();
    for (const recorded of [
      trace(10, 500),
      trace(8, 200),
      trace(6, 429),
      trace(4, 404),
      trace(3, 500, 'another-function'),
      trace(20, 500), // before the window (15 minutes before the change)
    ]) {
      traces.record(recorded);
    }

    const found = await findFailingTraces(
      clients.xray,
      'eu-west-1',
      failingTracesSearch(FUNCTION, { changedAt: new Date(CHANGED_AT).toISOString() }),
      new AbortController().signal,
    );

    expect(
      found.map(({ httpStatus, fault, error, throttle }) => ({ httpStatus, fault, error, throttle })),
    ).toEqual([
      { httpStatus: 404, fault: false, error: true, throttle: false },
      { httpStatus: 429, fault: false, error: true, throttle: true },
      { httpStatus: 500, fault: true, error: false, throttle: false },
    ]);
    expect(found[2]?.durationSeconds).toBe(0.03);
  });

  test('summaries in the documented shape', async () => {
    const { traces, clients } = localAws();
    const recorded = trace(1, 500);
    traces.record(recorded);
    const response = await clients.xray.send(
      new GetTraceSummariesCommand({
        StartTime: new Date(CHANGED_AT - 5 * MINUTE),
        EndTime: new Date(CHANGED_AT),
        FilterExpression: `service("${FUNCTION}")`,
      }),
    );
    expect(response.TraceSummaries).toEqual([
      expect.objectContaining({
        Id: expect.stringMatching(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/),
        StartTime: new Date(recorded.startTime),
        Duration: 0.03,
        ResponseTime: 0.03,
        HasFault: true,
        HasError: false,
        HasThrottle: false,
        Http: { HttpURL: 'https://api.example/predict', HttpStatus: 500, HttpMethod: 'POST' },
        ServiceIds: [expect.objectContaining({ Name: FUNCTION, Type: 'AWS::Lambda::Function' })],
      }),
    ]);
    // The id's time part is the trace's start, in epoch seconds.
    expect(Number.parseInt(recorded.id.split('-')[1] as string, 16)).toBe(
      Math.floor(recorded.startTime / 1000),
    );
    expect(response.TracesProcessedCount).toBe(1);
  });

  test.each(['responsetime > 5', 'annotation.account = "12345"', 'service("a") AND', 'fault = maybe'])(
    'refuses a filter expression it does not implement: %s',
    async (FilterExpression) => {
      const { clients } = localAws();
      await expect(
        clients.xray.send(
          new GetTraceSummariesCommand({ StartTime: new Date(0), EndTime: new Date(1000), FilterExpression }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    },
  );
});
