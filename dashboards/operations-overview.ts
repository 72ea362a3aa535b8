import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { dashboardUrl } from './dashboard-url';
import { JsonWidget } from './json-widget';
import { alarmStatusWidget } from './widget-bodies/widgets';

export interface OperationsOverviewProps {
  /** Every service to show. */
  readonly services: readonly ServiceMonitoring[];
  /** Dashboard name. */
  readonly dashboardName: string;
}

/**
 * One screen for the on-call engineer: the health of every service, then each service's paging
 * alarms and error budgets. Services' own dashboards hold the details.
 */
export class OperationsOverview extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly url: string;

  constructor(scope: Construct, id: string, props: OperationsOverviewProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    const healthAlarms = props.services.flatMap((service) => (service.health ? [service.health] : []));
    if (healthAlarms.length > 0) {
      this.dashboard.addWidgets(
        new JsonWidget(
          alarmStatusWidget({
            title: 'Service health',
            alarmArns: healthAlarms.map((alarm) => alarm.alarmArn),
            width: 24,
            height: 3,
          }),
        ),
      );
    }
    for (const service of props.services) {
      const paging = service
        .registeredAlarms()
        .filter(
          ({ severity, partOf }) => partOf === undefined && (severity === 'critical' || severity === 'high'),
        )
        .map(({ alarm }) => alarm.alarmArn)
        .slice(0, 100);
      const budgets = service.objectives().map(
        (objective) =>
          new cloudwatch.SingleValueWidget({
            title: `${objective.name}: budget left`,
            metrics: [objective.budgetRemaining()],
            setPeriodToTimeRange: true,
            start: `-P${objective.periodDays}D`,
            width: 6,
            height: 4,
          }),
      );
      this.dashboard.addWidgets(
        new JsonWidget(
          alarmStatusWidget({
            title: `${service.service}: paging alarms`,
            alarmArns: paging,
            width: 24 - Math.min(budgets.length, 2) * 6,
            height: 4,
          }),
        ),
        ...budgets.slice(0, 2),
      );
    }
    this.url = dashboardUrl(this, props.dashboardName);
    new CfnOutput(this, 'Url', { value: this.url, description: 'Operations overview across services' });
  }
}
