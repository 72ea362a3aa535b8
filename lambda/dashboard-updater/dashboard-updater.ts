import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type DashboardUpdateResult,
  type DashboardUpdaterClients,
  type DashboardUpdaterSettings,
  DashboardValidationError,
  updateLiveDashboards,
} from './update-dashboards';
import { parseUpdaterEvent } from './updater-event';

export interface DashboardUpdaterDependencies {
  readonly clients: DashboardUpdaterClients;
  readonly settings: DashboardUpdaterSettings;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * One invocation: read the event, rebuild every live dashboard, say what changed. Every trigger
 * rebuilds everything (a tag change may move a resource between services, or out of all of them), and
 * the comparison with the stored bodies keeps an unchanged run free of writes. Validation messages
 * from PutDashboard fail the invocation after the rest of the run is done, so its errors alarm
 * notices a dashboard CloudWatch could not draw.
 */
export function createDashboardUpdater(deps: DashboardUpdaterDependencies) {
  return async (event: unknown): Promise<DashboardUpdateResult> => {
    const trigger = parseUpdaterEvent(event);
    deps.logger.info('Rebuilding live dashboards', { trigger });
    const result = await updateLiveDashboards(deps.clients, deps.settings);
    deps.metrics.addMetric('DashboardsWritten', MetricUnit.Count, result.written.length);
    deps.metrics.addMetric('DashboardsDeleted', MetricUnit.Count, result.deleted.length);
    deps.metrics.addMetric('DashboardsUnchanged', MetricUnit.Count, result.unchanged.length);
    deps.metrics.addMetric('ResourcesSkipped', MetricUnit.Count, result.skipped.length);
    deps.metrics.addMetric('DashboardValidationProblems', MetricUnit.Count, result.validationProblems.length);
    for (const skipped of result.skipped) deps.logger.warn('Tagged resource not drawn', { ...skipped });
    deps.logger.info('Live dashboards rebuilt', {
      services: result.services,
      written: result.written,
      unchanged: result.unchanged,
      deleted: result.deleted,
    });
    if (result.validationProblems.length > 0) {
      const error = new DashboardValidationError(result.validationProblems);
      deps.logger.error('PutDashboard reported validation problems', {
        problems: result.validationProblems,
      });
      throw error;
    }
    return result;
  };
}
