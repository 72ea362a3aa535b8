import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  MAX_ALARM_RULE_LENGTH,
  MAX_COMPOSITE_CHILDREN,
} from '../../../constructs/alarm-engine/composite-limits';
import { lintAlarms } from '../../../constructs/alarm-lint/alarm-lint';
import { measureAlarmRule } from '../../../constructs/alarm-lint/composite-size';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { cdkJsonContext } from '../../../scripts/cdk-json-context';
import { newFunction } from '../../support/alarm-template';

interface CompositeResource {
  readonly Properties: { AlarmName: string; AlarmRule: unknown; AlarmDescription: string };
}

/** Every composite alarm of every template of the assembly, nested stacks included. */
function synthesizedComposites(app: App): CompositeResource[] {
  const directory = app.synth().directory;
  return fs
    .readdirSync(directory)
    .filter((file) => file.endsWith('.template.json'))
    .flatMap((file) => {
      const template = JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8'));
      return Object.values(template.Resources ?? {}).filter(
        (resource): resource is CompositeResource =>
          (resource as { Type: string }).Type === 'AWS::CloudWatch::CompositeAlarm',
      );
    });
}

/** How many alarms a synthesized rule names: each is one `ALARM("…")` with an ARN reference in it. */
function childCount(rule: unknown): number {
  return JSON.stringify(rule).match(/ALARM\(\\"/g)?.length ?? 0;
}

describe('the service-health composite within PutCompositeAlarm limits (CloudWatch API Reference, PutCompositeAlarm)', () => {
  it('splits 25 asynchronous functions (100 paging alarms with full ARNs) into parts under one health alarm', () => {
    const app = new App();
    const stack = new Stack(app, 'Workers');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'workers' });
    const failed = new sqs.Queue(stack, 'Failed');
    // Four paging alarms each: error rate, p99 duration, async event age and destination delivery failures
    // (AsyncEventsDropped does not page: the on-failure queue keeps the events, and its alarm pages).
    for (let index = 0; index < 25; index++) {
      const fn = newFunction(stack, `Worker${index}`);
      fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(failed) });
      monitoring.monitorLambda(fn);
    }
    const health = monitoring.addServiceHealthAlarm();

    const registered = monitoring.registeredAlarms();
    const parts = registered.filter((alarm) => alarm.signal.startsWith('health-part-'));
    expect(parts.length).toBeGreaterThan(1);
    expect(
      parts.every((part) => part.partOf === 'vigil-workers-service-health' && part.severity === 'info'),
    ).toBe(true);
    expect(monitoring.health).toBe(health);
    expect(registered.find((alarm) => alarm.alarm === health)).toMatchObject({
      signal: 'health',
      severity: 'info',
    });
    // Every paging alarm is in exactly one part, and the top names only the parts.
    const paging = registered.filter(
      (alarm) => alarm.partOf === undefined && (alarm.severity === 'critical' || alarm.severity === 'high'),
    );
    expect(paging).toHaveLength(100);
    const partRules = parts.map((part) => (part.alarm as cloudwatch.CompositeAlarm).node.defaultChild);
    const named = partRules.reduce(
      (sum, rule) => sum + measureAlarmRule((rule as cloudwatch.CfnCompositeAlarm).alarmRule).children,
      0,
    );
    expect(named).toBe(100);
    const top = measureAlarmRule((health.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmRule);
    expect(top.children).toBe(parts.length);
    expect(lintAlarms(app)).toEqual([]);
  });

  it('keeps one composite over the paging alarms when they fit', () => {
    const app = new App();
    const stack = new Stack(app, 'Small');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'small' });
    monitoring.monitorLambda(newFunction(stack, 'Api'));
    const health = monitoring.addServiceHealthAlarm();
    expect(monitoring.registeredAlarms().filter((alarm) => alarm.signal.startsWith('health-part-'))).toEqual(
      [],
    );
    expect(
      measureAlarmRule((health.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmRule).children,
    ).toBe(2);
  });

  it('synthesizes the 500-function app of `npm run bench:synth` with every composite within the limits', () => {
    const app = new App({ context: cdkJsonContext() });
    const functions: lambda.Function[] = [];
    for (let stackIndex = 0; functions.length < 500; stackIndex++) {
      const workload = new Stack(app, `Workload${stackIndex}`);
      for (let i = 0; i < 80 && functions.length < 500; i++) {
        functions.push(
          newFunction(workload, `Fn${functions.length}`, { architecture: lambda.Architecture.ARM_64 }),
        );
      }
    }
    const monitoring = new ServiceMonitoring(new Stack(app, 'Monitoring'), 'Fleet', {
      service: 'fleet',
      maxResourcesPerNestedStack: 450,
    });
    for (const fn of functions) monitoring.monitorLambda(fn);
    monitoring.addServiceHealthAlarm();

    // Synth runs the alarm lint, which fails it for any composite over the limits.
    const composites = synthesizedComposites(app);
    const names = composites.map((composite) => composite.Properties.AlarmName);
    // cdk.json's context names the dev environment, so alarm names start vigil-dev- (alarm-naming.ts).
    expect(names).toContain('vigil-dev-fleet-service-health');
    expect(
      names.filter((name) => name.startsWith('vigil-dev-fleet-service-health-part-')).length,
    ).toBeGreaterThan(1);
    for (const composite of composites) {
      expect(childCount(composite.Properties.AlarmRule)).toBeLessThanOrEqual(MAX_COMPOSITE_CHILDREN);
    }
    // The estimate the lint checked is within the limit for every composite made in the app.
    for (const registered of monitoring.registeredAlarms()) {
      const cfn = registered.alarm.node.defaultChild;
      if (registered.resource.kind !== 'service') continue;
      expect(measureAlarmRule((cfn as cloudwatch.CfnCompositeAlarm).alarmRule).length).toBeLessThanOrEqual(
        MAX_ALARM_RULE_LENGTH,
      );
    }
  }, 300_000);
});
