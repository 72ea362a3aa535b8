import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The console link of a dashboard, for stack outputs and alert messages. */
export function dashboardUrl(scope: IConstruct, dashboardName: string): string {
  const region = Stack.of(scope).region;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${dashboardName}`;
}
