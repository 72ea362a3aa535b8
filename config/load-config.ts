import type { z } from 'zod';
import { defaultAlarmRulePrefix } from '../constructs/monitoring/alarm-naming';
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
  const config = parseEnvironmentConfig(raw);
  checkAlarmNamePrefix(
    config,
    ENVIRONMENTS.filter((environment) => environment !== raw),
  );
  return config;
}

/**
 * Throws when the environment's rules (`alerting.alarmNamePrefix`) would also take the alarms of
 * another environment that may be deployed to the same account and region: each would then receive
 * the other's alarm changes, and an enforcing environment would remediate the other's alarms.
 * Environments pinned to different accounts or regions never share EventBridge events.
 */
export function checkAlarmNamePrefix(
  config: EnvironmentConfig,
  others: readonly Pick<EnvironmentConfigInput, 'name' | 'account' | 'region'>[],
): void {
  const prefix = config.alerting.alarmNamePrefix;
  for (const other of others) {
    if (other.name === config.name || !mayShareEvents(config, other)) continue;
    const theirs = defaultAlarmRulePrefix(other.name);
    if (theirs.startsWith(prefix)) {
      throw new ConfigError(
        `Invalid config ${JSON.stringify(config.name)}: alerting.alarmNamePrefix ${JSON.stringify(prefix)} also ` +
          `starts the alarm names of environment ${JSON.stringify(other.name)} (${theirs}…), which may share its ` +
          `account and region, so each would receive the other's alarm changes; use the default ` +
          `${defaultAlarmRulePrefix(config.name)} or pin the two to different accounts or regions`,
      );
    }
  }
}

function mayShareEvents(
  a: Pick<EnvironmentConfigInput, 'account' | 'region'>,
  b: Pick<EnvironmentConfigInput, 'account' | 'region'>,
): boolean {
  const differ = (x: string | undefined, y: string | undefined) =>
    x !== undefined && y !== undefined && x !== y;
  return !differ(a.account, b.account) && !differ(a.region, b.region);
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
        const unknown = `${field} has unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
        // A schema's own message (e.g. the valid override keys) follows; zod's default repeats the keys.
        return issue.message.startsWith('Unrecognized key') ? unknown : `${unknown}: ${issue.message}`;
      }
      return `${field} ${issue.message}`;
    })
    .join('; ');
}
