import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { RegisteredAlarm, ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { dashboardUrl } from './dashboard-url';

export interface ServiceDashboardProps {
  /** The service whose alarms and objectives the dashboard shows. */
  readonly monitoring: ServiceMonitoring;
  /** @default `vigil-<service>` */
  readonly dashboardName?: string;
}

// CloudWatch shows at most 100 alarms in one alarm-status widget.
const ALARMS_PER_STATUS_WIDGET = 100;
const GRAPHS_PER_ROW = 3;

/**
 * One dashboard per service, built from what its monitors registered: alarm status by urgency, the
 * error budget left of each objective, and every alarm's metric against its threshold, grouped by
 * resource. Nothing is listed by hand, so the dashboard cannot drift from the alarms.
 */
export class ServiceDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly dashboardName: string;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const { monitoring } = props;
    this.dashboardName = props.dashboardName ?? `vigil-${monitoring.service}`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.hours(6),
    });
    const notifying = monitoring.registeredAlarms().filter((registered) => registered.partOf === undefined);

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${monitoring.service}\nAlarms by urgency, error budgets, then each alarm's metric and threshold by resource.`,
        width: 24,
        height: 2,
      }),
    );
    const urgent = notifying.filter(({ severity }) => severity === 'critical' || severity === 'high');
    const other = notifying.filter(({ severity }) => severity === 'warning' || severity === 'info');
    for (const [title, group] of [
      ['Critical and high', urgent],
      ['Warning and info', other],
    ] as const) {
      for (let at = 0; at < group.length; at += ALARMS_PER_STATUS_WIDGET) {
        this.dashboard.addWidgets(
          new cloudwatch.AlarmStatusWidget({
            title,
            alarms: group.slice(at, at + ALARMS_PER_STATUS_WIDGET).map(({ alarm }) => alarm),
            width: 24,
            height: 4,
            sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          }),
        );
      }
    }

    const budgets = monitoring.objectives().map(
      (objective) =>
        new cloudwatch.SingleValueWidget({
          title: `${objective.name}: error budget left (${objective.periodDays} days)`,
          metrics: [objective.budgetRemaining()],
          setPeriodToTimeRange: true,
          start: `-P${objective.periodDays}D`,
          width: 8,
          height: 4,
        }),
    );
    this.addRows(budgets);

    for (const [resource, alarms] of groupByResource(notifying)) {
      const graphs = alarms
        .map(({ alarm }) => alarm)
        .filter((alarm): alarm is cloudwatch.Alarm => alarm instanceof cloudwatch.Alarm)
        .map((alarm) => new cloudwatch.AlarmWidget({ alarm, title: alarm.alarmName, width: 8, height: 6 }));
      if (graphs.length === 0) continue;
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${resource}`, width: 24, height: 1 }),
      );
      this.addRows(graphs);
    }

    this.url = dashboardUrl(this, this.dashboardName);
    new CfnOutput(this, 'Url', { value: this.url, description: `Dashboard of ${monitoring.service}` });
  }

  private addRows(widgets: cloudwatch.IWidget[]): void {
    for (let at = 0; at < widgets.length; at += GRAPHS_PER_ROW) {
      this.dashboard.addWidgets(...widgets.slice(at, at + GRAPHS_PER_ROW));
    }
  }
}

function groupByResource(alarms: readonly RegisteredAlarm[]): Map<string, RegisteredAlarm[]> {
  const groups = new Map<string, RegisteredAlarm[]>();
  for (const registered of alarms) {
    const key = `${registered.resource.kind} ${registered.resource.name}`;
    groups.set(key, [...(groups.get(key) ?? []), registered]);
  }
  return groups;
}
