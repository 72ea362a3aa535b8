import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmSpec, AnomalyAlarmSpec, MonitorAlarmSpec } from './alarm-spec';
import { isMonitorKind, unknownSignalsMessage } from './monitor-signals';
import { defaultMonitoringScope, type MonitoredResource, type MonitoringScope } from './monitoring-scope';
import { keepSignalMetric, type SignalMetrics } from './signal-metrics';
import { type SignalOverride, type SignalOverrides, signalOverrideProblems } from './signal-overrides';

/** What every monitor takes besides the resource it watches. */
export interface ResourceMonitorProps<K extends string> {
  /** The service the resource belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /**
   * Overrides for this resource's signals, keyed by signal; they win over the service's
   * `<kind>/<signal>` overrides (which exist for Vigil's own kinds only). @default none
   */
  readonly overrides?: SignalOverrides<K>;
}

/**
 * The base of every monitor: it holds the service and the resource the alarms are made for, checks
 * the resource's overrides, and keeps each alarm and the metric behind it. Vigil's ten monitors
 * extend it, and so can a team's own monitor for a resource Vigil does not watch; its alarms are then
 * named, tagged, described and routed like Vigil's:
 *
 * ```ts
 * class BucketMonitor extends ResourceMonitor<'s3-bucket'> {
 *   constructor(scope: Construct, id: string, props: BucketMonitorProps) {
 *     super(scope, id, props, () => ({ kind: 's3-bucket', name: props.name }));
 *     this.addAlarm({ signal: 'server-errors', metric: serverErrors(props.bucket), threshold: 1, ... });
 *   }
 * }
 * ```
 *
 * A kind of MONITOR_SIGNALS types its alarms and overrides against its row; a team's own kind takes
 * any kebab-case signal, and its override keys are checked at synth against the signals it alarmed on.
 *
 * Monitors depend on {@link MonitoringScope}, never on `ServiceMonitoring`'s module: the facade
 * imports the monitors, and the import graph has no cycle.
 */
export abstract class ResourceMonitor<K extends string> extends Construct {
  /** Every alarm the monitor made, most severe first per signal. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The metric behind each signal watched, for the team's own alarms and widgets. */
  readonly metrics: SignalMetrics<K> = {} as SignalMetrics<K>;
  /**
   * The service this monitor's alarms belong to: `props.monitoring`, else the `ServiceMonitoring`
   * found from the construct tree. A subclass rarely needs it; `addAlarm` goes through it.
   */
  protected readonly monitoring: MonitoringScope;
  /**
   * The watched resource as alarms name and describe it (kind, name, log group), with its overrides
   * checked against the kind's signals.
   */
  protected readonly resource: MonitoredResource;
  /** By the signal overrides name (a variant's `overrideSignal`): what a team's own kind checks its keys against. */
  private readonly raised = new Set<string>();

  /**
   * @param describe the resource as the facade sees it; given the monitor, which naming the resource
   * may need (the Lambda monitor's log group depends on the monitor's stack) and which a subclass
   * cannot reach before `super()` returns.
   */
  protected constructor(
    scope: Construct,
    id: string,
    props: ResourceMonitorProps<K>,
    describe: (self: Construct) => { readonly kind: K; readonly name: string; readonly logGroup?: string },
  ) {
    super(scope, id);
    this.monitoring = props.monitoring ?? defaultMonitoringScope(this);
    this.resource = this.checked(describe(this), props.overrides ?? {});
  }

  /** Makes a signal's alarms (none, one, or one per severity) and keeps its metric. */
  protected addAlarm(spec: MonitorAlarmSpec<K>): void {
    const alarm = spec as AlarmSpec;
    this.keep(alarm);
    this.alarms.push(...this.monitoring.addAlarm(this, this.resource, alarm));
  }

  /** Makes a signal's anomaly-detection alarms and keeps its metric. */
  protected addAnomalyAlarm(spec: MonitorAlarmSpec<K, AnomalyAlarmSpec>): void {
    const alarm = spec as AnomalyAlarmSpec;
    this.keep(alarm);
    this.alarms.push(...this.monitoring.addAnomalyAlarm(this, this.resource, alarm));
  }

  private keep(spec: AlarmSpec | AnomalyAlarmSpec): void {
    keepSignalMetric(this.metrics, spec);
    this.raised.add(spec.overrideSignal ?? spec.signal);
  }

  /**
   * The resource with its overrides checked up front: the facade only reads the override of a signal
   * it is raising, so a misspelt key, a field no override has, or an override of a signal the kind
   * does not raise would otherwise pass unseen.
   */
  private checked(
    resource: { readonly kind: K; readonly name: string; readonly logGroup?: string },
    overrides: Readonly<Partial<Record<string, SignalOverride>>>,
  ): MonitoredResource {
    const where = `service ${this.monitoring.service}, ${resource.name}`;
    const keys = Object.keys(overrides);
    if (isMonitorKind(resource.kind)) {
      const unknown = unknownSignalsMessage(resource.kind, keys);
      if (unknown !== undefined) throw new Error(`${where}: ${unknown}`);
    } else {
      // A team's own kind lists its signals nowhere but in the alarms it makes, all made by synth.
      this.node.addValidation({
        validate: () => {
          const unknown = keys.filter((key) => !this.raised.has(key));
          if (unknown.length === 0) return [];
          return [
            `${where}: unknown signal${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => JSON.stringify(key)).join(', ')} ` +
              `in the ${resource.kind} monitor's overrides: they are keyed by one of the signals it alarms on, ${[...this.raised].join(', ')}`,
          ];
        },
      });
    }
    const given = Object.entries(overrides).flatMap(([signal, override]) =>
      override === undefined ? [] : [[signal, override] as const],
    );
    const problems = given.flatMap(([signal, override]) =>
      signalOverrideProblems(`${where}: override ${resource.kind}/${signal}`, override),
    );
    if (problems.length > 0) throw new Error(problems.join('; '));
    return { ...resource, overrides: Object.fromEntries(given) };
  }
}
