import type { EnvironmentConfigInput } from '../environment-config';

/** A developer sandbox: short retention, generous tracing, remediation only says what it would do. */
export const dev = {
  name: 'dev',
  tags: { owner: 'platform-team', costCenter: 'platform-dev' },
  logs: { retentionDays: 14 },
  archive: { expireAfterDays: 180 },
  budget: { monthlyLimitUsd: 50 },
  remediation: { mode: 'dry-run' },
  tracing: { samplingRate: 0.2 },
} satisfies EnvironmentConfigInput;
