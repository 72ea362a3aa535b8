import { z } from 'zod';
import type { MetricSeries } from '../../constructs/alarm-engine/alarm-definition';
import { CliError, readInputFile } from './cli-error';

/**
 * One metric of a metrics file. Without `statistic` its samples are raw values as published; with
 * it (what `--live --save` writes) each sample is a CloudWatch datapoint of that statistic over
 * `period` seconds starting at its timestamp.
 */
export interface RecordedMetric extends MetricSeries {
  readonly statistic?: string;
  readonly period?: number;
}

/** The contents of a `--metrics` file. */
export interface MetricsFile {
  readonly metrics: readonly RecordedMetric[];
}

const timestamp = z.iso
  .datetime({ offset: true, error: 'expected an ISO-8601 date-time such as 2026-01-01T00:00:10Z' })
  .transform((text) => Date.parse(text));

const sample = z.tuple([timestamp, z.number({ error: 'expected a number' })], {
  error: 'expected a [timestamp, value] pair',
});

const metric = z.strictObject({
  namespace: z.string({ error: 'expected a string' }).min(1, 'expected a non-empty namespace'),
  metricName: z.string({ error: 'expected a string' }).min(1, 'expected a non-empty metric name'),
  dimensions: z.record(z.string(), z.string({ error: 'expected a string value' })).default({}),
  unit: z.string({ error: 'expected a string' }).optional(),
  statistic: z.string({ error: 'expected a string' }).min(1).optional(),
  period: z.number().int().positive('expected a whole number of seconds').optional(),
  samples: z.array(sample, { error: 'expected an array of [timestamp, value] pairs' }),
});

const metricsFile = z.strictObject({
  metrics: z.array(metric, { error: 'expected an array of metrics' }),
});

/** `$.metrics[0].samples[1][0]`: where in the file a problem is, as a JSON path. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    '$',
  );
}

/** Parses the text of a metrics file; any problem is a {@link CliError} naming the file, the JSON path and what was expected. */
export function parseMetricsFile(text: string, file: string): MetricsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = metricsFile.safeParse(json);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
    throw new CliError(`${file}: ${jsonPath(first?.path ?? [])}: ${first?.message ?? 'invalid'}${more}`);
  }
  for (const [index, entry] of parsed.data.metrics.entries()) {
    if ((entry.statistic === undefined) !== (entry.period === undefined)) {
      throw new CliError(
        `${file}: $.metrics[${index}]: expected "statistic" and "period" together or neither`,
      );
    }
  }
  return parsed.data;
}

/** Reads and parses a metrics file from disk. */
export function readMetricsFile(file: string): MetricsFile {
  return parseMetricsFile(readInputFile(file), file);
}

/** The metrics file for `data`, timestamps as ISO-8601, so `--save` output is a valid `--metrics` input. */
export function formatMetricsFile(data: MetricsFile): string {
  const metrics = data.metrics.map((entry) => ({
    namespace: entry.namespace,
    metricName: entry.metricName,
    dimensions: entry.dimensions,
    ...(entry.unit === undefined ? {} : { unit: entry.unit }),
    ...(entry.statistic === undefined ? {} : { statistic: entry.statistic, period: entry.period }),
    samples: entry.samples.map(([at, value]) => [new Date(at).toISOString(), value]),
  }));
  // One metric a line: readable in a diff, and not one line per sample.
  return `{"metrics":[\n${metrics.map((entry) => JSON.stringify(entry)).join(',\n')}\n]}\n`;
}
