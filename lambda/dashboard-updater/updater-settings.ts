import { readEnvironment, requiredText, wholeNumber } from '../shared/environment';
import * as z from '../shared/zod';
import type { DashboardUpdaterSettings } from './update-dashboards';

/**
 * Default most bytes of one live dashboard body. The API reference gives DashboardBody no length
 * limit, so this is Vigil's choice: a service this large (about 25 resources at roughly 2 KB each)
 * is already more than one screen is worth.
 */
export const DEFAULT_MAX_BODY_BYTES = 50_000;

const schema = z.pipe(
  z.object({
    ENVIRONMENT_NAME: requiredText.check(
      z.regex(/^[a-z][a-z0-9]{1,11}$/, { error: 'must be a Vigil environment name such as prod' }),
    ),
    AWS_LAMBDA_FUNCTION_NAME: requiredText,
    MAX_BODY_BYTES: z._default(wholeNumber('bytes', { min: 10_000, max: 1_000_000 }), DEFAULT_MAX_BODY_BYTES),
    CALL_TIMEOUT_MS: z._default(wholeNumber('milliseconds', { min: 100, max: 60_000 }), 10_000),
    POWERTOOLS_SERVICE_NAME: requiredText,
    POWERTOOLS_METRICS_NAMESPACE: requiredText,
  }),
  z.transform(
    (env): DashboardUpdaterSettings => ({
      environment: env.ENVIRONMENT_NAME,
      updaterName: env.AWS_LAMBDA_FUNCTION_NAME,
      maxBodyBytes: env.MAX_BODY_BYTES,
      callTimeoutMs: env.CALL_TIMEOUT_MS,
    }),
  ),
);

/** The updater's settings from its environment (set by the dashboards stack); throws naming every bad variable. */
export function readUpdaterSettings(env: NodeJS.ProcessEnv = process.env): DashboardUpdaterSettings {
  return readEnvironment(schema, env);
}
