import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { EnvironmentConfig, EnvironmentConfigInput } from '../../config/environment-config';
import { dev as devEnvironment } from '../../config/environments/dev';
import { parseEnvironmentConfig } from '../../config/load-config';
import { cdkJsonContext } from '../../scripts/cdk-json-context';
import { addVigilStacks, type VigilStacks } from '../../stacks/vigil-app';

/** A fresh app with cdk.json's context, writing into a temporary directory. */
export function newApp(extraContext: Record<string, unknown> = {}): App {
  return new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-')),
    context: { ...cdkJsonContext(), ...extraContext },
  });
}

/**
 * The `dev` environment file with some fields replaced, named `test`, validated like a real
 * environment file (so defaults that follow the name, such as `alerting.alarmNamePrefix`, follow `test`).
 */
export function configWith(overrides: Partial<EnvironmentConfigInput>): EnvironmentConfig {
  const { name: _name, ...dev } = devEnvironment;
  return parseEnvironmentConfig({ ...dev, name: 'test', ...overrides });
}

/**
 * Context that skips asset bundling (CDK's `aws:cdk:bundling-stacks` with no stack): for tests that
 * read templates, not function code. Each bundled function costs an esbuild run.
 */
export const WITHOUT_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/** Every Vigil stack for the environment, in an app that has not been synthesized yet. */
export function vigilStacks(config: EnvironmentConfig, extraContext?: Record<string, unknown>) {
  const app = newApp(extraContext);
  const stacks: VigilStacks = addVigilStacks(app, config);
  return { app, stacks };
}
