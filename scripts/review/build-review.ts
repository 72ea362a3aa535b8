import type { EnvironmentConfig } from '../../config/environment-config';
import { complianceGate } from './checks/compliance-gate';
import { anomalyDetection, budgets, logRetention, traceSampling } from './checks/cost-controls';
import { dataLifecycle } from './checks/data-lifecycle';
import { encryptionAtRest } from './checks/encryption-at-rest';
import { leastPrivilege } from './checks/least-privilege';
import { alarmDescriptions, monitoringCoverage } from './checks/monitoring';
import { functionArchitecture, tracing } from './checks/performance';
import { backups, functionFailures, queueRedrive, rollbackPlaybooks } from './checks/recovery';
import { alertDestinations, sharedResponsibility } from './checks/shared-responsibility';
import { PILLARS, type Review } from './review-model';
import type { ReviewedApp } from './reviewed-app';

/** Every statement of the review, in pillar order, each computed from the app and the config. */
export function buildReview(app: ReviewedApp, config: EnvironmentConfig): Review {
  const statements = [
    monitoringCoverage(app),
    alarmDescriptions(app),
    alertDestinations(app, config),
    encryptionAtRest(app),
    leastPrivilege(app),
    complianceGate(app),
    sharedResponsibility(app, config),
    queueRedrive(app),
    functionFailures(app),
    backups(app),
    rollbackPlaybooks(app, config),
    functionArchitecture(app),
    tracing(app),
    budgets(app),
    anomalyDetection(app, config),
    traceSampling(app, config),
    logRetention(app, config),
    dataLifecycle(app),
  ];
  return {
    environment: config.name,
    stacks: app.stacks.map((stack) => stack.name),
    statements: [...statements].sort((a, b) => PILLARS.indexOf(a.pillar) - PILLARS.indexOf(b.pillar)),
  };
}
