import { type EnrichedAlert, UNREADABLE_EPISODE_ID } from '../../../../lambda/alert-enricher/enriched-alert';

/**
 * Alerts as the enricher builds them, for the format tests. The representative one is the night
 * everyone fears: the predictor API's errors alarm going critical at 03:12 UTC, 20 minutes after a
 * deploy moved the `live` alias.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const CONSOLE = `https://${REGION}.console.aws.amazon.com`;

export const ALARM_NAME = 'vigil-predictor-api-errors';
export const ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ALARM_NAME}`;
export const OPENED_AT = '2026-11-23T03:12:00.000Z';
export const EPISODE_ID = `${ALARM_NAME}/${OPENED_AT}`;
export const RUNBOOK = 'https://runbooks.example.com/vigil/lambda-errors';

/** Five-minute sums of Lambda Errors, 02:10 to 03:05 (each stamped with its period's start). */
const ERRORS_PER_PERIOD = [0, 0, 1, 0, 0, 0, 0, 1, 0, 2, 9, 37];

export function criticalErrorsAlert(): EnrichedAlert {
  return {
    notification: 'alarm',
    severity: 'critical',
    alarm: { name: ALARM_NAME, arn: ALARM_ARN, account: ACCOUNT, region: REGION, kind: 'metric' },
    state: 'ALARM',
    previousState: 'OK',
    changedAt: OPENED_AT,
    reason:
      'Threshold Crossed: 2 out of the last 2 datapoints [37.0 (23/11/26 03:05:00), 9.0 (23/11/26 03:00:00)] ' +
      'were greater than or equal to the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).',
    // What the event's reasonData says of the same two periods, oldest first.
    evaluation: { datapoints: [9, 37], threshold: 5, breaches: 'at-or-above' },
    service: 'predictor',
    resource: 'api',
    signal: 'errors',
    summary: 'Prediction requests are failing: the API function throws errors and callers get 5XX answers.',
    thresholdReason: 'at least 5 errors in each of 2 consecutive five-minute periods',
    owner: 'team-predictor',
    runbook: RUNBOOK,
    remediation: { playbook: 'lambda-alias-rollback', policy: { mode: 'dry-run', approval: false } },
    episode: { id: EPISODE_ID, openedAt: OPENED_AT, transitions: 1, flapping: false },
    children: [],
    context: {
      breach: {
        label: 'Errors (Sum, 5 min)',
        datapoints: ERRORS_PER_PERIOD.map((value, index) => ({
          timestamp: new Date(Date.parse('2026-11-23T02:10:00.000Z') + index * 300_000).toISOString(),
          value,
        })),
        period: 300,
        threshold: 5,
      },
      graph: {
        url:
          'https://vigil-alert-artifacts-123456789012.s3.eu-west-1.amazonaws.com/graphs/vigil-predictor-api-errors/' +
          '2026-11-23T031200Z.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=43200&X-Amz-Signature=5f1c0d',
        expiresAt: '2026-11-23T15:12:00.000Z',
        key: 'graphs/vigil-predictor-api-errors/2026-11-23T031200Z.png',
      },
      logs: {
        logGroup: '/aws/lambda/predictor-api',
        top: [
          {
            message:
              'ModelUnavailableError: model artifact s3://vigil-models/predictor/v43/model.onnx not found (NoSuchKey)',
            count: 31,
          },
          { message: "TypeError: Cannot read properties of undefined (reading 'features')", count: 4 },
          { message: 'Task timed out after 29.98 seconds', count: 2 },
        ],
        queryUrl: `${CONSOLE}/cloudwatch/home?region=${REGION}#logsV2:logs-insights$3FqueryDetail$3D~(source~(~'*2faws*2flambda*2fpredictor-api))`,
      },
      traces: [
        {
          id: '1-6741b2c0-0a1b2c3d4e5f60718293a4b5',
          url: `${CONSOLE}/cloudwatch/home?region=${REGION}#xray:traces/1-6741b2c0-0a1b2c3d4e5f60718293a4b5`,
          durationSeconds: 0.84,
          httpStatus: 500,
          fault: true,
          error: false,
          throttle: false,
        },
        {
          id: '1-6741b2d9-9f8e7d6c5b4a39281706f5e4',
          url: `${CONSOLE}/cloudwatch/home?region=${REGION}#xray:traces/1-6741b2d9-9f8e7d6c5b4a39281706f5e4`,
          durationSeconds: 29.98,
          httpStatus: 504,
          fault: true,
          error: false,
          throttle: false,
        },
      ],
      history: {
        windowHours: 6,
        transitions: 3,
        flapScore: 0.5,
        recent: [
          { at: '2026-11-23T03:12:00.000Z', from: 'OK', to: 'ALARM' },
          { at: '2026-11-23T00:47:00.000Z', from: 'ALARM', to: 'OK' },
          { at: '2026-11-23T00:31:00.000Z', from: 'OK', to: 'ALARM' },
        ],
      },
      changes: [
        {
          at: '2026-11-23T02:52:00.000Z',
          event: 'UpdateAlias20150331',
          actor: 'vigil-predictor-deploy/GitHubActions-4711',
          resource: 'predictor-api:live',
        },
      ],
    },
    links: [
      { label: 'Alarm', url: `${CONSOLE}/cloudwatch/home?region=${REGION}#alarmsV2:alarm/${ALARM_NAME}` },
      {
        label: 'Metrics',
        url: `${CONSOLE}/cloudwatch/home?region=${REGION}#metricsV2?graph=~(metrics~(~(~'AWS*2fLambda~'Errors~'FunctionName~'predictor-api)))`,
      },
      {
        label: 'Logs',
        url: `${CONSOLE}/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fpredictor-api`,
      },
      { label: 'Traces', url: `${CONSOLE}/cloudwatch/home?region=${REGION}#xray:traces/query` },
      { label: 'Runbook', url: RUNBOOK },
    ],
    missing: [
      {
        source: 'tags',
        reason: 'timed out after 1500 ms; owner and runbook come from the description',
      },
    ],
  };
}

/** The same alarm back to OK 29 minutes later, on the same episode. */
export function resolvedAlert(): EnrichedAlert {
  const alert = criticalErrorsAlert();
  return {
    ...alert,
    notification: 'resolved',
    state: 'OK',
    previousState: 'ALARM',
    changedAt: '2026-11-23T03:41:00.000Z',
    reason:
      'Threshold Crossed: 2 out of the last 2 datapoints [0.0 (23/11/26 03:35:00), 1.0 (23/11/26 03:30:00)] ' +
      'were not greater than or equal to the threshold (5.0).',
    evaluation: { datapoints: [1, 0], threshold: 5, breaches: 'at-or-above' },
    episode: { ...alert.episode, transitions: 2 },
    context: {
      breach: {
        label: 'Errors (Sum, 5 min)',
        datapoints: [
          { timestamp: '2026-11-23T03:25:00.000Z', value: 3 },
          { timestamp: '2026-11-23T03:30:00.000Z', value: 1 },
          { timestamp: '2026-11-23T03:35:00.000Z', value: 0 },
        ],
        period: 300,
        threshold: 5,
      },
    },
    missing: [],
  };
}

/** The same episode going back and forth: one alert stands for nine transitions. */
export function flappingAlert(): EnrichedAlert {
  const alert = criticalErrorsAlert();
  return {
    ...alert,
    notification: 'flapping',
    changedAt: '2026-11-23T04:05:00.000Z',
    episode: { ...alert.episode, transitions: 9, flapping: true },
    context: {
      ...alert.context,
      history: {
        windowHours: 6,
        transitions: 11,
        flapScore: 1.83,
        recent: [
          { at: '2026-11-23T04:05:00.000Z', from: 'OK', to: 'ALARM' },
          { at: '2026-11-23T03:58:00.000Z', from: 'ALARM', to: 'OK' },
          { at: '2026-11-23T03:51:00.000Z', from: 'OK', to: 'ALARM' },
        ],
      },
    },
  };
}

/** A composite whose two children are in ALARM; composites have no metric, so no breach numbers. */
export function compositeAlert(): EnrichedAlert {
  const name = 'vigil-predictor-api-degraded';
  return {
    ...criticalErrorsAlert(),
    alarm: {
      name,
      arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
      account: ACCOUNT,
      region: REGION,
      kind: 'composite',
    },
    reason: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ALARM_NAME} transitioned to ALARM at Monday 23 November, 2026 03:12:00 UTC`,
    // A composite's reasonData names its triggering children, not values.
    evaluation: undefined,
    signal: 'degraded',
    summary: 'The predictor API is degraded: errors and slow answers at the same time.',
    thresholdReason: undefined,
    remediation: undefined,
    episode: { id: `${name}/${OPENED_AT}`, openedAt: OPENED_AT, transitions: 1, flapping: false },
    children: [
      { name: ALARM_NAME, state: 'ALARM', summary: 'Prediction requests are failing.' },
      {
        name: 'vigil-predictor-api-p99-duration',
        state: 'ALARM',
        summary: 'The slowest invocations approach the timeout; timeouts and retries follow.',
      },
    ],
    context: {},
    missing: [],
  };
}

/** What the enricher sends for an event it cannot read. */
export function unparseableAlert(): EnrichedAlert {
  return {
    notification: 'unparseable',
    severity: 'high',
    alarm: { name: 'unparseable-event', arn: '', account: '', region: '', kind: 'metric' },
    state: 'ALARM',
    previousState: 'INSUFFICIENT_DATA',
    changedAt: '2026-11-23T03:12:04.512Z',
    reason: 'detail.state.value: expected one of OK, ALARM, INSUFFICIENT_DATA (got "PENDING")',
    service: 'alerting',
    summary: 'Vigil received an event it could not read: detail.state.value is "PENDING"',
    episode: {
      id: UNREADABLE_EPISODE_ID,
      openedAt: '2026-11-23T03:12:04.512Z',
      transitions: 1,
      flapping: false,
    },
    children: [],
    context: {},
    links: [],
    missing: [],
    rawEvent: JSON.stringify({
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      detail: { alarmName: ALARM_NAME, state: { value: 'PENDING' } },
    }),
  };
}

/** An alarm made outside Vigil: no description to read, so no service, resource, signal or runbook. */
export function outsideAlert(): EnrichedAlert {
  const name = 'legacy-orders-db-cpu';
  return {
    notification: 'alarm',
    severity: 'high',
    alarm: {
      name,
      arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
      account: ACCOUNT,
      region: REGION,
      kind: 'metric',
    },
    state: 'ALARM',
    previousState: 'OK',
    changedAt: OPENED_AT,
    reason:
      'Threshold Crossed: 1 out of the last 1 datapoints [93.2 (23/11/26 03:10:00)] was greater than the threshold (90.0).',
    service: 'unassigned',
    summary: `${name} changed to ALARM`,
    episode: { id: `${name}/${OPENED_AT}`, openedAt: OPENED_AT, transitions: 1, flapping: false },
    children: [],
    context: {},
    links: [{ label: 'Alarm', url: `${CONSOLE}/cloudwatch/home?region=${REGION}#alarmsV2:alarm/${name}` }],
    missing: [{ source: 'tags', reason: 'AccessDenied: not allowed to read tags in this account' }],
  };
}
