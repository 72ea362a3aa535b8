/**
 * Every signal Vigil's monitors raise, by resource kind: the one list override keys
 * (`<kind>/<signal>`, in {@link ServiceMonitoringProps.overrides} and the environment's
 * `monitoring.overrides`) are typed from and checked against. Each monitor's alarms are typed
 * against its row, so a signal is added here or the monitor does not compile.
 *
 * No imports: the environment schema reads this list without loading the CDK.
 */

/** The SLO indicators' kinds, naming their burn-rate alarms. */
export const SLO_INDICATOR_KINDS = ['availability', 'latency'] as const;
export type SloIndicatorKind = (typeof SLO_INDICATOR_KINDS)[number];

/** The labels of the SLO burn-rate rules (their long windows). */
export const BURN_RULE_LABELS = ['1h', '6h', '1d'] as const;
export type BurnRuleLabel = (typeof BURN_RULE_LABELS)[number];

/** `availability-burn-1h` (the composite) and its `-long` and `-short` windows, for every kind and rule. */
const SLO_SIGNALS = SLO_INDICATOR_KINDS.flatMap((kind) =>
  BURN_RULE_LABELS.flatMap((label) =>
    (['', '-long', '-short'] as const).map(
      (part) =>
        `${kind}-burn-${label}${part}` as `${SloIndicatorKind}-burn-${BurnRuleLabel}${'' | '-long' | '-short'}`,
    ),
  ),
);

const API_SIGNALS = ['server-error-rate', 'client-error-rate', 'p99-latency'] as const;

/**
 * Every signal each of Vigil's monitors raises, keyed by resource kind: the source of
 * {@link MonitorKind}, {@link OverrideKey} and {@link OVERRIDE_KEYS}, so an override naming a signal
 * no monitor raises is caught.
 */
export const MONITOR_SIGNALS = {
  /** {@link LambdaMonitor}'s signals. */
  lambda: [
    'error-rate',
    'errors',
    'throttles',
    'p99-duration',
    'concurrency',
    'iterator-age',
    'async-events-dropped',
    'async-event-age',
    'dead-letter-errors',
    'destination-delivery-failures',
    'error-logs',
    'traffic-drop',
  ],
  /** {@link SqsQueueMonitor}'s signals. */
  sqs: ['oldest-message-age', 'messages-near-expiry', 'dead-letter-messages'],
  /** {@link SnsTopicMonitor}'s signals. */
  sns: ['notifications-failed', 'dead-letter-redrive-failed'],
  /** {@link EventRuleMonitor}'s signals. */
  'event-rule': ['failed-invocations', 'throttled-rules', 'dead-letter-failed'],
  /**
   * {@link HttpApiMonitor}'s signals. A watched route's alarms (`<route>-server-error-rate`) follow
   * the API's key.
   */
  'http-api': API_SIGNALS,
  /**
   * {@link RestApiMonitor}'s signals. A watched method's alarms (`<method>-server-error-rate`)
   * follow the API's key.
   */
  'rest-api': API_SIGNALS,
  /** {@link DynamoDbTableMonitor}'s signals. */
  dynamodb: [
    'read-throttles',
    'write-throttles',
    'index-read-throttles',
    'index-write-throttles',
    'system-errors',
    'read-capacity',
    'write-capacity',
    'account-user-errors',
  ],
  /** {@link StateMachineMonitor}'s signals. */
  'state-machine': [
    'executions-failed',
    'executions-timed-out',
    'executions-aborted',
    'executions-throttled',
    'p99-execution-time',
  ],
  /** {@link CloudFrontDistributionMonitor}'s signals. */
  cloudfront: ['5xx-error-rate', 'origin-latency'],
  /** {@link FirehoseMonitor}'s signals. */
  firehose: [
    's3-delivery-success',
    's3-data-freshness',
    'throttled-source-reads',
    'throttled-records',
    'processing-success',
    'incoming-records-stopped',
  ],
  /**
   * {@link ServiceLevelObjective}'s burn-rate alarms: `<indicator>-burn-<window>` composites
   * (`availability-burn-1h`) and their `-long` and `-short` window alarms.
   */
  slo: SLO_SIGNALS,
  /** The service-health composite over its paging (critical and high) alarms; `health-part-<n>` composites follow the `health` key. */
  service: ['health'],
} as const;

/** A resource kind one of Vigil's monitors watches: a key of {@link MONITOR_SIGNALS}, the `<kind>` of an override key. */
export type MonitorKind = keyof typeof MONITOR_SIGNALS;
/**
 * The signals of a kind: its row of MONITOR_SIGNALS for Vigil's own kinds; any signal for a kind a
 * team's own monitor adds (`ResourceMonitor<'s3-bucket'>`), which no list here can know.
 */
export type MonitorSignal<K extends string> = K extends MonitorKind
  ? (typeof MONITOR_SIGNALS)[K][number]
  : string;

export function isMonitorKind(kind: string): kind is MonitorKind {
  return Object.hasOwn(MONITOR_SIGNALS, kind);
}

/** `<kind>/<signal>` for every signal of every monitor: what an override may be keyed by. */
export type OverrideKey = { [K in MonitorKind]: `${K}/${MonitorSignal<K>}` }[MonitorKind];

/** Every valid override key, `<kind>/<signal>` (e.g. `lambda/error-rate`), for validating configuration. */
export const OVERRIDE_KEYS = Object.entries(MONITOR_SIGNALS).flatMap(([kind, signals]) =>
  (signals as readonly string[]).map((signal) => `${kind}/${signal}`),
) as [OverrideKey, ...OverrideKey[]];

const KNOWN = new Set<string>(OVERRIDE_KEYS);

export function isOverrideKey(key: string): key is OverrideKey {
  return KNOWN.has(key);
}

/** The error for keys that name no monitor signal: each unknown key, then every valid one. */
export function unknownOverrideKeysMessage(keys: readonly string[]): string | undefined {
  const unknown = keys.filter((key) => !KNOWN.has(key));
  if (unknown.length === 0) return undefined;
  return (
    `unknown override key${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => JSON.stringify(key)).join(', ')}: ` +
    `an override is keyed <kind>/<signal> by a signal a monitor raises, one of ${OVERRIDE_KEYS.join(', ')}`
  );
}

/** The error for a monitor's override keys that name none of its kind's signals: each unknown key, then every valid one. */
export function unknownSignalsMessage(kind: MonitorKind, keys: readonly string[]): string | undefined {
  const signals: readonly string[] = MONITOR_SIGNALS[kind];
  const unknown = keys.filter((key) => !signals.includes(key));
  if (unknown.length === 0) return undefined;
  return (
    `unknown signal${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => JSON.stringify(key)).join(', ')} ` +
    `in the ${kind} monitor's overrides: they are keyed by one of its signals, ${signals.join(', ')}`
  );
}
