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
  monitoring: {
    // Errors the API or scorer did not catch: the error-rate alarms say how many, this says which,
    // with the request ids, in the alert.
    scheduledQueries: [
      {
        name: 'predictor-unhandled-errors',
        service: 'predictor',
        query:
          'filter level = "ERROR" and ispresent(message.errorType)\n| fields @timestamp, @log, requestId, message.errorType as type, message.errorMessage as text\n| sort @timestamp desc\n| limit 20',
        everyMinutes: 15,
        severity: 'high',
      },
    ],
  },
} satisfies EnvironmentConfigInput;
