import { CloudWatchClient, GetMetricWidgetImageCommand } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type GraphStorage,
  metricWidget,
  renderMetricGraph,
} from '../../../../lambda/alert-enricher/context/metric-graph';
import { parseAlarmEvent } from '../../../../lambda/shared/alarm-event';
import {
  API_FUNCTION,
  errorRateChange,
  lambdaErrorsChange,
  trafficDropChange,
} from '../support/alarm-changes';
import {
  documentedMetricMathAlarmEvent,
  documentedSingleMetricAlarmEvent,
} from '../support/documented-events';

const config = { region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
const cloudWatchMock = mockClient(CloudWatchClient);
const s3Mock = mockClient(S3Client);
const cloudWatch = new CloudWatchClient(config);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
const NOW = new Date('2026-11-23T03:12:02.000Z');
const storage: GraphStorage = {
  s3: new S3Client(config),
  presigningS3: new S3Client(config),
  bucket: 'vigil-dev-alert-artifacts',
  urlTtlSeconds: 900,
  now: () => NOW,
};
const signal = new AbortController().signal;

beforeEach(() => {
  cloudWatchMock.reset();
  s3Mock.reset();
  cloudWatchMock.on(GetMetricWidgetImageCommand).resolves({ MetricWidgetImage: PNG });
  s3Mock.on(PutObjectCommand).resolves({});
});

function sentWidget(): Record<string, unknown> {
  const input = cloudWatchMock.commandCalls(GetMetricWidgetImageCommand)[0]?.args[0].input;
  expect(input?.OutputFormat).toBe('png');
  return JSON.parse(input?.MetricWidget ?? '{}');
}

test('draws the alarm’s metric with the threshold and the transition, 800×400 over three hours', async () => {
  await renderMetricGraph(cloudWatch, storage, lambdaErrorsChange, signal);
  expect(sentWidget()).toEqual({
    title: 'vigil-dev-predictor-api-errors',
    view: 'timeSeries',
    stacked: false,
    region: 'eu-west-1',
    start: '2026-11-23T00:12:00.000Z',
    end: '2026-11-23T03:17:00.000Z',
    metrics: [['AWS/Lambda', 'Errors', 'FunctionName', API_FUNCTION, { stat: 'Sum', period: 300, id: 'm1' }]],
    annotations: {
      horizontal: [{ label: 'Threshold', value: 5 }],
      vertical: [{ label: 'ALARM', value: '2026-11-23T03:12:00.000Z' }],
    },
    width: 800,
    height: 400,
  });
});

test('a metric-math alarm draws its expression, its inputs hidden', async () => {
  await renderMetricGraph(cloudWatch, storage, errorRateChange, signal);
  expect(sentWidget().metrics).toEqual([
    [
      {
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        period: 300,
        id: 'rate',
        label: 'Error rate (%)',
      },
    ],
    [
      'AWS/Lambda',
      'Errors',
      'FunctionName',
      API_FUNCTION,
      { stat: 'Sum', period: 300, id: 'errors', visible: false },
    ],
    [
      'AWS/Lambda',
      'Invocations',
      'FunctionName',
      API_FUNCTION,
      { stat: 'Sum', period: 300, id: 'invocations', visible: false },
    ],
  ]);
});

test('an anomaly-band alarm draws the band and no threshold line', async () => {
  await renderMetricGraph(cloudWatch, storage, { ...trafficDropChange, threshold: 0 }, signal);
  const widget = sentWidget();
  expect(widget.metrics).toContainEqual([{ expression: 'ANOMALY_DETECTION_BAND(m1, 3)', id: 'ad1' }]);
  expect(widget.annotations).toEqual({ vertical: [{ label: 'ALARM', value: '2026-11-23T03:12:00.000Z' }] });
});

test('stores the PNG under graphs/<alarm>/<changedAt>.png without naming an encryption', async () => {
  const graph = await renderMetricGraph(cloudWatch, storage, lambdaErrorsChange, signal);
  expect(graph.key).toBe('graphs/vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z.png');
  expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toStrictEqual({
    Bucket: 'vigil-dev-alert-artifacts',
    Key: graph.key,
    Body: PNG,
    ContentType: 'image/png',
  });
});

test('links the stored graph with a presigned GET that expires as configured', async () => {
  const graph = await renderMetricGraph(cloudWatch, storage, lambdaErrorsChange, signal);
  const url = new URL(graph.url);
  expect(url.host).toBe('vigil-dev-alert-artifacts.s3.eu-west-1.amazonaws.com');
  expect(decodeURIComponent(url.pathname)).toBe(`/${graph.key}`);
  expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
  expect(url.searchParams.get('X-Amz-Date')).toBe('20261123T031202Z');
  expect(graph.expiresAt).toBe('2026-11-23T03:27:02.000Z');
});

test('nothing is stored when CloudWatch returns no image', async () => {
  cloudWatchMock.on(GetMetricWidgetImageCommand).resolves({});
  await expect(renderMetricGraph(cloudWatch, storage, lambdaErrorsChange, signal)).rejects.toThrow(
    'CloudWatch returned no image',
  );
  expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
});

/** The `id` of every metric and expression in a widget's `metrics` array. */
function widgetIds(widget: Record<string, unknown>): unknown[] {
  return (widget.metrics as unknown[][]).map((entry) => (entry.at(-1) as { id?: unknown }).id);
}

function documentedChange(event: unknown) {
  const [parsed] = parseAlarmEvent(event);
  if (!parsed?.ok) throw new Error('the documented sample must parse');
  return parsed.change;
}

test('the documented single-metric alarm event, whose metric id is a UUID, is drawn under a valid id', async () => {
  await renderMetricGraph(cloudWatch, storage, documentedChange(documentedSingleMetricAlarmEvent), signal);
  const ids = widgetIds(sentWidget());
  expect(ids).toHaveLength(1);
  for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
});

test('the documented metric math alarm keeps its author’s ids and expression', () => {
  const widget = metricWidget(documentedChange(documentedMetricMathAlarmEvent));
  expect(widgetIds(widget as Record<string, unknown>)).toEqual(['e1', 'm1', 'm2']);
  expect(widget.metrics).toContainEqual([
    { expression: 'SUM(METRICS())', id: 'e1', label: 'Total Network Traffic' },
  ]);
});
