import type { EnvironmentConfig } from '../config/environment-config';
import { alarmNamePrefixFor } from '../constructs/monitoring/alarm-naming';

/**
 * The one naming rule for named AWS resources and stacks: `vigil-<environment>-<purpose>`, so two
 * environments can share an account and a resource's owner is obvious from its name alone.
 */
export function physicalName(config: Pick<EnvironmentConfig, 'name'>, purpose: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(purpose)) {
    throw new Error(`purpose must be lowercase kebab-case (got ${JSON.stringify(purpose)})`);
  }
  return `vigil-${config.name}-${purpose}`;
}

/** A wildcard matching every physical name of the environment, e.g. for X-Ray service names. */
export function physicalNamePattern(config: Pick<EnvironmentConfig, 'name'>): string {
  return `vigil-${config.name}-*`;
}

/**
 * Prefix of every alarm name of the environment (`vigil-<environment>`), from the one alarm-naming
 * rule (`constructs/monitoring/alarm-naming.ts`) that teams' monitoring follows too: alarm names are
 * unique per account and region, and the environment's rules match its alarms by
 * `alerting.alarmNamePrefix`, `vigil-<environment>-` by default.
 */
export function alarmNamePrefix(config: Pick<EnvironmentConfig, 'name'>): string {
  return alarmNamePrefixFor(config.name);
}

/**
 * The archive bucket's name, `vigil-<env>-archive-<account>-<region>`: fixed so that other stacks
 * (the log archive) can name it without a cross-stack reference.
 */
export function archiveBucketName(
  config: Pick<EnvironmentConfig, 'name'>,
  account: string,
  region: string,
): string {
  return `${physicalName(config, 'archive')}-${account}-${region}`;
}

/**
 * The upload site's bucket name, `vigil-<env>-upload-site-<account>`: fixed because the predictor
 * stack, in another region, writes the site's `config.json` into it by name (CloudFormation cannot
 * reference a resource of another region's stack). No region in it: the site stack is always in
 * us-east-1, so the account alone makes it unique.
 */
export function uploadSiteBucketName(config: Pick<EnvironmentConfig, 'name'>, account: string): string {
  return `${physicalName(config, 'upload-site')}-${account}`;
}
