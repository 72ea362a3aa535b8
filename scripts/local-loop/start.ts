import './quiet-handlers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ScenarioRun } from './scenario';
import { SCENARIOS } from './scenarios';

/**
 * `npm start`: Vigil's loop on this machine, offline, on simulated time. Synthesizes the dev app,
 * runs a scenario against it (see scripts/local-loop/), prints the timeline and, with `--json`, ends
 * with one JSON outcome line.
 */
async function main(): Promise<number> {
  const wallStart = performance.now();
  let values: { scenario?: string; list?: boolean; json?: boolean };
  try {
    ({ values } = parseArgs({
      options: { scenario: { type: 'string' }, list: { type: 'boolean' }, json: { type: 'boolean' } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: npm start -- [--scenario NAME] [--list] [--json]`);
    return 2;
  }
  if (values.list) {
    for (const scenario of SCENARIOS) console.log(`${scenario.name}  ${scenario.description}`);
    return 0;
  }
  const name = values.scenario ?? (SCENARIOS[0]?.name as string);
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (!scenario) {
    console.error(`unknown scenario "${name}"; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runFolder = path.join('.vigil-runs', `${scenario.name}-${stamp}`);
  fs.mkdirSync(runFolder, { recursive: true });
  // Simulated time starts three hours back, so the handlers that read the wall clock (the enricher's
  // look-back windows) see the whole incident in their past.
  const timelineStart = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;

  const run: ScenarioRun = await scenario.run({ runFolder, timelineStart });
  const { summary } = run;
  summary.wallSeconds = Math.round((performance.now() - wallStart) / 100) / 10;

  console.log(
    `Vigil local loop: scenario "${scenario.name}" (dev app synthesized offline, simulated time)\n`,
  );
  console.log(run.timeline.format());
  if (run.emails[0] !== undefined) {
    console.log(
      `\nThe first alert's email:\n${'-'.repeat(72)}\n${run.emails[0].trimEnd()}\n${'-'.repeat(72)}`,
    );
  }
  console.log('\nNot run for real:');
  for (const note of run.notes) console.log(`  - ${note}`);
  console.log(`\nAlerts in all four formats: ${runFolder}/`);
  fs.writeFileSync(path.join(runFolder, 'timeline.txt'), `${run.timeline.format()}\n`);
  fs.writeFileSync(path.join(runFolder, 'outcome.json'), `${JSON.stringify(summary, null, 2)}\n`);

  for (const failure of run.failures) console.error(`scenario ${scenario.name} failed: ${failure}`);
  if (values.json) console.log(JSON.stringify(summary));
  return run.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
