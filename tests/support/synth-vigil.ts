import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import type { EnvironmentConfig, EnvironmentConfigInput } from '../../config/environment-config';
import { dev as devEnvironment } from '../../config/environments/dev';
import { parseEnvironmentConfig } from '../../config/load-config';
import { cdkJsonContext } from '../../scripts/cdk-json-context';
import { addVigilStacks, type VigilStacks } from '../../stacks/vigil-app';

/** A fresh app with cdk.json's context, writing into a temporary directory. */
export function newApp(extraContext: Record<string, unknown> = {}, props: AppProps = {}): App {
  return new App({
    ...props,
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

/**
 * App props that skip aws-cdk-lib's built-in CloudFormation validation (the
 * `@aws/cloudformation-validate` rules run at every synth): for tests that read templates, not for
 * tests that prove the templates deploy. It is most of a synth's CPU (a profile of a whole Vigil app:
 * 9.8 of 10.5 s, half of it starting its WebAssembly engine, once per app); in Jest on a quiet 2-core
 * machine it saves about 2 s per whole app. compliance-gate.test.ts keeps it on for every shipped
 * environment (dev, prod, and prod pinned).
 */
export const WITHOUT_CFN_VALIDATION: AppProps = { builtinCloudFormationValidation: false };

/** Every Vigil stack for the environment, in an app that has not been synthesized yet. */
export function vigilStacks(
  config: EnvironmentConfig,
  extraContext?: Record<string, unknown>,
  props?: AppProps,
) {
  const app = newApp(extraContext, props);
  const stacks: VigilStacks = addVigilStacks(app, config);
  return { app, stacks };
}
