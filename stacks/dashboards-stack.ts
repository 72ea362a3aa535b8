import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import type { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { OperationsOverview } from '../dashboards/operations-overview';
import { physicalName } from './physical-name';

export interface DashboardsStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /** Every monitored service; each keeps its own dashboard in its own stack. */
  readonly services: readonly ServiceMonitoring[];
}

/** The operations overview across services. It depends on every service stack, so it stands alone. */
export class DashboardsStack extends Stack {
  readonly overview: OperationsOverview;

  constructor(scope: Construct, id: string, props: DashboardsStackProps) {
    super(scope, id, props);
    this.overview = new OperationsOverview(this, 'Overview', {
      services: props.services,
      dashboardName: physicalName(props.config, 'operations'),
    });
  }
}
