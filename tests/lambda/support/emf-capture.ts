/** One CloudWatch embedded-metric-format record as Powertools prints it. */
export interface EmfRecord {
  readonly _aws: {
    CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/**
 * Collects the EMF records Powertools Metrics writes to stdout (and keeps them out of the test
 * output); every other write passes through.
 */
export function captureEmf(): { readonly records: EmfRecord[]; restore(): void } {
  const records: EmfRecord[] = [];
  const original = process.stdout.write;
  process.stdout.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    const text = typeof chunk === 'string' ? chunk : '';
    if (text.startsWith('{"_aws"')) {
      records.push(JSON.parse(text) as EmfRecord);
      return true;
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
  return {
    records,
    restore: () => {
      process.stdout.write = original;
    },
  };
}

/** The value of `metric` in the records that have it, with their dimensions. */
export function metricValues(
  records: readonly EmfRecord[],
  metric: string,
): { value: unknown; dimensions: Record<string, unknown> }[] {
  return records
    .filter((record) =>
      record._aws.CloudWatchMetrics.some((set) => set.Metrics.some((m) => m.Name === metric)),
    )
    .map((record) => {
      const names = record._aws.CloudWatchMetrics[0]?.Dimensions[0] ?? [];
      return {
        value: record[metric],
        dimensions: Object.fromEntries(names.map((name) => [name, record[name]])),
      };
    });
}
