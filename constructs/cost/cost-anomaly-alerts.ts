import * as ce from 'aws-cdk-lib/aws-ce';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface CostAnomalyAlertsProps {
  /** Monitor and subscription names start with it. */
  readonly namePrefix: string;
  /** Where anomalies are sent the moment they are found. */
  readonly topic: sns.ITopic;
  /** Alert when an anomaly's total impact reaches this many dollars… */
  readonly absoluteUsd: number;
  /** …or this percentage of the expected spend. */
  readonly percent: number;
  /** Create the service-wide (DIMENSIONAL SERVICE) monitor; AWS allows one per account. @default true */
  readonly serviceMonitor?: boolean;
  /** Existing monitors to subscribe as well. @default none */
  readonly existingMonitorArns?: readonly string[];
  /** Monitors over the spend of some values of one tag. @default none */
  readonly tagMonitors?: readonly { readonly tagKey: string; readonly tagValues: readonly string[] }[];
  /** How often alerts go out: IMMEDIATE needs the SNS topic; DAILY and WEEKLY need emails. @default IMMEDIATE */
  readonly frequency?: 'IMMEDIATE' | 'DAILY' | 'WEEKLY';
  /** Email subscribers, for DAILY and WEEKLY summaries. @default none */
  readonly emails?: readonly string[];
}

/**
 * Cost Anomaly Detection: monitors and one subscription with a threshold expression (absolute OR
 * percentage). The combinations the service rejects at deploy time fail synthesis instead.
 */
export class CostAnomalyAlerts extends Construct {
  readonly monitorArns: readonly string[];
  readonly subscription: ce.CfnAnomalySubscription;

  constructor(scope: Construct, id: string, props: CostAnomalyAlertsProps) {
    super(scope, id);
    const frequency = props.frequency ?? 'IMMEDIATE';
    const monitorArns = [...(props.existingMonitorArns ?? [])];
    if (props.serviceMonitor ?? true) {
      const services = new ce.CfnAnomalyMonitor(this, 'ServiceMonitor', {
        monitorName: `${props.namePrefix}-services`,
        monitorType: 'DIMENSIONAL',
        monitorDimension: 'SERVICE',
      });
      monitorArns.push(services.attrMonitorArn);
    }
    (props.tagMonitors ?? []).forEach((tagMonitor, index) => {
      const monitor = new ce.CfnAnomalyMonitor(this, `TagMonitor${index}`, {
        monitorName: `${props.namePrefix}-tag-${tagMonitor.tagKey}`.slice(0, 1024),
        monitorType: 'CUSTOM',
        monitorSpecification: JSON.stringify({
          Tags: { Key: tagMonitor.tagKey, Values: tagMonitor.tagValues },
        }),
      });
      monitorArns.push(monitor.attrMonitorArn);
    });
    this.monitorArns = monitorArns;

    const subscribers =
      frequency === 'IMMEDIATE'
        ? [{ type: 'SNS', address: props.topic.topicArn }]
        : (props.emails ?? []).map((address) => ({ type: 'EMAIL', address }));
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (monitorArns.length === 0) errors.push('cost anomaly alerts need at least one monitor');
        if (frequency === 'IMMEDIATE' && subscribers.some((subscriber) => subscriber.type !== 'SNS')) {
          errors.push('IMMEDIATE anomaly alerts go to an SNS topic only');
        }
        if (frequency !== 'IMMEDIATE' && subscribers.length === 0) {
          errors.push(`${frequency} anomaly summaries go by email: give at least one address`);
        }
        if (subscribers.filter((subscriber) => subscriber.type === 'SNS').length > 1) {
          errors.push('an anomaly subscription takes at most one SNS subscriber');
        }
        if (monitorArns.length > 10)
          errors.push(`an anomaly subscription takes at most 10 monitors (got ${monitorArns.length})`);
        return errors;
      },
    });

    this.subscription = new ce.CfnAnomalySubscription(this, 'Subscription', {
      subscriptionName: `${props.namePrefix}-anomalies`,
      frequency,
      monitorArnList: monitorArns,
      subscribers,
      thresholdExpression: JSON.stringify({
        Or: [
          {
            Dimensions: {
              Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE',
              MatchOptions: ['GREATER_THAN_OR_EQUAL'],
              Values: [String(props.absoluteUsd)],
            },
          },
          {
            Dimensions: {
              Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE',
              MatchOptions: ['GREATER_THAN_OR_EQUAL'],
              Values: [String(props.percent)],
            },
          },
        ],
      }),
    });
  }
}
