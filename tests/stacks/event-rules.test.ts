import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentConfig } from '../../config/environment-config';
import { loadConfig } from '../../config/load-config';
import { parseAlarmDescription } from '../../constructs/contracts/alarm-description';
import { ServiceMonitoring } from '../../constructs/monitoring/service-monitoring';
import { type EventPattern, matchesEventPattern } from '../../scripts/local-loop/event-pattern';
import {
  type AlarmEvent,
  type AlarmStateChangeKind,
  allStateChanges,
  COMPOSITE_ALARM_CREATED,
  stateChange,
  withAlarmName,
  withDescription,
  withStateValue,
} from '../fixtures/aws/alarm-events';
import { type AlarmProperties, alarmsByName, descriptionText, newFunction } from '../support/alarm-template';
import { newApp, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

// dev and prod as one user with both in one account and region deploys them: each synthesized as
// `cdk synth -c env=<name>` does, from the real environment files. They are two apps because the
// Vigil app's stacks have fixed construct ids (Core, Alerting, ...), so one app holds one environment;
// what they share is the account and region, whose alarm events both environments' rules see.
// Every event is one of AWS's documented samples (tests/fixtures/aws/alarm-events), renamed.

interface Environment {
  readonly config: EnvironmentConfig;
  /** The alerting stack's rule (alarm state changes → enricher). */
  readonly alerting: EventPattern;
  /** The remediation stack's rule (alarms entering ALARM that name a playbook → dispatcher). */
  readonly dispatch: EventPattern;
  /** Every alarm the environment's stacks synthesize in its region, by name. */
  readonly alarms: ReadonlyMap<string, SynthesizedAlarm>;
  /** An alarm a team stack synthesized for the environment makes with Vigil's monitoring, default naming. */
  readonly teamAlarm: string;
}

interface SynthesizedAlarm {
  readonly composite: boolean;
  /** The AlarmDescription; a log group reference in a joined one reads as `${LogicalId}` here. */
  readonly description: string | undefined;
}

function synthesize(name: 'dev' | 'prod'): Environment {
  const config = loadConfig(name);
  const { stacks } = vigilStacks(config, { env: name, ...WITHOUT_BUNDLING }, WITHOUT_CFN_VALIDATION);
  const alerting = onlyRule(Template.fromStack(stacks.alerting), 'AlarmStateChanges');
  const dispatch = onlyRule(Template.fromStack(stacks.remediation), 'AlarmsWithPlaybooks');
  // The cost stack is in us-east-1 by design; its alarm events never reach these rules' region.
  const regional = [stacks.core, stacks.logArchive, stacks.alerting, stacks.remediation, stacks.predictor];
  const alarms = new Map<string, SynthesizedAlarm>();
  for (const stack of [...regional, stacks.dashboards]) {
    const template = Template.fromStack(stack);
    for (const [type, composite] of [
      ['AWS::CloudWatch::Alarm', false],
      ['AWS::CloudWatch::CompositeAlarm', true],
    ] as const) {
      for (const resource of Object.values(template.findResources(type))) {
        const properties = (resource as { Properties: AlarmProperties }).Properties;
        if (typeof properties.AlarmName !== 'string') continue;
        alarms.set(properties.AlarmName, { composite, description: descriptionText(properties) });
      }
    }
  }
  return { config, alerting, dispatch, alarms, teamAlarm: teamAlarmName(name) };
}

/** A team's own app, as README's "Monitor your own stack" has it: a stack, a function, default naming. */
function teamAlarmName(environment: string): string {
  const app = newApp({ env: environment }, WITHOUT_CFN_VALIDATION);
  const stack = new Stack(app, 'Orders');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'orders' });
  monitoring.monitorLambda(newFunction(stack, 'Checkout'));
  const names = [...alarmsByName(stack).keys()];
  const errors = names.find((name) => name.endsWith('-errors'));
  if (errors === undefined) throw new Error(`no errors alarm among ${names.join(', ')}`);
  return errors;
}

function onlyRule(template: Template, idPrefix: string): EventPattern {
  const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
    id.startsWith(idPrefix),
  );
  const [rule] = rules;
  if (rule === undefined || rules.length !== 1)
    throw new Error(`expected one rule ${idPrefix}, found ${rules.length}`);
  return (rule[1] as { Properties: { EventPattern: EventPattern } }).Properties.EventPattern;
}

const dev = synthesize('dev');
const prod = synthesize('prod');
const environments = [
  ['dev', dev, prod],
  ['prod', prod, dev],
] as const;

const matches = (pattern: EventPattern, event: AlarmEvent) => matchesEventPattern(pattern, event);

/** A Vigil description from the synthesized templates, one with a playbook and one that is part of a composite. */
function realDescription(environment: Environment, wanted: 'playbook' | 'partOf'): string {
  for (const alarm of environment.alarms.values()) {
    const parsed = parseAlarmDescription(alarm.description);
    if (parsed?.[wanted] !== undefined && alarm.description !== undefined) return alarm.description;
  }
  throw new Error(`no synthesized alarm description with ${wanted}`);
}

describe('the synthesized environments', () => {
  it('name their alarms and match them per environment, teams’ alarms included', () => {
    expect(dev.config.alerting.alarmNamePrefix).toBe('vigil-dev-');
    expect(prod.config.alerting.alarmNamePrefix).toBe('vigil-prod-');
    expect(dev.teamAlarm).toBe('vigil-dev-orders-checkout-errors');
    expect(prod.teamAlarm).toBe('vigil-prod-orders-checkout-errors');
    expect(dev.alarms.size).toBeGreaterThan(20);
    expect([...dev.alarms.keys()].every((name) => name.startsWith('vigil-dev-'))).toBe(true);
    expect([...prod.alarms.keys()].every((name) => name.startsWith('vigil-prod-'))).toBe(true);
  });
});

describe.each(environments)('%s alerting rule', (_name, own, other) => {
  const ownName = (kind: AlarmStateChangeKind) => `${own.config.alerting.alarmNamePrefix}orders-${kind}`;

  it.each(allStateChanges())('routes the documented %s state change of its own alarms', (kind, event) => {
    expect(matches(own.alerting, withAlarmName(event, ownName(kind)))).toBe(true);
    expect(matches(own.alerting, withAlarmName(event, own.teamAlarm))).toBe(true);
  });

  it.each(allStateChanges())(
    'never routes the %s state change of the other environment’s alarms',
    (kind, event) => {
      expect(matches(own.alerting, withAlarmName(event, other.teamAlarm))).toBe(false);
      expect(
        matches(own.alerting, withAlarmName(event, `${other.config.alerting.alarmNamePrefix}orders-${kind}`)),
      ).toBe(false);
      for (const name of other.alarms.keys()) {
        expect(matches(own.alerting, withAlarmName(event, name))).toBe(false);
      }
    },
  );

  it.each(allStateChanges())(
    'routes %s alarms with and without a description, except composite parts',
    (kind, event) => {
      const renamed = withAlarmName(event, ownName(kind));
      expect(matches(own.alerting, withDescription(renamed, undefined))).toBe(true);
      expect(
        matches(
          own.alerting,
          withDescription(renamed, 'Goes into alarm when server CPU utilization is too high!'),
        ),
      ).toBe(true);
      expect(matches(own.alerting, withDescription(renamed, realDescription(own, 'playbook')))).toBe(true);
      expect(matches(own.alerting, withDescription(renamed, realDescription(own, 'partOf')))).toBe(false);
    },
  );

  it('routes the documented composite state change, which has no description', () => {
    const composite = stateChange('compositeAlarmWithSuppressor');
    expect(composite.detail.configuration.description).toBeUndefined();
    expect(matches(own.alerting, withAlarmName(composite, ownName('compositeAlarmWithSuppressor')))).toBe(
      true,
    );
  });

  it('takes state changes only: not the documented configuration change of a composite alarm', () => {
    expect(
      matches(
        own.alerting,
        withAlarmName(COMPOSITE_ALARM_CREATED.sample, ownName('compositeAlarmWithSuppressor')),
      ),
    ).toBe(false);
  });

  it('routes every alarm the environment synthesizes, except composite parts and its own watchdogs', () => {
    const watchdogs = `${own.config.alerting.alarmNamePrefix}alerting-`;
    let routed = 0;
    for (const [name, alarm] of own.alarms) {
      const sample = stateChange(alarm.composite ? 'compositeAlarmWithSuppressor' : 'singleMetricAlarm');
      const event = withDescription(withAlarmName(sample, name), alarm.description);
      const part = parseAlarmDescription(alarm.description)?.partOf !== undefined;
      const expected = !part && !name.startsWith(watchdogs);
      expect({ name, routed: matches(own.alerting, event) }).toEqual({ name, routed: expected });
      if (expected) routed++;
    }
    expect(routed).toBeGreaterThan(10);
  });
});

describe.each(environments)('%s dispatch rule', (_name, own, other) => {
  const playbook = () => realDescription(own, 'playbook');
  const ownName = `${own.config.alerting.alarmNamePrefix}predictor-upload-scorer-errors`;

  it.each(allStateChanges())(
    'dispatches the %s state change to ALARM when the description names a playbook',
    (_kind, event) => {
      const named = withDescription(withAlarmName(event, ownName), playbook());
      expect(matches(own.dispatch, named)).toBe(true);
      expect(matches(own.dispatch, withStateValue(named, 'OK'))).toBe(false);
      expect(matches(own.dispatch, withStateValue(named, 'INSUFFICIENT_DATA'))).toBe(false);
    },
  );

  it.each(allStateChanges())('does not dispatch the %s state change without a playbook', (_kind, event) => {
    const renamed = withAlarmName(event, ownName);
    expect(matches(own.dispatch, renamed)).toBe(false); // the documented description names none
    expect(matches(own.dispatch, withDescription(renamed, undefined))).toBe(false);
  });

  it.each(allStateChanges())('never dispatches the other environment’s %s state change', (_kind, event) => {
    for (const [name, alarm] of other.alarms) {
      const theirs = withDescription(withAlarmName(event, name), alarm.description ?? playbook());
      expect(matches(own.dispatch, theirs)).toBe(false);
    }
    expect(matches(own.dispatch, withDescription(withAlarmName(event, other.teamAlarm), playbook()))).toBe(
      false,
    );
  });

  it('dispatches exactly the synthesized alarms whose description names a playbook', () => {
    const dispatched: string[] = [];
    for (const [name, alarm] of own.alarms) {
      const sample = stateChange(alarm.composite ? 'compositeAlarmWithSuppressor' : 'singleMetricAlarm');
      const event = withDescription(withAlarmName(sample, name), alarm.description);
      const expected = parseAlarmDescription(alarm.description)?.playbook !== undefined;
      expect({ name, dispatched: matches(own.dispatch, event) }).toEqual({ name, dispatched: expected });
      if (expected) dispatched.push(name);
    }
    expect(dispatched.length).toBeGreaterThan(0);
  });
});
