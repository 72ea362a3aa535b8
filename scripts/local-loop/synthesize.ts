import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import type { EnvironmentConfigInput } from '../../config/environment-config';
import { dev } from '../../config/environments/dev';
import { parseEnvironmentConfig } from '../../config/load-config';
import { addVigilStacks } from '../../stacks/vigil-app';
import { cdkJsonContext } from '../cdk-json-context';

/** One synthesized stack: its template as written to the assembly, and the construct (for deployed values). */
export interface SynthesizedStack {
  readonly stack: Stack;
  readonly template: StackTemplate;
}

export interface StackTemplate {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
}

export interface SynthesizedApp {
  /** The cloud assembly directory (a temporary one, removed by {@link SynthesizedApp.dispose}). */
  readonly outdir: string;
  readonly stacks: readonly SynthesizedStack[];
  dispose(): void;
}

/**
 * Synthesizes the dev environment as `npm run synth:summary` does, with the scenario's config overrides (e.g. a
 * playbook in enforce mode), into a temporary assembly. Bundling is skipped: the loop runs each
 * handler in-process from its source entry module, so the bundles would only cost esbuild runs.
 */
export function synthesizeDevApp(overrides: Partial<EnvironmentConfigInput> = {}): SynthesizedApp {
  const config = parseEnvironmentConfig({ ...dev, ...overrides });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-local-loop-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      env: config.name,
      'aws:cdk:bundling-stacks': [],
      // cdk-nag findings are `npm run synth:summary`'s concern; the loop must still run to show them.
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
  });
  const constructs = Object.values(addVigilStacks(app, config)) as Stack[];
  const assembly = app.synth();
  const stacks = assembly.stacks.map((artifact) => {
    const stack = constructs.find((candidate) => candidate.artifactId === artifact.id);
    if (!stack) throw new Error(`no construct for synthesized stack ${artifact.stackName}`);
    return { stack, template: artifact.template as StackTemplate };
  });
  return {
    outdir,
    stacks,
    dispose: () => fs.rmSync(outdir, { recursive: true, force: true }),
  };
}
