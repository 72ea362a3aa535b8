import {
  alertLinks,
  logsInsightsUrl,
  traceUrl,
} from '../../../../lambda/alert-enricher/context/console-links';
import { failingTracesSearch } from '../../../../lambda/alert-enricher/context/failing-traces';
import { errorLogsQuery } from '../../../../lambda/alert-enricher/context/log-errors';
import {
  API_FUNCTION,
  API_LOG_GROUP,
  healthCompositeChange,
  lambdaErrorsChange,
  outsideTableChange,
} from '../support/alarm-changes';

const CONSOLE = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1';

test('a Lambda alarm links its alarm, metrics, error logs, failing traces and runbook', () => {
  const links = alertLinks(lambdaErrorsChange, lambdaErrorsChange, {
    logs: errorLogsQuery(API_LOG_GROUP, lambdaErrorsChange),
    traces: failingTracesSearch(API_FUNCTION, lambdaErrorsChange),
  });
  expect(links.map((link) => link.label)).toEqual([
    'Alarm',
    'Metrics',
    'Error logs',
    'Failing traces',
    'Runbook',
  ]);
  expect(links[0]?.url).toBe(`${CONSOLE}#alarmsV2:alarm/vigil-dev-predictor-api-errors`);
  expect(links[4]?.url).toBe('https://runbooks.example.org/vigil/lambda-errors');
});

test('alarm names are URL-encoded in the alarm link', () => {
  const [alarm] = alertLinks({ ...outsideTableChange, alarmName: 'Orders / throttles #1' }, undefined, {});
  expect(alarm?.url).toBe(`${CONSOLE}#alarmsV2:alarm/Orders%20%2F%20throttles%20%231`);
});

test('the metrics link opens the alarm’s graph, in the console’s JSURL state', () => {
  const url = alertLinks(lambdaErrorsChange, lambdaErrorsChange, {}).find(
    (link) => link.label === 'Metrics',
  )?.url;
  expect(url).toContain(`${CONSOLE}#metricsV2:graph=~(`);
  expect(url).toContain(
    "metrics~(~(~'AWS*2fLambda~'Errors~'FunctionName~'vigil-dev-predictor-api~(stat~'Sum~period~300~id~'m1)))",
  );
  expect(url).toContain("start~'2026-11-23T00*3a12*3a00.000Z~end~'2026-11-23T03*3a17*3a00.000Z");
  expect(url).toContain("horizontal~(~(label~'Threshold~value~5))");
});

test('the Logs Insights link carries the query, the window and the log group, escaped as the console expects', () => {
  const url = logsInsightsUrl('eu-west-1', {
    logGroup: '/aws/lambda/fn',
    query: 'filter level = "ERROR" | limit 5',
    start: new Date('2026-11-23T02:42:00.000Z'),
    end: new Date('2026-11-23T03:17:00.000Z'),
  });
  expect(url).toBe(
    `${CONSOLE}#logsV2:logs-insights$3FqueryDetail$3D~(end~'2026-11-23T03*3a17*3a00.000Z` +
      "~start~'2026-11-23T02*3a42*3a00.000Z~timeType~'ABSOLUTE~tz~'UTC" +
      "~editorString~'filter*20level*20*3d*20*22ERROR*22*20*7c*20limit*205~source~(~'*2faws*2flambda*2ffn))",
  );
});

test('the traces link searches the failing traces over the same window', () => {
  const search = failingTracesSearch(API_FUNCTION, lambdaErrorsChange);
  const url = alertLinks(lambdaErrorsChange, lambdaErrorsChange, { traces: search }).find(
    (link) => link.label === 'Failing traces',
  )?.url;
  expect(url).toBe(
    `${CONSOLE}#xray:traces/query?~(query~(expression~'service*28*22vigil-dev-predictor-api*22*29*20AND*20*28` +
      'fault*20*3d*20true*20OR*20error*20*3d*20true*20OR*20throttle*20*3d*20true*29)' +
      "~context~(timeRange~(end~'2026-11-23T03*3a17*3a00.000Z~start~'2026-11-23T02*3a57*3a00.000Z)))",
  );
});

test('a trace links to its own page', () => {
  expect(traceUrl('eu-west-1', '1-6352641a-03093dcd66a913fd00a682ac')).toBe(
    `${CONSOLE}#xray:traces/1-6352641a-03093dcd66a913fd00a682ac`,
  );
});

test('an outside alarm without a runbook, logs or traces links only what exists', () => {
  expect(alertLinks(outsideTableChange, outsideTableChange, {}).map((link) => link.label)).toEqual([
    'Alarm',
    'Metrics',
  ]);
});

test('a composite without a metric child links the composite and its runbook', () => {
  expect(alertLinks(healthCompositeChange, undefined, {})).toEqual([
    { label: 'Alarm', url: `${CONSOLE}#alarmsV2:alarm/vigil-dev-predictor-api-health` },
    { label: 'Runbook', url: 'https://runbooks.example.org/health' },
  ]);
});
