/**
 * Plausible service answers for the enrichment benchmark, keyed by SDK command name: what each
 * call returns once its delay has passed. Shaped as the SDK's deserialized output.
 */
const CHANGED_AT = new Date('2026-11-23T03:12:00.000Z');
const minutesBefore = (minutes: number) => new Date(CHANGED_AT.getTime() - minutes * 60_000);
// A 1x1 PNG: the benchmark times the calls, not the image.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const OUTPUTS: Record<string, Record<string, unknown>> = {
  GetItemCommand: {},
  PutItemCommand: {},
  UpdateItemCommand: {},
  GetMetricDataCommand: {
    MetricDataResults: [
      {
        Id: 'm1',
        Label: 'Errors',
        StatusCode: 'Complete',
        Timestamps: [0, 5, 10, 15].map(minutesBefore),
        Values: [37, 21, 2, 0],
      },
    ],
  },
  GetMetricWidgetImageCommand: { MetricWidgetImage: new Uint8Array(PNG) },
  PutObjectCommand: { ETag: '"bench"' },
  StartQueryCommand: { queryId: 'bench-query' },
  GetQueryResultsCommand: {
    status: 'Complete',
    results: [
      [
        { field: 'text', value: 'Task timed out after 29.00 seconds' },
        { field: 'occurrences', value: '31' },
      ],
      [
        { field: 'text', value: 'ModelUnavailableError: model file unreadable' },
        { field: 'occurrences', value: '6' },
      ],
    ],
  },
  GetTraceSummariesCommand: {
    TraceSummaries: [
      { Id: '1-6741a2b0-0f8c3e5d9a1b2c3d4e5f6a7b', Duration: 29.1, HasFault: true, HasError: false },
    ],
  },
  DescribeAlarmHistoryCommand: {
    AlarmHistoryItems: [
      {
        Timestamp: CHANGED_AT,
        HistoryItemType: 'StateUpdate',
        HistoryData: JSON.stringify({ oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM' } }),
      },
    ],
  },
  LookupEventsCommand: {
    Events: [
      {
        EventTime: minutesBefore(20),
        EventName: 'UpdateAlias20150331',
        Username: 'deploy-pipeline',
        CloudTrailEvent: JSON.stringify({ readOnly: false }),
      },
    ],
  },
  ListTagsForResourceCommand: { Tags: [{ Key: 'Owner', Value: 'predictor-team' }] },
  DescribeAlarmsCommand: { MetricAlarms: [], CompositeAlarms: [] },
  PublishCommand: { MessageId: 'bench-message' },
  SendMessageCommand: { MessageId: 'bench-dead-letter' },
  GetSecretValueCommand: { SecretString: 'BENCHROUTINGKEY' },
};

export function cannedOutput(command: string): Record<string, unknown> {
  const output = OUTPUTS[command];
  if (!output) throw new Error(`the benchmark has no canned answer for ${command}`);
  return output;
}

/** The predictor API's Errors alarm going to ALARM; each id is a new alarm, so each run opens an episode. */
export function metricAlarmEvent(id: string) {
  const alarmName = `vigil-bench-predictor-api-errors-${id}`;
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-11-23T03:12:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      configuration: {
        description: JSON.stringify({
          vigil: 1,
          service: 'predictor',
          resource: 'api',
          signal: 'errors',
          severity: 'critical',
          summary: 'The API function fails invocations; callers see 5XX answers.',
          threshold: 'at least 5 errors in 5 minutes',
          playbook: 'lambda-alias-rollback',
        }),
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: 'AWS/Lambda',
                name: 'Errors',
                dimensions: { FunctionName: 'vigil-bench-api' },
              },
              period: 300,
              stat: 'Sum',
            },
            returnData: true,
          },
        ],
      },
      previousState: {
        value: 'OK',
        reason: 'Threshold not crossed',
        timestamp: '2026-11-23T02:40:00.000+0000',
      },
      state: {
        value: 'ALARM',
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [37.0] was greater than or equal to the threshold (5.0).',
        reasonData: JSON.stringify({ recentDatapoints: [37], threshold: 5 }),
        timestamp: '2026-11-23T03:12:00.000+0000',
      },
    },
  };
}
