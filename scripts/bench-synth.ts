import * as fs from 'node:fs';
import * as path from 'node:path';
import { synthFleetApp } from './bench-fleet-app';

/**
 * `npm run bench:synth`: synthesizes an app whose workload stacks hold 100 or 500 Lambda functions
 * and whose monitoring stack watches all of them through one ServiceMonitoring, then prints synth
 * time, alarm count and the largest template against CloudFormation's limits.
 */
const LIMITS = { resources: 500, bytes: 1024 * 1024, outputs: 200, parameters: 200 };

interface TemplateFigures {
  readonly file: string;
  readonly resources: number;
  readonly bytes: number;
  readonly outputs: number;
  readonly parameters: number;
}

function measure(functionCount: number) {
  const started = performance.now();
  const { assembly, monitoring, dispose } = synthFleetApp(functionCount);
  const seconds = (performance.now() - started) / 1000;

  const templates: TemplateFigures[] = fs
    .readdirSync(assembly.directory)
    .filter((file) => file.endsWith('.template.json'))
    .map((file) => {
      const text = fs.readFileSync(path.join(assembly.directory, file), 'utf8');
      const template = JSON.parse(text) as Record<string, Record<string, unknown> | undefined>;
      return {
        file,
        resources: Object.keys(template.Resources ?? {}).length,
        bytes: Buffer.byteLength(text),
        outputs: Object.keys(template.Outputs ?? {}).length,
        parameters: Object.keys(template.Parameters ?? {}).length,
      };
    });
  dispose();
  const largest = (pick: (figures: TemplateFigures) => number) => Math.max(...templates.map(pick));
  return {
    functionCount,
    seconds,
    alarms: monitoring.createdAlarms().length,
    templates: templates.length,
    resources: largest((figures) => figures.resources),
    bytes: largest((figures) => figures.bytes),
    outputs: largest((figures) => figures.outputs),
    parameters: largest((figures) => figures.parameters),
  };
}

const rows = [100, 500].map(measure);
console.log('Synth benchmark: Lambda functions monitored through one ServiceMonitoring\n');
console.log('functions  synth s  alarms  templates  max resources  max KiB  max outputs  max parameters');
for (const row of rows) {
  console.log(
    [
      String(row.functionCount).padStart(9),
      row.seconds.toFixed(1).padStart(7),
      String(row.alarms).padStart(6),
      String(row.templates).padStart(9),
      `${row.resources}/${LIMITS.resources}`.padStart(13),
      `${(row.bytes / 1024).toFixed(0)}/${LIMITS.bytes / 1024}`.padStart(8),
      `${row.outputs}/${LIMITS.outputs}`.padStart(11),
      `${row.parameters}/${LIMITS.parameters}`.padStart(14),
    ].join('  '),
  );
}
const over = rows.filter(
  (row) =>
    row.resources > LIMITS.resources ||
    row.bytes > LIMITS.bytes ||
    row.outputs > LIMITS.outputs ||
    row.parameters > LIMITS.parameters,
);
if (over.length > 0) {
  console.error(
    `\nOver a CloudFormation limit at ${over.map((row) => row.functionCount).join(', ')} functions.`,
  );
  process.exitCode = 1;
} else {
  console.log('\nEvery template is within CloudFormation limits.');
}
