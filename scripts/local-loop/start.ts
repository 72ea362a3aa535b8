import './quiet-handlers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalConsole } from './console/local-console';
import type { ScenarioRun } from './scenario';
import { SCENARIOS } from './scenarios';

/**
 * `npm start`: Vigil's loop on this machine, offline, on simulated time. Synthesizes the dev app,
 * runs a scenario against it (see scripts/local-loop/), prints the timeline and, with `--json`, ends
 * with one JSON outcome line. With `--serve` the local console (scripts/local-loop/console/) is up
 * on 127.0.0.1 before the run starts, and keeps serving after it until Ctrl-C.
 */
async function main(): Promise<number> {
  const wallStart = performance.now();
  let values: {
    scenario?: string;
    list?: boolean;
    json?: boolean;
    serve?: boolean;
    port?: string;
    'site-port'?: string;
  };
  const usage =
    'Usage: npm start -- [--scenario NAME] [--list] [--json] [--serve [--port N] [--site-port N]]';
  try {
    ({ values } = parseArgs({
      options: {
        scenario: { type: 'string' },
        list: { type: 'boolean' },
        json: { type: 'boolean' },
        serve: { type: 'boolean' },
        port: { type: 'string' },
        'site-port': { type: 'string' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  // 0 asks for any free port (tests); the default is fixed so a bookmark keeps working.
  const port = Number(values.port ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be a port number from 0 to 65535 (got ${values.port})\n${usage}`);
    return 2;
  }
  const sitePort = Number(values['site-port'] ?? (values.serve ? DEFAULT_SITE_PORT : 0));
  if (!Number.isInteger(sitePort) || sitePort < 0 || sitePort > 65_535) {
    console.error(`--site-port must be a port number from 0 to 65535 (got ${values['site-port']})\n${usage}`);
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

  const served = values.serve
    ? await LocalConsole.start({ port, scenario: scenario.name, runFolder })
    : undefined;
  if (served) console.log(`Console: ${served.url}`);
  let run: ScenarioRun;
  try {
    run = await scenario.run({ runFolder, timelineStart, sitePort, ...(served && { console: served }) });
  } catch (error) {
    if (!served) throw error;
    served.failed(error);
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return serveUntilInterrupted(served);
  }
  served?.finished(run);
  const { summary } = run;
  summary.wallSeconds = Math.round((performance.now() - wallStart) / 100) / 10;

  console.log(
    `Vigil local loop: scenario "${scenario.name}" (dev app synthesized offline, simulated time)\n`,
  );
  console.log(run.timeline.format());
  const headline = headlineEmail(run);
  if (headline !== undefined) {
    console.log(`\n${headline.title}:\n${'-'.repeat(72)}\n${headline.text.trimEnd()}\n${'-'.repeat(72)}`);
  }
  console.log('\nNot run for real:');
  for (const note of run.notes) console.log(`  - ${note}`);
  // Alerts in their four formats, reports, the timeline and the outcome.
  console.log(`\nRun folder: ${runFolder}/`);
  fs.writeFileSync(path.join(runFolder, 'timeline.txt'), `${run.timeline.format()}\n`);
  fs.writeFileSync(path.join(runFolder, 'outcome.json'), `${JSON.stringify(summary, null, 2)}\n`);

  for (const failure of run.failures) console.error(`scenario ${scenario.name} failed: ${failure}`);
  if (served?.uploadSite) {
    console.log(`\nUpload site: ${served.uploadSite.siteUrl}`);
    for (const user of served.uploadSite.users) console.log(`  sign in as ${user.email} / ${user.password}`);
  }
  if (served) console.log(`\nConsole still serving at ${served.url} (Ctrl-C to stop).`);
  if (values.json) console.log(JSON.stringify(summary));
  if (served) return serveUntilInterrupted(served);
  return run.failures.length > 0 ? 1 : 0;
}

const DEFAULT_PORT = 4780;
/** The upload site's: the site client's localhost callback URL in the dev app names it (stacks/predictor-stack.ts). */
const DEFAULT_SITE_PORT = 4781;

/** Keeps the console up until Ctrl-C (SIGINT), then closes it and the run it held: exit 0. */
function serveUntilInterrupted(served: LocalConsole): Promise<number> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => {
      served.close().then(
        () => resolve(0),
        () => resolve(0),
      );
    });
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);

const SEVERITY_ORDER = ['critical', 'high', 'warning', 'info'];

/**
 * The email worth printing: the most severe alert that opened an episode (the first of those), or,
 * for a run without alerts (the cost report), its first mail.
 */
function headlineEmail(run: ScenarioRun): { title: string; text: string } | undefined {
  const { alerts } = run.summary;
  if (alerts.length === run.emails.length && alerts.length > 0) {
    const opened = alerts
      .map((alert, index) => ({ alert, index }))
      .filter(({ alert }) => alert.notification === 'alarm');
    const rank = (severity: string) => {
      const at = SEVERITY_ORDER.indexOf(severity);
      return at < 0 ? SEVERITY_ORDER.length : at;
    };
    const [first] = opened.sort(
      (a, b) => rank(a.alert.severity) - rank(b.alert.severity) || a.index - b.index,
    );
    const chosen = first ?? { alert: alerts[0], index: 0 };
    const text = run.emails[chosen.index];
    if (text !== undefined)
      return { title: `The email of the ${chosen.alert?.severity} alert on ${chosen.alert?.alarm}`, text };
  }
  const [first] = run.emails;
  return first === undefined ? undefined : { title: 'The mail', text: first };
}
