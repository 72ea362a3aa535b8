/**
 * The one alarm-naming rule, shared by the monitoring constructs (team stacks included), the Vigil
 * stacks and the environment config (no imports, so the config can use it).
 *
 * Every alarm is named `vigil-<environment>-<service>-<resource>-<signal>`. Each environment's
 * EventBridge rules (alerting, remediation dispatch) match `vigil-<environment>-` by default, so two
 * environments in one account and region never take each other's alarm changes. Environment names
 * are letters and digits only, so `vigil-dev-` can never be the start of another environment's names.
 */

/**
 * CDK context key naming the Vigil environment, as the Vigil app reads it (`cdk synth -c env=prod`,
 * or `"env"` in cdk.json). `ServiceMonitoring` reads it too, so a team stack synthesized for an
 * environment names its alarms for that environment without passing anything.
 */
export const ENVIRONMENT_CONTEXT_KEY = 'env';

/** What an environment name may be (the environment config's rule). */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{1,11}$/;

/**
 * First part of every alarm name of the environment, `vigil-<environment>`; `vigil` when no
 * environment is known (a team app without the `env` context): such alarms belong to no environment,
 * and no environment's rules take them unless its `alerting.alarmNamePrefix` is set to `vigil-`.
 */
export function alarmNamePrefixFor(environment: string | undefined): string {
  return environment === undefined ? 'vigil' : `vigil-${environment}`;
}

/** The prefix an environment's rules match by default: its alarm-name prefix and the separator. */
export function defaultAlarmRulePrefix(environment: string): string {
  return `${alarmNamePrefixFor(environment)}-`;
}
