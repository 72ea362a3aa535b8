import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../../config/load-config';
import type { AlarmDefinition } from '../../constructs/alarm-engine/alarm-definition';
import { alarmsFromAssembly, alarmsFromTemplate } from '../../constructs/alarm-engine/template-alarms';
import { addVigilStacks } from '../../stacks/vigil-app';
import { cdkJsonContext } from '../cdk-json-context';
import { CliError, readInputFile } from './cli-error';

/** The alarms to backtest, and what the template reader could not resolve. */
export interface LoadedAlarms {
  readonly alarms: readonly AlarmDefinition[];
  /** One line each, printed as warnings: the backtest still runs. */
  readonly problems: readonly string[];
}

/** The alarms of `--template` files, or of the Vigil app for `env` synthesized in-process. */
export function loadAlarmDefinitions(options: {
  readonly env?: string;
  readonly templates: readonly string[];
}): LoadedAlarms {
  return options.templates.length > 0 ? fromTemplates(options.templates) : fromVigilApp(options.env);
}

function fromTemplates(files: readonly string[]): LoadedAlarms {
  const alarms: AlarmDefinition[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const stackName = path.basename(file).replace(/(\.template)?\.json$/, '');
    const read = alarmsFromTemplate(readTemplate(file), { stackName });
    if (read.alarms.length === 0) {
      throw new CliError(`${file}: no AWS::CloudWatch::Alarm or AWS::CloudWatch::CompositeAlarm resources`);
    }
    alarms.push(...read.alarms);
    problems.push(...read.problems.map((problem) => `${file}: ${problem}`));
  }
  return { alarms, problems };
}

function readTemplate(file: string): unknown {
  const text = readInputFile(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not a JSON CloudFormation template (${(error as Error).message})`);
  }
}

/**
 * Synthesizes the app as `npm start` does, but into a temporary directory and with validation
 * failures failing the synthesis: a backtest of an app that would not deploy answers nothing.
 */
function fromVigilApp(env: string | undefined): LoadedAlarms {
  const context = cdkJsonContext();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env ?? context.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-backtest-'));
  try {
    const app = new App({ outdir, context: { ...context, env: config.name } });
    addVigilStacks(app, config);
    try {
      app.synth();
    } catch (error) {
      throw new CliError(`synthesizing Vigil (${config.name}) failed: ${(error as Error).message}`);
    }
    const read = alarmsFromAssembly(outdir, {});
    if (read.alarms.length === 0) throw new CliError(`the Vigil app (${config.name}) synthesizes no alarms`);
    return read;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
