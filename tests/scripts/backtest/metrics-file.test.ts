import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { CliError } from '../../../scripts/backtest/cli-error';
import { formatMetricsFile, parseMetricsFile } from '../../../scripts/backtest/metrics-file';

/** The format exactly as the README's "Backtest your alarms" section prints it. */
function documentedExample(): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.split('## Backtest your alarms')[1] ?? '';
  const json = /```json\n\s*(.*?)\n\s*```/s.exec(section)?.[1];
  if (!json) throw new Error('README has no JSON example under "Backtest your alarms"');
  return json;
}
const DOCUMENTED = documentedExample();

describe('the --metrics file', () => {
  it('reads the README’s format: raw samples with ISO-8601 timestamps as epoch ms', () => {
    expect(DOCUMENTED).toBe(
      '{"metrics":[{"namespace":"AWS/Lambda","metricName":"Errors","dimensions":{"FunctionName":"f"},"unit":"Count","samples":[["2026-01-01T00:00:10Z",1],["2026-01-01T00:01:10Z",0]]}]}',
    );
    expect(parseMetricsFile(DOCUMENTED, 'm.json')).toEqual({
      metrics: [
        {
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensions: { FunctionName: 'f' },
          unit: 'Count',
          samples: [
            [Date.UTC(2026, 0, 1, 0, 0, 10), 1],
            [Date.UTC(2026, 0, 1, 0, 1, 10), 0],
          ],
        },
      ],
    });
  });

  it.each([
    ['{"metrics":', 'm.json: not JSON'],
    ['[]', 'm.json: $: '],
    ['{"metrics":[{"namespace":"AWS/Lambda","samples":[]}]}', 'm.json: $.metrics[0].metricName: '],
    [
      '{"metrics":[{"namespace":"N","metricName":"M","samples":[["yesterday",1]]}]}',
      'm.json: $.metrics[0].samples[0][0]: expected an ISO-8601 date-time such as 2026-01-01T00:00:10Z',
    ],
    [
      '{"metrics":[{"namespace":"N","metricName":"M","samples":[["2026-01-01T00:00:10Z","1"]]}]}',
      'm.json: $.metrics[0].samples[0][1]: expected a number',
    ],
    ['{"metrics":[{"namespace":"N","metricName":"M","sample":[]}]}', 'm.json: $.metrics[0]'],
  ])('rejects %s with one line naming the file, the JSON path and what was expected', (text, start) => {
    let message = '';
    try {
      parseMetricsFile(text, 'm.json');
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      message = (error as Error).message;
    }
    expect(message.startsWith(start)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('never throws anything but a one-line CliError, whatever JSON it is given', () => {
    const metricLike = fc.record(
      {
        namespace: fc.oneof(fc.string(), fc.integer()),
        metricName: fc.oneof(fc.string(), fc.constant(null)),
        dimensions: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), fc.string()),
        unit: fc.string(),
        statistic: fc.string(),
        period: fc.oneof(fc.integer(), fc.double()),
        samples: fc.array(
          fc.oneof(
            fc.tuple(
              fc.oneof(
                fc.string(),
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              ),
              fc.jsonValue(),
            ),
            fc.jsonValue(),
          ),
        ),
      },
      { requiredKeys: [] },
    );
    const documentLike = fc.oneof(
      fc.jsonValue(),
      fc.record({ metrics: fc.oneof(fc.array(metricLike), fc.jsonValue()) }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          documentLike.map((value) => JSON.stringify(value)),
          fc.string(),
        ),
        (text) => {
          try {
            parseMetricsFile(text, 'f.json');
          } catch (error) {
            if (!(error instanceof CliError) || error.message.includes('\n')) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('writes what it reads: formatting then parsing gives the same metrics back', () => {
    const second = fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 });
    const recorded = fc.record(
      {
        namespace: fc.string({ minLength: 1 }),
        metricName: fc.string({ minLength: 1 }),
        dimensions: fc.dictionary(
          fc.string({ minLength: 1 }).filter((key) => key !== '__proto__'),
          fc.string(),
        ),
        unit: fc.constantFrom('Count', 'Milliseconds'),
        samples: fc.array(
          fc.tuple(
            second.map((s) => s * 1000),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
        ),
      },
      { requiredKeys: ['namespace', 'metricName', 'dimensions', 'samples'] },
    );
    fc.assert(
      fc.property(fc.array(recorded, { maxLength: 4 }), (metrics) => {
        const parsed = parseMetricsFile(formatMetricsFile({ metrics }), 'saved.json');
        // JSON has no -0.
        expect(parsed.metrics).toEqual(
          metrics.map((metric) => ({
            ...metric,
            samples: metric.samples.map(([at, value]) => [at, Object.is(value, -0) ? 0 : value]),
          })),
        );
      }),
    );
  });
});
