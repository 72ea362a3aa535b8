import { Aws, CfnOutput, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { RegisteredAlarm, ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { dashboardUrl } from './dashboard-url';
import { JsonWidget } from './json-widget';
import { alarmGraphWidget, alarmStatusWidget, resourceHeading, textWidget } from './widget-bodies/widgets';

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
      new JsonWidget(
        textWidget(
          `# ${monitoring.service}\nAlarms by urgency, error budgets, then each alarm's metric and threshold by resource.`,
          { width: 24, height: 2 },
        ),
      ),
    );
    const urgent = notifying.filter(({ severity }) => severity === 'critical' || severity === 'high');
    const other = notifying.filter(({ severity }) => severity === 'warning' || severity === 'info');
    for (const [title, group] of [
      ['Critical and high', urgent],
      ['Warning and info', other],
    ] as const) {
      for (let at = 0; at < group.length; at += ALARMS_PER_STATUS_WIDGET) {
        this.dashboard.addWidgets(
          new JsonWidget(
            alarmStatusWidget({
              title,
              alarmArns: group.slice(at, at + ALARMS_PER_STATUS_WIDGET).map(({ alarm }) => alarm.alarmArn),
              width: 24,
              height: 4,
              sortBy: 'stateUpdatedTimestamp',
            }),
          ),
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

    for (const { kind, name, alarms } of groupByResource(notifying)) {
      const graphs = alarms
        .map(({ alarm }) => alarm)
        .filter((alarm): alarm is cloudwatch.Alarm => alarm instanceof cloudwatch.Alarm)
        .map(
          (alarm) =>
            new JsonWidget(
              alarmGraphWidget({ alarmArn: alarm.alarmArn, title: alarm.alarmName, region: Aws.REGION }),
            ),
        );
      if (graphs.length === 0) continue;
      // The same heading a live dashboard puts above a resource's graphs.
      this.dashboard.addWidgets(new JsonWidget(resourceHeading(kind, name)));
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

function groupByResource(
  alarms: readonly RegisteredAlarm[],
): { kind: string; name: string; alarms: RegisteredAlarm[] }[] {
  const groups = new Map<string, { kind: string; name: string; alarms: RegisteredAlarm[] }>();
  for (const registered of alarms) {
    const { kind, name } = registered.resource;
    const key = `${kind} ${name}`;
    const group = groups.get(key) ?? { kind, name, alarms: [] };
    group.alarms.push(registered);
    groups.set(key, group);
  }
  return [...groups.values()];
}
