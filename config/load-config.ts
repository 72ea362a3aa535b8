import type { z } from 'zod';
import {
  type EnvironmentConfig,
  type EnvironmentConfigInput,
  environmentConfigSchema,
} from './environment-config';
import { dev } from './environments/dev';
import { prod } from './environments/prod';

/** Every environment Vigil can be synthesized for, chosen with `-c env=<name>`. */
export const ENVIRONMENTS: readonly EnvironmentConfigInput[] = [dev, prod];

export const DEFAULT_ENVIRONMENT = 'dev';

/** A configuration that cannot be deployed. The message is one line naming each bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Loads and validates the named environment; throws {@link ConfigError} when it is invalid. */
export function loadConfig(envName: unknown = DEFAULT_ENVIRONMENT): EnvironmentConfig {
  const known = ENVIRONMENTS.map((environment) => environment.name);
  const raw = ENVIRONMENTS.find((environment) => environment.name === envName);
  if (raw === undefined) {
    throw new ConfigError(
      `Invalid config: env must be one of ${known.join(', ')} (got ${JSON.stringify(envName)})`,
    );
  }
  return parseEnvironmentConfig(raw);
}

/** Validates one environment definition and fills in defaults. */
export function parseEnvironmentConfig(raw: unknown): EnvironmentConfig {
  const result = environmentConfigSchema.safeParse(raw);
  if (!result.success) {
    const name = (raw as { name?: unknown } | null)?.name;
    throw new ConfigError(
      `Invalid config ${JSON.stringify(name ?? 'unnamed')}: ${describeIssues(result.error.issues)}`,
    );
  }
  return result.data;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') {
        return `${field} has unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
      }
      return `${field} ${issue.message}`;
    })
    .join('; ');
}
