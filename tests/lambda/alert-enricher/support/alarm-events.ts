// Raw alarm state change payloads as CloudWatch sends them, shaped after the examples in the
// CloudWatch user guide ("Alarm events and EventBridge") and real SNS alarm notifications.

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

export const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

const vigilDescription = (fields: Record<string, string>) =>
  JSON.stringify({
    vigil: 1,
    service: 'predictor',
    resource: 'api',
    signal: 'errors',
    severity: 'critical',
    summary: 'The API function fails invocations; callers see 5XX answers.',
    threshold: 'at least 5 errors in 5 minutes',
    runbook: 'https://runbooks.example.org/vigil/lambda-errors',
    playbook: 'lambda-alias-rollback',
    logGroup: '/aws/lambda/vigil-dev-predictor-api',
    ...fields,
  });

/** One of the API function's Lambda metrics as the event's `configuration.metrics` lists it (5-minute periods). */
function apiFunctionMetric(id: string, name: string, stat: string, returnData: boolean) {
  return {
    id,
    metricStat: {
      metric: { namespace: 'AWS/Lambda', name, dimensions: { FunctionName: 'vigil-dev-predictor-api' } },
      period: 300,
      stat,
    },
    returnData,
  };
}

interface EventOptions {
  readonly id?: string;
  readonly name?: string;
  readonly state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly previous?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly at?: string;
  readonly description?: string;
  /** CloudWatch's reason sentence for the new state. @default a 1-of-1 crossing of threshold 5 */
  readonly reason?: string;
}

function envelope(options: EventOptions, configuration: Record<string, unknown>, reasonData: unknown) {
  const name = options.name ?? 'vigil-dev-predictor-api-errors';
  const at = options.at ?? '2026-11-23T03:12:00.000Z';
  const state = options.state ?? 'ALARM';
  return {
    version: '0',
    id: options.id ?? 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: at.replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [alarmArn(name)],
    detail: {
      alarmName: name,
      configuration: { description: options.description ?? vigilDescription({}), ...configuration },
      previousState: {
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (23/11/26 03:02:00)] was not greater than or equal to the threshold (5.0).',
        timestamp: '2026-11-23T02:40:00.000+0000',
        value: options.previous ?? (state === 'ALARM' ? 'OK' : 'ALARM'),
      },
      state: {
        reason:
          options.reason ??
          (state === 'ALARM'
            ? 'Threshold Crossed: 1 out of the last 1 datapoints [37.0 (23/11/26 03:07:00)] was greater than or equal to the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).'
            : 'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (23/11/26 03:40:00)] was not greater than or equal to the threshold (5.0).'),
        reasonData: reasonData === undefined ? undefined : JSON.stringify(reasonData),
        timestamp: at.replace('Z', '+0000').replace(/\+00:00$/, '+0000'),
        value: state,
      },
    },
  };
}

/** A single-metric alarm: the API function's Errors sum. */
export function metricAlarmEvent(options: EventOptions = {}) {
  return envelope(
    options,
    {
      metrics: [apiFunctionMetric('m1', 'Errors', 'Sum', true)],
    },
    {
      version: '1.0',
      queryDate: '2026-11-23T03:12:00.102+0000',
      startDate: '2026-11-23T03:07:00.000+0000',
      statistic: 'Sum',
      period: 300,
      recentDatapoints: [37],
      threshold: 5,
      evaluatedDatapoints: [{ timestamp: '2026-11-23T03:07:00.000+0000', sampleCount: 5, value: 37 }],
    },
  );
}

/** A metric-math alarm: error rate in percent of invocations. */
export function metricMathAlarmEvent(options: EventOptions = {}) {
  return envelope(
    {
      name: 'vigil-dev-predictor-api-error-rate',
      description: vigilDescription({ signal: 'error-rate' }),
      ...options,
    },
    {
      metrics: [
        {
          expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
          id: 'expr_1',
          label: 'Error rate (%)',
          returnData: true,
        },
        apiFunctionMetric('errors', 'Errors', 'Sum', false),
        apiFunctionMetric('invocations', 'Invocations', 'Sum', false),
      ],
    },
    {
      version: '1.0',
      queryDate: '2026-11-23T03:12:00.551+0000',
      startDate: '2026-11-23T03:02:00.000+0000',
      period: 300,
      recentDatapoints: [12.5, 18.2],
      threshold: 5,
    },
  );
}

/**
 * The API function's p99 duration alarm (threshold 8000 ms, 2 of 3 five-minute periods): CloudWatch
 * evaluated 7210, 8433 and 9874 ms; the period from 03:10 was still in progress at the change.
 */
export function p99DurationAlarmEvent(options: EventOptions = {}) {
  return envelope(
    {
      name: 'vigil-dev-predictor-api-p99-duration',
      description: vigilDescription({
        signal: 'p99-duration',
        severity: 'critical',
        summary: 'The slowest invocations approach the timeout; timeouts and retries follow.',
        threshold: '80% of the 10 s timeout, for 15 minutes',
      }),
      reason:
        'Threshold Crossed: 2 out of the last 3 datapoints [9874.0 (23/11/26 03:05:00), 8433.0 (23/11/26 03:00:00)] ' +
        'were greater than or equal to the threshold (8000.0) (minimum 2 datapoints for OK -> ALARM transition).',
      ...options,
    },
    {
      metrics: [apiFunctionMetric('m1', 'Duration', 'p99', true)],
    },
    {
      version: '1.0',
      queryDate: '2026-11-23T03:12:00.102+0000',
      startDate: '2026-11-23T02:55:00.000+0000',
      statistic: 'p99',
      period: 300,
      recentDatapoints: [7210, 8433, 9874],
      threshold: 8000,
    },
  );
}

/**
 * An error-ratio alarm made with Vigil's description but a ratio of one (threshold 0.05 for "more than
 * 5%"), as teams write them: CloudWatch evaluated 0.0092, 0.071 and 0.083.
 */
export function errorRatioAlarmEvent(options: EventOptions = {}) {
  return envelope(
    {
      name: 'vigil-dev-predictor-api-error-ratio',
      description: vigilDescription({
        signal: 'error-ratio',
        threshold: 'more than 5% of requests in 2 of 3 five-minute periods',
      }),
      reason:
        'Threshold Crossed: 2 out of the last 3 datapoints [0.083 (23/11/26 03:05:00), 0.071 (23/11/26 03:00:00)] ' +
        'were greater than the threshold (0.05) (minimum 2 datapoints for OK -> ALARM transition).',
      ...options,
    },
    {
      metrics: [
        { expression: 'errors / requests', id: 'ratio', label: 'Error ratio', returnData: true },
        apiFunctionMetric('errors', 'Errors', 'Sum', false),
        apiFunctionMetric('requests', 'Invocations', 'Sum', false),
      ],
    },
    {
      version: '1.0',
      queryDate: '2026-11-23T03:12:00.551+0000',
      startDate: '2026-11-23T02:55:00.000+0000',
      period: 300,
      recentDatapoints: [0.0092, 0.071, 0.083],
      threshold: 0.05,
    },
  );
}

/** An anomaly-detection alarm: the model's mean probability left its band. */
export function anomalyAlarmEvent(options: EventOptions = {}) {
  return envelope(
    {
      name: 'vigil-dev-predictor-arrest-model-mean-probability-drift',
      description: vigilDescription({
        resource: 'arrest-model',
        signal: 'mean-probability-drift',
        severity: 'warning',
      }),
      ...options,
    },
    {
      metrics: [
        {
          id: 'm1',
          metricStat: {
            metric: {
              namespace: 'Vigil/Predictor',
              name: 'MeanProbability',
              dimensions: {
                service: 'predictor-upload-scorer',
                ModelVersion: 'arrest-gbt-20261123-06952e7f',
              },
            },
            period: 3600,
            stat: 'Average',
          },
          returnData: true,
        },
        {
          id: 'ad1',
          expression: 'ANOMALY_DETECTION_BAND(m1, 3)',
          label: 'MeanProbability (expected)',
          returnData: true,
        },
      ],
    },
    {
      version: '1.0',
      queryDate: '2026-11-23T03:00:04.650+0000',
      startDate: '2026-11-23T02:00:00.000+0000',
      period: 3600,
      recentDatapoints: [0.61],
      recentLowerThresholds: [0.18],
      recentUpperThresholds: [0.34],
    },
  );
}

/** A composite alarm (an SLO burn-rate rule) with the child that triggered it. */
export function compositeAlarmEvent(options: EventOptions = {}) {
  const name = options.name ?? 'vigil-dev-predictor-api-availability-burn-fast';
  const child = 'vigil-dev-predictor-api-availability-burn-fast-long-window';
  return envelope(
    { name, description: vigilDescription({ signal: 'availability-burn-fast' }), ...options },
    {
      alarmRule: `ALARM("${alarmArn(child)}") AND ALARM("${alarmArn(`${child.replace('long', 'short')}`)}")`,
    },
    {
      triggeringAlarms: [
        { arn: alarmArn(child), state: { value: 'ALARM', timestamp: '2026-11-23T03:11:00.000+0000' } },
      ],
    },
  );
}

/** A classic SNS alarm notification from an alarm made outside Vigil, as SNS delivers it to Lambda. */
export function classicSnsEvent(message: Record<string, unknown> | string = classicNotification()) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `arn:aws:sns:${REGION}:${ACCOUNT}:vigil-dev-alarm-intake:1b2c`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:vigil-dev-alarm-intake`,
          Subject: 'ALARM: "orders-db-cpu" in EU (Ireland)',
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: '2026-11-23T03:12:00.123Z',
          MessageAttributes: {},
        },
      },
    ],
  };
}

export function classicNotification(fields: Record<string, unknown> = {}) {
  return {
    AlarmName: 'orders-db-cpu',
    AlarmDescription: 'CPU of the orders database is above 80%',
    AWSAccountId: ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: '2026-11-01T10:00:00.000+0000',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (80.0).',
    StateChangeTime: '2026-11-23T03:12:00.123+0000',
    Region: 'EU (Ireland)',
    AlarmArn: alarmArn('orders-db-cpu'),
    OldStateValue: 'OK',
    OKActions: [],
    AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:vigil-dev-alarm-intake`],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/RDS',
      StatisticType: 'Statistic',
      Statistic: 'AVERAGE',
      Unit: null,
      Dimensions: [{ value: 'orders-db', name: 'DBInstanceIdentifier' }],
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 80,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
    ...fields,
  };
}
