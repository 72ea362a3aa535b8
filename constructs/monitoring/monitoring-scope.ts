import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct, IConstruct } from 'constructs';
import type { LogArchiveStream } from '../log-archive/log-archive-stream';
import type { AlarmSpec, AnomalyAlarmSpec, CompositeAlarmSpec } from './alarm-spec';
import type { SignalOverride } from './signal-overrides';

/** A monitored resource as the facade sees it. */
export interface MonitoredResource {
  /** Kind of resource, kebab-case: `lambda`, `sqs`, `http-api`. Prefixes runbook names and override keys. */
  readonly kind: string;
  /** The resource's name within the service, kebab-case. */
  readonly name: string;
  /** Its log group, named in each alarm's description for the alert's error excerpt. @default none */
  readonly logGroup?: string;
  /** The resource's own overrides, keyed by signal; they win over the service's. @default none */
  readonly overrides?: Readonly<Record<string, SignalOverride>>;
}

/**
 * What a monitor (and a ServiceLevelObjective) needs from the service it belongs to: the one place
 * its alarms are made, named, tagged and routed, and the service's log settings. `ServiceMonitoring`
 * implements it and makes the monitors; the monitors depend on this interface only, never on the
 * facade's module, so the two do not import each other.
 */
export interface MonitoringScope {
  /** Service name, kebab-case. */
  readonly service: string;
  /** Retention the service applies to log groups CDK made for its functions, if it sets one. */
  readonly logRetentionDays: number | undefined;
  /** Where monitored functions' logs are archived, when the service archives them. */
  readonly logArchive: LogArchiveStream | undefined;
  /** The alarm name a signal of the resource gets. */
  alarmName(resource: MonitoredResource, signal: string): string;
  /**
   * Makes a signal's alarms in `scope`: none when an override switched it off, one per severity when
   * an override set several thresholds (most severe first), otherwise one.
   */
  addAlarm(scope: Construct, resource: MonitoredResource, spec: AlarmSpec): cloudwatch.Alarm[];
  /** Makes a signal's anomaly-detection alarms in `scope`, like {@link addAlarm}. */
  addAnomalyAlarm(
    scope: Construct,
    resource: MonitoredResource,
    spec: AnomalyAlarmSpec,
  ): cloudwatch.AnomalyDetectionAlarm[];
  /** Makes a composite alarm in `scope`; undefined when the signal is switched off. */
  addCompositeAlarm(
    scope: Construct,
    resource: MonitoredResource,
    spec: CompositeAlarmSpec,
  ): cloudwatch.CompositeAlarm | undefined;
  /** Registers an objective of the service (a ServiceLevelObjective) for its dashboards. */
  addObjective(objective: IConstruct): void;
}

let stackDefault: ((construct: IConstruct) => MonitoringScope) | undefined;

/**
 * Sets how {@link defaultMonitoringScope} finds a stack's default monitoring. `service-monitoring.ts`
 * calls it as it loads (with `ServiceMonitoring.of`): the monitors cannot import the facade, which
 * imports them.
 */
export function setDefaultMonitoringScope(of: (construct: IConstruct) => MonitoringScope): void {
  stackDefault = of;
}

/** The monitoring of the stack of `construct` (`ServiceMonitoring.of`), for a monitor given none. */
export function defaultMonitoringScope(construct: IConstruct): MonitoringScope {
  if (stackDefault === undefined) {
    throw new Error(
      `${construct.node.path}: no monitoring given and ServiceMonitoring is not loaded; pass \`monitoring\`, ` +
        'or import ServiceMonitoring (constructs/monitoring/service-monitoring)',
    );
  }
  return stackDefault(construct);
}
