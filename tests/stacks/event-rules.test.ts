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
import {
  BUSINESS_ALERT,
  copyOf,
  type DocumentedEvent,
  type EventBridgeEvent,
  GUARDDUTY_FINDING,
  HEALTH_EVENTS,
  SECURITY_HUB_FINDINGS,
  withBusinessDetail,
  withGuardDutySeverity,
  withHealthStatus,
  withSecurityHubFields,
} from '../fixtures/aws/event-alert-samples';
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
  /** The alerting stack's rules for business alerts (platform bus) and AWS's security and health events. */
  readonly events: {
    readonly businessAlerts: EventPattern;
    readonly businessAlertsBus: unknown;
    readonly guardDuty: EventPattern;
    readonly securityHub: EventPattern;
    readonly health: EventPattern;
  };
}

interface SynthesizedAlarm {
  readonly composite: boolean;
  /** The AlarmDescription; a log group reference in a joined one reads as `${LogicalId}` here. */
  readonly description: string | undefined;
}

function synthesize(name: 'dev' | 'prod'): Environment {
  const config = loadConfig(name);
  const { stacks } = vigilStacks(config, { env: name, ...WITHOUT_BUNDLING }, WITHOUT_CFN_VALIDATION);
  const alertingTemplate = Template.fromStack(stacks.alerting);
  const alerting = onlyRule(alertingTemplate, 'AlarmStateChanges');
  const events = {
    businessAlerts: onlyRule(alertingTemplate, 'BusinessAlerts'),
    businessAlertsBus: ruleProperties(alertingTemplate, 'BusinessAlerts').EventBusName,
    guardDuty: onlyRule(alertingTemplate, 'GuardDutyFindings'),
    securityHub: onlyRule(alertingTemplate, 'SecurityHubFindings'),
    health: onlyRule(alertingTemplate, 'HealthEvents'),
  };
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
  return { config, alerting, dispatch, alarms, teamAlarm: teamAlarmName(name), events };
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
  return ruleProperties(template, idPrefix).EventPattern;
}

function ruleProperties(
  template: Template,
  idPrefix: string,
): { EventPattern: EventPattern; EventBusName?: unknown } {
  const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
    id.startsWith(idPrefix),
  );
  const [rule] = rules;
  if (rule === undefined || rules.length !== 1)
    throw new Error(`expected one rule ${idPrefix}, found ${rules.length}`);
  return (rule[1] as { Properties: { EventPattern: EventPattern; EventBusName?: unknown } }).Properties;
}

const dev = synthesize('dev');
const prod = synthesize('prod');
const environments = [
  ['dev', dev, prod],
  ['prod', prod, dev],
] as const;

const matches = (pattern: EventPattern, event: AlarmEvent | EventBridgeEvent) =>
  matchesEventPattern(pattern, event);

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

/** Every documented sample of a non-alarm event, by name, each a fresh copy. */
function eventSamples(): [string, EventBridgeEvent][] {
  const all: [string, DocumentedEvent][] = [
    ['business alert', BUSINESS_ALERT],
    ['GuardDuty finding', GUARDDUTY_FINDING],
    ...Object.entries(SECURITY_HUB_FINDINGS).map(
      ([name, sample]) => [`Security Hub ${name}`, sample] as [string, DocumentedEvent],
    ),
    ...Object.entries(HEALTH_EVENTS).map(
      ([name, sample]) => [`Health ${name}`, sample] as [string, DocumentedEvent],
    ),
  ];
  return all.map(([name, sample]) => [name, copyOf(sample)]);
}

describe.each(environments)('%s business alert and security event rules', (name, own) => {
  const { businessAlerts, guardDuty, securityHub, health } = own.events;

  it('takes business alerts from the environment’s platform bus, whatever the workload’s source', () => {
    expect(own.events.businessAlertsBus).toBe(`vigil-${name}-platform`);
    const alert = copyOf(BUSINESS_ALERT);
    expect(alert.source).toBe('myapp.alerts');
    expect(matches(businessAlerts, alert)).toBe(true);
    expect(matches(businessAlerts, { ...alert, source: 'com.example.orders' })).toBe(true);
    // A malformed alert is routed all the same: the enricher dead-letters it with the reason.
    expect(
      matches(businessAlerts, withBusinessDetail(alert, { severity: 'urgent', dedupeKey: undefined })),
    ).toBe(true);
    // EventBridge refuses custom events with an aws. source; none is taken for a workload's.
    expect(matches(businessAlerts, { ...alert, source: 'aws.health' })).toBe(false);
    expect(matches(businessAlerts, { ...alert, 'detail-type': 'Business alert' })).toBe(false);
  });

  it.each([0.1, 2, 3.9, 4, 6.9, 7, 8.9, 9, 10])(
    'routes the documented GuardDuty finding at severity %s',
    (severity) => {
      expect(matches(guardDuty, withGuardDutySeverity(copyOf(GUARDDUTY_FINDING), severity))).toBe(true);
    },
  );

  it('routes the documented FSBP control finding while it is new, active and not informational', () => {
    const finding = copyOf(SECURITY_HUB_FINDINGS.fsbpControl);
    expect(matches(securityHub, finding)).toBe(true);
    for (const label of ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']) {
      expect(matches(securityHub, withSecurityHubFields(finding, { label }))).toBe(true);
    }
    expect(matches(securityHub, withSecurityHubFields(finding, { label: 'INFORMATIONAL' }))).toBe(false);
    for (const workflow of ['NOTIFIED', 'SUPPRESSED', 'RESOLVED']) {
      expect(matches(securityHub, withSecurityHubFields(finding, { workflow }))).toBe(false);
    }
    expect(matches(securityHub, withSecurityHubFields(finding, { recordState: 'ARCHIVED' }))).toBe(false);
  });

  it('leaves GuardDuty’s copy in Security Hub to the GuardDuty rule: one alert per finding', () => {
    const copy = copyOf(SECURITY_HUB_FINDINGS.guardDutyCopy);
    expect(matches(securityHub, copy)).toBe(false);
    expect(matches(securityHub, withSecurityHubFields(copy, { label: 'HIGH' }))).toBe(false);
    expect(matches(guardDuty, copyOf(GUARDDUTY_FINDING))).toBe(true);
  });

  it('routes this account’s Health events, open and closed, and not public ones', () => {
    for (const sample of [HEALTH_EVENTS.accountElbApiIssue, HEALTH_EVENTS.accountEc2DriveDegraded]) {
      const event = copyOf(sample);
      expect(matches(health, event)).toBe(true);
      const closed = withHealthStatus(event, {
        eventId: 'closed-1',
        statusCode: 'closed',
        lastUpdatedTime: 'Fri, 10 Jun 2022 07:00:00 GMT',
      });
      expect(matches(health, closed)).toBe(true);
    }
    expect(matches(health, copyOf(HEALTH_EVENTS.publicEc2OperationalIssue))).toBe(false);
  });

  it.each(eventSamples())(
    'routes the %s sample by exactly one rule, never the alarm or dispatch rule',
    (sampleName, event) => {
      const routedBy = Object.entries({ businessAlerts, guardDuty, securityHub, health })
        .filter(([, pattern]) => matches(pattern, event))
        .map(([rule]) => rule);
      const expected: Record<string, string[]> = {
        'business alert': ['businessAlerts'],
        'GuardDuty finding': ['guardDuty'],
        'Security Hub fsbpControl': ['securityHub'],
        'Security Hub guardDutyCopy': [],
        'Health publicEc2OperationalIssue': [],
        'Health accountElbApiIssue': ['health'],
        'Health accountEc2DriveDegraded': ['health'],
      };
      expect(routedBy).toEqual(expected[sampleName]);
      expect(matches(own.alerting, event)).toBe(false);
      expect(matches(own.dispatch, event)).toBe(false);
    },
  );

  it.each(allStateChanges())('routes no documented %s alarm state change as an event', (_kind, event) => {
    const renamed = withAlarmName(event, own.teamAlarm);
    for (const pattern of [businessAlerts, guardDuty, securityHub, health]) {
      expect(matches(pattern, renamed)).toBe(false);
    }
  });
});
