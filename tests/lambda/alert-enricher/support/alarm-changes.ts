// Alarm changes as the enricher's parser produces them, one per kind of alarm the context sources
// treat differently, and the composite's children as DescribeAlarms returns them. Names follow the
// alarm events in ./alarm-events.ts.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AlarmDescription } from '../../../../constructs/contracts/alarm-description';
import type { AlarmChange, AlarmMetricQuery } from '../../../../lambda/shared/alarm-change';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CHANGED_AT = '2026-11-23T03:12:00.000Z';
export const API_FUNCTION = 'vigil-dev-predictor-api';
export const API_LOG_GROUP = '/aws/lambda/vigil-dev-predictor-api';

export const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

export function vigilDescription(fields: Partial<AlarmDescription> = {}): AlarmDescription {
  return {
    vigil: 1,
    service: 'predictor',
    resource: 'api',
    signal: 'errors',
    severity: 'critical',
    summary: 'The API function fails invocations; callers see 5XX answers.',
    threshold: 'at least 5 errors in 5 minutes',
    runbook: 'https://runbooks.example.org/vigil/lambda-errors',
    playbook: 'lambda-alias-rollback',
    logGroup: API_LOG_GROUP,
    ...fields,
  };
}

export function lambdaMetric(id: string, metricName: string, returnData: boolean): AlarmMetricQuery {
  return {
    id,
    returnData,
    metricStat: {
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: API_FUNCTION },
      period: 300,
      stat: 'Sum',
    },
  };
}

function change(
  name: string,
  vigil: AlarmDescription | undefined,
  fields: Partial<AlarmChange> & Pick<AlarmChange, 'kind'>,
): AlarmChange {
  return {
    origin: 'eventbridge',
    eventId: `event-${name}`,
    alarmArn: alarmArn(name),
    alarmName: name,
    account: ACCOUNT,
    region: REGION,
    state: 'ALARM',
    previousState: 'OK',
    changedAt: CHANGED_AT,
    reason: 'Threshold Crossed: 1 out of the last 1 datapoints [37.0 (23/11/26 03:07:00)] was greater than …',
    description: vigil ? JSON.stringify(vigil) : 'Orders table throttles reads',
    vigil,
    metrics: [],
    recentDatapoints: [],
    triggeringAlarms: [],
    ...fields,
  };
}

/** A Vigil single-metric alarm: the API function's Errors sum. */
export const lambdaErrorsChange = change('vigil-dev-predictor-api-errors', vigilDescription(), {
  kind: 'metric',
  metrics: [lambdaMetric('m1', 'Errors', true)],
  threshold: 5,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  recentDatapoints: [37],
});

/** A Vigil metric-math alarm: errors as a percentage of invocations. */
export const errorRateChange = change(
  'vigil-dev-predictor-api-error-rate',
  vigilDescription({ signal: 'error-rate', threshold: '5% of invocations fail' }),
  {
    kind: 'metric-math',
    metrics: [
      {
        id: 'rate',
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        label: 'Error rate (%)',
        returnData: true,
        period: 300,
      },
      lambdaMetric('errors', 'Errors', false),
      lambdaMetric('invocations', 'Invocations', false),
    ],
    threshold: 5,
    recentDatapoints: [12.5],
  },
);

/** A Vigil anomaly-band alarm: invocations fell below the band their history predicts. */
export const trafficDropChange = change(
  'vigil-dev-predictor-api-traffic-drop',
  vigilDescription({ signal: 'traffic-drop', severity: 'high', threshold: 'below the 3σ band' }),
  {
    kind: 'anomaly-band',
    metrics: [
      lambdaMetric('m1', 'Invocations', true),
      { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 3)', returnData: true },
    ],
    thresholdMetricId: 'ad1',
    comparisonOperator: 'LessThanLowerThreshold',
    recentDatapoints: [3],
    recentLowerThresholds: [40],
    recentUpperThresholds: [160],
  },
);

export const ERROR_RATE_CHILD = 'vigil-dev-predictor-api-error-rate';
export const THROTTLES_CHILD = 'vigil-dev-predictor-results-throttles';

/** A Vigil composite over two children, of which the error-rate alarm triggered it. */
export const healthCompositeChange = change(
  'vigil-dev-predictor-api-health',
  vigilDescription({ signal: 'health', logGroup: undefined, runbook: 'https://runbooks.example.org/health' }),
  {
    kind: 'composite',
    alarmRule: `ALARM("${ERROR_RATE_CHILD}") OR ALARM(${THROTTLES_CHILD})`,
    triggeringAlarms: [
      { arn: alarmArn(ERROR_RATE_CHILD), name: ERROR_RATE_CHILD, state: 'ALARM', changedAt: CHANGED_AT },
    ],
  },
);

const lambdaStat = (metricName: string) => ({
  Metric: {
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: [{ Name: 'FunctionName', Value: API_FUNCTION }],
  },
  Period: 300,
  Stat: 'Sum',
});

/** The composite's error-rate child as DescribeAlarms returns it: a metric-math alarm, in ALARM. */
export const errorRateAlarm: MetricAlarm = {
  AlarmName: ERROR_RATE_CHILD,
  AlarmDescription: JSON.stringify(
    vigilDescription({ signal: 'error-rate', summary: 'Callers see 5XX answers.' }),
  ),
  StateValue: 'ALARM',
  StateTransitionedTimestamp: new Date('2026-11-23T03:10:00.000Z'),
  StateUpdatedTimestamp: new Date('2026-11-23T03:11:00.000Z'),
  Threshold: 5,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  Metrics: [
    {
      Id: 'rate',
      Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      Label: 'Error rate (%)',
      ReturnData: true,
      Period: 300,
    },
    { Id: 'errors', MetricStat: lambdaStat('Errors'), ReturnData: false },
    { Id: 'invocations', MetricStat: lambdaStat('Invocations'), ReturnData: false },
  ],
};

/** The throttles child: a single-metric DynamoDB alarm, OK. */
export const throttlesAlarm: MetricAlarm = {
  AlarmName: THROTTLES_CHILD,
  AlarmDescription: JSON.stringify(
    vigilDescription({ resource: 'results', signal: 'throttles', summary: 'Results writes are throttled.' }),
  ),
  StateValue: 'OK',
  Namespace: 'AWS/DynamoDB',
  MetricName: 'ThrottledRequests',
  Dimensions: [{ Name: 'TableName', Value: 'vigil-dev-results' }],
  Statistic: 'Sum',
  Period: 60,
  Threshold: 1,
};

/** An alarm made outside Vigil, on a DynamoDB table: no Vigil description, no log group, no traces. */
export const outsideTableChange = change('orders-table-throttles', undefined, {
  kind: 'metric',
  metrics: [
    {
      id: 'm1',
      returnData: true,
      metricStat: {
        namespace: 'AWS/DynamoDB',
        metricName: 'ThrottledRequests',
        dimensions: { TableName: 'orders', Operation: 'GetItem' },
        period: 60,
        stat: 'Sum',
      },
    },
  ],
  threshold: 1,
  recentDatapoints: [4],
});
