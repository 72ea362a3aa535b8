import type { EnvironmentConfigInput } from '../environment-config';

/** Production: longer retention and a two-year archive; remediation acts (within its safety envelope). */
export const prod = {
  name: 'prod',
  tags: { owner: 'platform-team', costCenter: 'platform-prod' },
  logs: { retentionDays: 90 },
  archive: { infrequentAccessAfterDays: 30, glacierAfterDays: 90, expireAfterDays: 730 },
  budget: { monthlyLimitUsd: 500 },
  remediation: { mode: 'enforce' },
  tracing: { samplingRate: 0.05, reservoirPerSecond: 1 },
} satisfies EnvironmentConfigInput;
