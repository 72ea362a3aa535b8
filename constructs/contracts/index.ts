/**
 * What every layer of Vigil shares — the construct library, the stacks, the configuration and the
 * Lambdas: alarm severities, the alarm description format, the business alert format, playbook
 * names and table keys. No side effects and no imports beyond these files, so a Lambda bundle or a
 * team's app that reads one constant carries only that.
 */
export * from './alarm-description';
export * from './alarm-severity';
export * from './alerting';
export * from './business-alert';
export * from './remediation';
