import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { kebab } from '../../../constructs/construct-names';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
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

describe('ServiceMonitoring facade', () => {
  function fleet(count: number, props: Partial<ConstructorParameters<typeof ServiceMonitoring>[2]> = {}) {
    const app = new App();
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
