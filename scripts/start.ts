import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../config/load-config';
import { addVigilStacks } from '../stacks/vigil-app';
import { cdkJsonContext } from './cdk-json-context';
import { formatSummaryTable, summarizeAssembly } from './synth-summary';

const { values } = parseArgs({ options: { env: { type: 'string' } } });
const context = cdkJsonContext();
const envName = values.env ?? context.env;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(envName);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// Findings are reported in the table below rather than thrown at the first failing plugin.
const app = new App({
  outdir: 'cdk.out',
  context: { ...context, env: config.name, '@aws-cdk/core:failSynthOnValidationErrors': false },
});
addVigilStacks(app, config);
const summaries = summarizeAssembly(app.synth());

console.log(`Vigil, environment "${config.name}" (synthesized offline into cdk.out/)\n`);
console.log(formatSummaryTable(summaries));
const findings = summaries.flatMap((summary) => summary.findings);
for (const finding of findings) {
  console.error(`[${finding.rule}] ${finding.constructPath}: ${finding.description}`);
}
if (findings.length > 0) {
  console.error(
    `\n${findings.length} unacknowledged finding(s): fix them or acknowledge each with its reason.`,
  );
  process.exit(1);
}
