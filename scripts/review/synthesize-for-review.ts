import { App, type AppProps, cx_api } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../../config/environment-config';
import { addVigilStacks } from '../../stacks/vigil-app';
import { cdkJsonContext } from '../cdk-json-context';

/**
 * An app with the environment's stacks, as `npm run synth:summary` builds it (cdk.json context), except
 * that findings are recorded in the validation report instead of failing synth (the review lists them
 * as gaps), and that no function is bundled: the review reads templates, not code.
 */
export function vigilAppForReview(config: EnvironmentConfig, outdir: string, props: AppProps = {}): App {
  const app = new App({
    ...props,
    outdir,
    context: {
      ...cdkJsonContext(),
      env: config.name,
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      // CDK's "bundle only these stacks" context, empty: asset hashes change, templates otherwise do not.
      'aws:cdk:bundling-stacks': [],
    },
  });
  addVigilStacks(app, config);
  return app;
}

/** An assembly already on disk (`cdk synth`'s cdk.out, say). */
export function readAssembly(directory: string): cx_api.CloudAssembly {
  return new cx_api.CloudAssembly(directory);
}
