import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { MONITOR_SIGNALS, type MonitorKind } from '../../../constructs/monitoring/monitor-signals';
import {
  lambdaAvailability,
  ServiceLevelObjective,
} from '../../../constructs/monitoring/service-level-objective';
import {
  ServiceMonitoring,
  type ServiceMonitoringProps,
} from '../../../constructs/monitoring/service-monitoring';
import type { SignalOverride, SignalOverrides } from '../../../constructs/monitoring/signal-overrides';
import {
  type AlarmProperties,
  alarmsByName,
  description,
  newFunction,
  tag,
} from '../../support/alarm-template';

const DEFAULT_ERROR_RATE = 'more than 5% of invocations';

/** A checkout function behind a `live` alias, so its error-rate alarm starts the rollback playbook. */
function checkout(
  serviceOverrides: ServiceMonitoringProps['overrides'] = {},
  overrides?: SignalOverrides<'lambda'>,
  options: { trafficDrop?: boolean } = {},
): Map<string, AlarmProperties> {
  const stack = new Stack(new App(), 'Shop');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'shop',
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
    overrides: serviceOverrides,
  });
  const fn = newFunction(stack, 'Checkout', { timeout: Duration.seconds(30) });
  const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
  monitoring.monitorLambda(fn, { alias, overrides, ...options });
  return alarmsByName(Template.fromStack(stack));
}

/** Overrides as a team might mistype them in plain JSON config, past the compiler. */
function untyped<T>(value: unknown): T {
  return value as T;
}

describe('a threshold a team sets', () => {
  it('replaces the threshold and says so in the description, beside the default it replaced', () => {
    const alarm = checkout({ 'lambda/error-rate': { threshold: 2 } }).get('vigil-shop-checkout-error-rate');
    expect(alarm?.Threshold).toBe(2);
    expect(description(alarm)?.threshold).toBe(
      `> 2 %, set by the team (the monitor's default: ${DEFAULT_ERROR_RATE}), in 2 of 3 five-minute periods`,
    );
    // Still the signal's one alarm: its severity and playbook stay.
    expect(tag(alarm, 'vigil:severity')).toBe('high');
    expect(tag(alarm, 'vigil:playbook')).toBe('lambda-alias-rollback');
  });

  it.each([
    [
      'a duration in ms',
      { 'lambda/p99-duration': { threshold: 20_000 } },
      'p99-duration',
      "≥ 20000 ms, set by the team (the monitor's default: 80% of the 30 s timeout), in 3 consecutive five-minute periods",
    ],
    [
      'a count, without a unit',
      { 'lambda/errors': { threshold: 3 } },
      'errors',
      "≥ 3, set by the team (the monitor's default: at least 1 error(s)), in 3 consecutive five-minute periods",
    ],
  ] as const)('states the unit of %s', (_case, overrides, signal, threshold) => {
    expect(description(checkout(overrides).get(`vigil-shop-checkout-${signal}`))?.threshold).toBe(threshold);
  });

  it('takes a success ratio as a share, as the metric reports it', () => {
    const stack = newStack();
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'archive',
      overrides: { 'firehose/s3-delivery-success': { threshold: 0.99 } },
    });
    monitoring.monitorDeliveryStream(s3Stream(stack, 'Clicks'));
    const alarm = alarmsByName(stack).get('vigil-archive-clicks-s3-delivery-success');
    expect(alarm?.Threshold).toBe(0.99);
    expect(description(alarm)?.threshold).toBe(
      "< 0.99, set by the team (the monitor's default: fewer than 100% of S3 writes succeed), in 3 consecutive " +
        'five-minute periods',
    );
  });

  it("widens an anomaly alarm's band: the threshold is its width in standard deviations", () => {
    const alarm = checkout({ 'lambda/traffic-drop': { threshold: 2 } }, undefined, { trafficDrop: true }).get(
      'vigil-shop-checkout-traffic-drop',
    );
    const band = alarm?.Metrics?.find((query) => query.Id === alarm.ThresholdMetricId);
    expect(band?.Expression).toMatch(/^ANOMALY_DETECTION_BAND\(\w+, 2\)$/);
    expect(description(alarm)?.threshold).toBe(
      "below a band of 2 standard deviations, set by the team (the monitor's default: below the " +
        '3-standard-deviation anomaly band, no data counting as a drop), in 3 consecutive five-minute periods',
    );
  });
});

describe('thresholds at several severities', () => {
  const alarms = checkout({ 'lambda/error-rate': { thresholds: { warning: 1, critical: 5 } } });
  const critical = alarms.get('vigil-shop-checkout-error-rate');
  const warning = alarms.get('vigil-shop-checkout-error-rate-warning');

  it('makes one alarm per severity on the same metric, the most severe under the signal name', () => {
    expect([...alarms.keys()].filter((name) => name.includes('error-rate')).sort()).toEqual([
      'vigil-shop-checkout-error-rate',
      'vigil-shop-checkout-error-rate-warning',
    ]);
    expect(critical?.Threshold).toBe(5);
    expect(tag(critical, 'vigil:severity')).toBe('critical');
    expect(warning?.Threshold).toBe(1);
    expect(tag(warning, 'vigil:severity')).toBe('warning');
    expect(warning?.Metrics).toEqual(critical?.Metrics);
  });

  it('keeps the playbook on the most severe alarm only, and one runbook for both', () => {
    expect(tag(critical, 'vigil:playbook')).toBe('lambda-alias-rollback');
    expect(description(critical)).toMatchObject({ playbook: 'lambda-alias-rollback', alias: 'live' });
    expect(tag(warning, 'vigil:playbook')).toBeUndefined();
    expect(description(warning)?.playbook).toBeUndefined();
    expect(description(warning)?.runbook).toBe('https://runbooks.example.org/vigil/lambda-error-rate');
  });

  it('describes each threshold', () => {
    expect(description(critical)?.threshold).toBe(
      `> 5 %, set by the team (the monitor's default: ${DEFAULT_ERROR_RATE}), in 2 of 3 five-minute periods`,
    );
    expect(description(warning)?.threshold).toBe(
      `> 1 %, set by the team (the monitor's default: ${DEFAULT_ERROR_RATE}), in 2 of 3 five-minute periods`,
    );
  });

  it('refuses thresholds where the more severe alarm would fire first', () => {
    expect(() => checkout({ 'lambda/error-rate': { thresholds: { warning: 5, critical: 1 } } })).toThrow(
      'service shop, checkout: override lambda/error-rate: the critical threshold (1) must be above the ' +
        'warning one (5); this alarm fires above its threshold',
    );
  });

  it('orders them the other way for an alarm that fires below its threshold', () => {
    const stack = new Stack(new App(), 'Archive');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'archive',
      overrides: { 'firehose/s3-delivery-success': { thresholds: { warning: 0.9, critical: 0.99 } } },
    });
    expect(() => monitoring.monitorDeliveryStream(s3Stream(stack, 'Clicks'))).toThrow(
      'service archive, clicks: override firehose/s3-delivery-success: the critical threshold (0.99) must be ' +
        'below the warning one (0.9); this alarm fires below its threshold',
    );
  });
});

describe("a monitor's own overrides", () => {
  it("win over the service's, field by field", () => {
    const alarms = checkout(
      { 'lambda/error-rate': { threshold: 2, severity: 'warning' } },
      {
        'error-rate': { threshold: 7 },
      },
    );
    const alarm = alarms.get('vigil-shop-checkout-error-rate');
    expect(alarm?.Threshold).toBe(7);
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it("replace the service's several thresholds with their one", () => {
    const alarms = checkout(
      { 'lambda/error-rate': { thresholds: { warning: 1, critical: 5 } } },
      {
        'error-rate': { threshold: 3 },
      },
    );
    expect(alarms.get('vigil-shop-checkout-error-rate')?.Threshold).toBe(3);
    expect(alarms.has('vigil-shop-checkout-error-rate-warning')).toBe(false);
  });

  it('refuse a signal the kind does not raise, listing the ones it does', () => {
    expect(() => checkout({}, untyped({ 'eror-rate': { threshold: 2 } }))).toThrow(
      `service shop, checkout: unknown signal "eror-rate" in the lambda monitor's overrides: they are keyed by ` +
        `one of its signals, ${MONITOR_SIGNALS.lambda.join(', ')}`,
    );
  });

  it('refuse an unknown field, naming the ones an override has', () => {
    expect(() => checkout({}, untyped({ 'error-rate': { treshold: 5 } }))).toThrow(
      'service shop, checkout: override lambda/error-rate: unknown field "treshold"; an override sets ' +
        'severity, enabled, threshold, thresholds',
    );
  });

  it('are checked even for a signal this resource does not raise', () => {
    // No stream source, so no iterator-age alarm reads this override.
    expect(() => checkout({}, { 'iterator-age': { thresholds: {} } })).toThrow(
      'service shop, checkout: override lambda/iterator-age: thresholds needs at least one severity',
    );
  });
});

describe("the service's overrides", () => {
  it('refuse an unknown field, naming the ones an override has', () => {
    expect(() => checkout(untyped({ 'lambda/errors': { treshold: 5 } }))).toThrow(
      'service shop: override lambda/errors: unknown field "treshold"; an override sets severity, enabled, ' +
        'threshold, thresholds',
    );
  });

  it('refuse thresholds on a composite alarm, which has none', () => {
    const stack = new Stack(new App(), 'Shop');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      overrides: { 'service/health': { thresholds: { warning: 1, critical: 2 } } },
    });
    monitoring.monitorLambda(newFunction(stack, 'Checkout'));
    expect(() => monitoring.addServiceHealthAlarm()).toThrow(
      'service shop, service: override service/health sets a threshold, but health is a composite alarm ' +
        '(a rule over other alarms); override the alarms it combines instead',
    );
  });

  it("refuse thresholds on a window of an SLO's burn-rate rule: only its composite notifies", () => {
    const stack = new Stack(new App(), 'Shop');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      overrides: { 'slo/availability-burn-1h-long': { thresholds: { warning: 0.01, critical: 0.02 } } },
    });
    const slo = () =>
      new ServiceLevelObjective(stack, 'Slo', {
        name: 'api',
        target: 0.999,
        monitoring,
        indicator: lambdaAvailability(newFunction(stack, 'Api')),
      });
    expect(slo).toThrow(
      'service shop, api: override slo/availability-burn-1h-long: availability-burn-1h-long feeds the ' +
        'composite vigil-shop-api-availability-burn-1h, so it takes one threshold',
    );
  });
});

/** A test stack; the Firehose L2 adds a CIDR mapping only Redshift destinations use, which CDK's validation warns about. */
function newStack(): Stack {
  const stack = new Stack(new App(), 'Shop');
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::W7001',
    reason: 'The Firehose L2 always adds its CIDR mapping; nothing here delivers to Redshift.',
  });
  return stack;
}

function s3Stream(stack: Stack, id: string): firehose.DeliveryStream {
  return new firehose.DeliveryStream(stack, id, {
    destination: new firehose.S3Bucket(new s3.Bucket(stack, `${id}Bucket`)),
  });
}

type Monitor = (
  monitoring: ServiceMonitoring,
  stack: Stack,
  overrides: Readonly<Record<string, SignalOverride>>,
) => void;

/** Every monitor, each on a resource of its kind named `thing`, with the overrides passed through the facade. */
const MONITORS: readonly [MonitorKind, string, Monitor][] = [
  ['lambda', 'errors', (m, s, overrides) => m.monitorLambda(newFunction(s, 'Thing'), { overrides })],
  [
    'sqs',
    'oldest-message-age',
    (m, s, overrides) => m.monitorQueue(new sqs.Queue(s, 'Thing'), { overrides }),
  ],
  [
    'sns',
    'notifications-failed',
    (m, s, overrides) => m.monitorTopic(new sns.Topic(s, 'Thing'), { overrides }),
  ],
  [
    'event-rule',
    'failed-invocations',
    (m, s, overrides) =>
      m.monitorEventRule(new events.Rule(s, 'Thing', { eventPattern: { source: ['shop'] } }), { overrides }),
  ],
  [
    'http-api',
    'client-error-rate',
    (m, s, overrides) => m.monitorHttpApi(new apigwv2.HttpApi(s, 'Thing'), { overrides }),
  ],
  [
    'rest-api',
    'server-error-rate',
    (m, s, overrides) => {
      const api = new apigateway.RestApi(s, 'Thing');
      api.root.addMethod('GET', new apigateway.MockIntegration());
      m.monitorRestApi(api, { overrides });
    },
  ],
  [
    'dynamodb',
    'system-errors',
    (m, s, overrides) =>
      m.monitorTable(
        new dynamodb.Table(s, 'Thing', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
        { overrides },
      ),
  ],
  [
    'state-machine',
    'executions-failed',
    (m, s, overrides) =>
      m.monitorStateMachine(
        new sfn.StateMachine(s, 'Thing', {
          definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(s, 'Pass')),
        }),
        { overrides },
      ),
  ],
  [
    'firehose',
    's3-data-freshness',
    (m, s, overrides) => m.monitorDeliveryStream(s3Stream(s, 'Thing'), { overrides }),
  ],
];

describe.each(MONITORS)('the %s monitor', (kind, signal, monitor) => {
  function build(overrides: Readonly<Record<string, SignalOverride>>): Map<string, AlarmProperties> {
    const stack = newStack();
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      overrides: untyped({ [`${kind}/${signal}`]: { severity: 'warning' } }),
    });
    monitor(monitoring, stack, overrides);
    return alarmsByName(Template.fromStack(stack));
  }

  it(`takes overrides of ${signal} for this resource, over the service's`, () => {
    const alarm = build({ [signal]: { severity: 'critical', threshold: 42 } }).get(
      `vigil-shop-thing-${signal}`,
    );
    expect(alarm?.Threshold).toBe(42);
    expect(tag(alarm, 'vigil:severity')).toBe('critical');
  });

  it('refuses a signal its kind does not raise, listing the ones it does', () => {
    expect(() => build({ nonsense: { enabled: false } })).toThrow(
      `service shop, thing: unknown signal "nonsense" in the ${kind} monitor's overrides: they are keyed by ` +
        `one of its signals, ${MONITOR_SIGNALS[kind].join(', ')}`,
    );
  });
});
