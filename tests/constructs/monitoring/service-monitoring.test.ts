import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { kebab } from '../../../constructs/construct-names';
import { OVERRIDE_KEYS } from '../../../constructs/monitoring/monitor-signals';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import type { SignalOverride } from '../../../constructs/monitoring/signal-overrides';
import { newFunction } from '../../support/alarm-template';

const spec = (signal: string, overrides: Partial<Parameters<ServiceMonitoring['addAlarm']>[2]> = {}) => ({
  signal,
  metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Bad', period: Duration.minutes(5) }),
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  severity: 'high' as const,
  summary: 'Something bad happened.',
  thresholdReason: 'any bad thing',
  ...overrides,
});

describe('ServiceMonitoring', () => {
  it('gives each stack one default monitoring, named after the stack', () => {
    const stack = new Stack(new App(), 'OrdersService');
    const monitoring = ServiceMonitoring.of(stack);
    expect(ServiceMonitoring.of(stack)).toBe(monitoring);
    expect(monitoring.service).toBe('orders-service');
  });

  it('turns construct ids into kebab-case names', () => {
    expect(kebab('UploadScorer')).toBe('upload-scorer');
    expect(kebab('api_v2 Handler')).toBe('api-v2-handler');
  });

  it('refuses a runbook URL that AWS tags cannot hold', () => {
    const stack = new Stack(new App(), 'S');
    const monitoring = new ServiceMonitoring(stack, 'M', {
      service: 's',
      runbookBaseUrl: 'https://wiki/?page=x&y',
    });
    expect(() => monitoring.addAlarm(stack, { kind: 'test', name: 'thing' }, spec('bad'))).toThrow(
      /tag vigil:runbook value .* has characters AWS tags do not allow/,
    );
  });

  it('refuses a description CloudWatch would reject, naming the alarm', () => {
    const stack = new Stack(new App(), 'S');
    const monitoring = new ServiceMonitoring(stack, 'M', { service: 's' });
    expect(() =>
      monitoring.addAlarm(stack, { kind: 'test', name: 'thing' }, spec('bad', { summary: 'x'.repeat(1000) })),
    ).toThrow(/alarm s\/thing\/bad: description is \d+ characters, CloudWatch allows 1024/);
  });

  it('summarises paging alarms in one info-level health alarm, and refuses one with nothing to summarise', () => {
    const stack = new Stack(new App(), 'S');
    const monitoring = new ServiceMonitoring(stack, 'M', { service: 's' });
    expect(() => monitoring.addServiceHealthAlarm()).toThrow(
      'service s has no critical or high alarm to summarise',
    );
    monitoring.addAlarm(stack, { kind: 'test', name: 'thing' }, spec('bad'));
    monitoring.addAlarm(stack, { kind: 'test', name: 'thing' }, spec('noise', { severity: 'warning' }));
    monitoring.addServiceHealthAlarm();
    const health = Object.values(
      Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm'),
    )[0];
    expect(health?.Properties.AlarmName).toBe('vigil-s-service-health');
    const rule = JSON.stringify(health?.Properties.AlarmRule);
    expect(rule).toContain('Bad');
    expect(rule).not.toContain('Noise');
    expect(health?.Properties.Tags).toEqual(
      expect.arrayContaining([{ Key: 'vigil:severity', Value: 'info' }]),
    );
  });
});

describe('ServiceMonitoring overrides', () => {
  it('refuses a key no monitor raises, listing the valid ones, instead of leaving the alarm on', () => {
    const make = () =>
      new ServiceMonitoring(new Stack(new App(), 'S'), 'M', {
        service: 's',
        // A typo is a compile error; from untyped input (JSON, a cast) it fails synth.
        overrides: { 'lambda/eror': { enabled: false } } as Record<string, SignalOverride>,
      });
    expect(make).toThrow(
      /^service s: unknown override key "lambda\/eror": .*one of lambda\/error-rate, lambda\/errors,/,
    );
    expect(make).toThrow(/sqs\/dead-letter-messages, .*slo\/availability-burn-1h, .*service\/health$/);
  });

  it('lists every signal a monitor raises, each once, and accepts each as a key', () => {
    expect(new Set(OVERRIDE_KEYS).size).toBe(OVERRIDE_KEYS.length);
    expect(OVERRIDE_KEYS).toEqual(
      expect.arrayContaining(['lambda/errors', 'dynamodb/index-write-throttles']),
    );
    const stack = new Stack(new App(), 'S');
    const overrides = Object.fromEntries(OVERRIDE_KEYS.map((key) => [key, { severity: 'info' as const }]));
    expect(() => new ServiceMonitoring(stack, 'M', { service: 's', overrides })).not.toThrow();
  });

  it("applies an API's key to the alarms of its watched routes", () => {
    const stack = new Stack(new App(), 'Api');
    const monitoring = new ServiceMonitoring(stack, 'M', {
      service: 'api',
      overrides: {
        'http-api/server-error-rate': { severity: 'critical' },
        'http-api/p99-latency': { enabled: false },
      },
    });
    const api = new apigwv2.HttpApi(stack, 'Http');
    api.addRoutes({
      path: '/items',
      methods: [apigwv2.HttpMethod.GET],
      integration: new integrations.HttpUrlIntegration('Items', 'https://example.org'),
    });
    monitoring.monitorHttpApi(api, { routes: ['GET /items'] });
    const bySignal = new Map(monitoring.registeredAlarms().map((alarm) => [alarm.signal, alarm.severity]));
    expect(bySignal.get('server-error-rate')).toBe('critical');
    expect(bySignal.get('get-items-server-error-rate')).toBe('critical');
    expect([...bySignal.keys()].some((signal) => signal.endsWith('p99-latency'))).toBe(false);
  });
});

describe('ServiceMonitoring facade', () => {
  function fleet(count: number, props: Partial<ConstructorParameters<typeof ServiceMonitoring>[2]> = {}) {
    // With CDK-managed log groups (as cdk.json sets), each function has one for the ERROR-log alarm.
    const app = new App({ context: { '@aws-cdk/aws-lambda:useCdkManagedLogGroup': true } });
    const stack = new Stack(app, 'Fleet');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'fleet', ...props });
    const queue = new sqs.Queue(stack, 'Jobs');
    const monitors = Array.from({ length: count }, (_, index) =>
      monitoring.monitorLambda(newFunction(stack, `Worker${index}`)),
    );
    monitoring.monitorQueue(queue);
    return { app, stack, monitoring, monitors };
  }

  it('makes a monitor per resource in one call, and createdAlarms() lists every alarm of every monitor', () => {
    const { stack, monitoring, monitors } = fleet(3);
    const alarms = Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(monitors.map((monitor) => monitor.alarms.length)).toEqual([5, 5, 5]);
    expect(monitoring.createdAlarms()).toHaveLength(alarms.length);
    expect(monitoring.createdAlarms().map((alarm) => alarm.node.path)).toContain(
      'Fleet/Monitoring/LambdaWorker0/ErrorRate',
    );
  });

  it('spreads monitors over nested stacks that stay under the resource limit', () => {
    const { app, monitoring } = fleet(120, { maxResourcesPerNestedStack: 200 });
    const assembly = app.synth();
    const nested = fs
      .readdirSync(assembly.directory)
      .filter((file) => file.endsWith('.nested.template.json'))
      .map((file) => JSON.parse(fs.readFileSync(path.join(assembly.directory, file), 'utf8')));
    expect(nested.length).toBeGreaterThanOrEqual(4);
    for (const template of nested) expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(200);
    const alarmsInShards = nested.flatMap((template) =>
      Object.values(template.Resources as Record<string, { Type: string }>).filter(
        (resource) => resource.Type === 'AWS::CloudWatch::Alarm',
      ),
    );
    expect(alarmsInShards).toHaveLength(monitoring.createdAlarms().length);
  });
});
