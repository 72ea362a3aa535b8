import type { MetricFeed } from '../../constructs/alarm-engine/simulated-time';
import { deployedValue } from './deployed-values';
import type { LocalLogStore, LogEvent } from './local-logs';
import type { SynthesizedAppReader } from './synthesized-app';

/** A metric filter of the app, as its template sets it. */
interface MetricFilter {
  readonly logGroup: string;
  readonly matches: (message: string) => boolean;
  readonly transformations: readonly {
    readonly namespace: string;
    readonly metricName: string;
    readonly value: (message: string) => number | undefined;
    readonly unit?: string;
  }[];
}

/**
 * The metrics CloudWatch Logs makes from the lines the run's functions write:
 * - embedded metric format: each line with `_aws.CloudWatchMetrics` becomes its metrics, one per
 *   dimension set, at `_aws.Timestamp` (CloudWatch user guide, "Specification: Embedded metric
 *   format");
 * - metric filters: each `AWS::Logs::MetricFilter` of the app on that log group counts the lines its
 *   pattern matches (CloudWatch Logs user guide, "Filter pattern syntax for metric filters"). Only the
 *   JSON property comparisons Vigil's monitors synthesize are read (`{ $.a.b = "x" }`, `!=`, a
 *   number compared with `=`, `!=`, `<`, `<=`, `>`, `>=`); any other pattern fails the run, naming it,
 *   rather than count wrong.
 */
export class LogMetrics {
  private readonly filters: MetricFilter[];
  /** What was extracted, for the run's notes. */
  readonly counts = { emfValues: 0, filterMatches: 0 };

  constructor(
    reader: SynthesizedAppReader,
    logs: LocalLogStore,
    private readonly feed: MetricFeed,
  ) {
    this.filters = reader.resources('AWS::Logs::MetricFilter').map((filter) => {
      const properties = filter.properties as {
        LogGroupName: unknown;
        FilterPattern: string;
        MetricTransformations: {
          MetricNamespace: string;
          MetricName: string;
          MetricValue: string;
          Unit?: string;
        }[];
      };
      return {
        logGroup: deployedValue(properties.LogGroupName, filter.stack),
        matches: compilePattern(properties.FilterPattern, filter.logicalId),
        transformations: properties.MetricTransformations.map((t) => ({
          namespace: t.MetricNamespace,
          metricName: t.MetricName,
          value: metricValue(t.MetricValue, filter.logicalId),
          ...(t.Unit === undefined ? {} : { unit: t.Unit }),
        })),
      };
    });
    logs.onEvent((event) => this.extract(event));
  }

  private extract(event: LogEvent): void {
    for (const filter of this.filters) {
      if (filter.logGroup !== event.logGroup || !filter.matches(event.message)) continue;
      this.counts.filterMatches++;
      for (const t of filter.transformations) {
        const value = t.value(event.message);
        if (value === undefined) continue;
        this.feed.put(
          { namespace: t.namespace, metricName: t.metricName, dimensions: {} },
          event.timestamp,
          value,
          t.unit,
        );
      }
    }
    this.embeddedMetrics(event);
  }

  private embeddedMetrics(event: LogEvent): void {
    if (!event.message.includes('"_aws"')) return;
    let root: Record<string, unknown>;
    try {
      root = JSON.parse(event.message) as Record<string, unknown>;
    } catch {
      return;
    }
    const meta = root._aws as
      | {
          Timestamp?: number;
          CloudWatchMetrics?: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit?: string }[];
          }[];
        }
      | undefined;
    const at = typeof meta?.Timestamp === 'number' ? meta.Timestamp : event.timestamp;
    for (const directive of meta?.CloudWatchMetrics ?? []) {
      // A metric with no dimension set is still published, without dimensions.
      const sets = directive.Dimensions.length > 0 ? directive.Dimensions : [[]];
      for (const metric of directive.Metrics) {
        const raw = root[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
        for (const set of sets) {
          const dimensions = Object.fromEntries(set.map((name) => [name, String(root[name])]));
          for (const value of values) {
            this.feed.put(
              { namespace: directive.Namespace, metricName: metric.Name, dimensions },
              at,
              value,
              metric.Unit,
            );
            this.counts.emfValues++;
          }
        }
      }
    }
  }
}

const COMPARISON = /^\{\s*\$\.([\w.]+)\s*(=|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*\}$/;

/** The pattern as a predicate on one log line; a pattern outside the supported subset throws. */
function compilePattern(pattern: string, where: string): (message: string) => boolean {
  const trimmed = pattern.trim();
  if (trimmed === '') return () => true;
  const parsed = COMPARISON.exec(trimmed);
  if (!parsed)
    throw new Error(`${where}: metric filter pattern ${pattern} is outside what the local loop reads`);
  const [, path, operator, literal] = parsed as unknown as [string, string, string, string];
  const expected: string | number = literal.startsWith('"')
    ? (JSON.parse(literal) as string)
    : Number(literal);
  return (message) => {
    if (!message.trimStart().startsWith('{')) return false;
    let actual: unknown;
    try {
      actual = path
        .split('.')
        .reduce<unknown>(
          (value, key) => (value as Record<string, unknown> | undefined)?.[key],
          JSON.parse(message),
        );
    } catch {
      return false;
    }
    if (typeof expected === 'string') {
      // `*` is a wildcard in string comparisons.
      const regex = new RegExp(`^${expected.split('*').map(escapeRegex).join('.*')}$`);
      const equal = typeof actual === 'string' && regex.test(actual);
      return operator === '=' ? equal : operator === '!=' ? actual !== undefined && !equal : false;
    }
    if (typeof actual !== 'number') return false;
    return (
      {
        '=': actual === expected,
        '!=': actual !== expected,
        '<': actual < expected,
        '<=': actual <= expected,
        '>': actual > expected,
        '>=': actual >= expected,
      }[operator] ?? false
    );
  };
}

/** A MetricValue: a number, or `$.field` for the value of a JSON field. */
function metricValue(value: string, where: string): (message: string) => number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(value)) return () => Number(value);
  const field = /^\$\.([\w.]+)$/.exec(value)?.[1];
  if (field === undefined)
    throw new Error(`${where}: metric value ${value} is outside what the local loop reads`);
  return (message) => {
    try {
      const found = field
        .split('.')
        .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], JSON.parse(message));
      return typeof found === 'number' ? found : undefined;
    } catch {
      return undefined;
    }
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
