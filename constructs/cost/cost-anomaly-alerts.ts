import * as ce from 'aws-cdk-lib/aws-ce';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface CostAnomalyAlertsProps {
  /** Monitor and subscription names start with it. */
  readonly namePrefix: string;
  /** Where anomalies are sent the moment they are found. */
  readonly topic: sns.ITopic;
  /** An anomaly alerts only when its total impact reaches this many dollars… */
  readonly absoluteUsd: number;
  /**
   * …and this percentage of the expected spend (both must hold). Unset: dollars alone decide.
   * @default none (absolute threshold only)
   */
  readonly percent?: number;
  /**
   * Create a service-wide (DIMENSIONAL SERVICE) monitor. AWS allows one per account, and may have
   * made one already ("Default-Services-Monitor"), so a second one fails to deploy: create it in
   * the one environment that owns the account's monitor and pass its ARN everywhere else.
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /** Existing monitors to subscribe (the account's service-wide monitor, most often). @default none */
  readonly existingMonitorArns?: readonly string[];
  /** Monitors over the spend of some values of one tag. @default none */
  readonly tagMonitors?: readonly { readonly tagKey: string; readonly tagValues: readonly string[] }[];
  /** How often alerts go out: IMMEDIATE needs the SNS topic; DAILY and WEEKLY need emails. @default IMMEDIATE */
  readonly frequency?: 'IMMEDIATE' | 'DAILY' | 'WEEKLY';
  /** Email subscribers, for DAILY and WEEKLY summaries. @default none */
  readonly emails?: readonly string[];
}

/** Whether the props name at least one monitor to subscribe: without one there is nothing to alert on. */
export function hasAnomalyMonitor(
  props: Pick<CostAnomalyAlertsProps, 'serviceMonitor' | 'existingMonitorArns' | 'tagMonitors'>,
): boolean {
  return (
    (props.serviceMonitor ?? false) ||
    (props.existingMonitorArns ?? []).length > 0 ||
    (props.tagMonitors ?? []).length > 0
  );
}

/**
 * The threshold expression of an anomaly subscription: total impact ≥ `absoluteUsd` dollars AND ≥
 * `percent` % of the expected spend, or dollars alone without a percentage. Keys, match option and
 * the And form are those of AnomalySubscription.ThresholdExpression ("The supported nested expression
 * types are AND and OR. The match option GREATER_THAN_OR_EQUAL is required", with an "AND two
 * thresholds together" example: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/costexplorer/aws.sdk.kotlin.services.costexplorer.model/-anomaly-subscription/threshold-expression.html).
 */
export function anomalyThresholdExpression(absoluteUsd: number, percent?: number): string {
  const atLeast = (key: string, value: number) => ({
    Dimensions: { Key: key, MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: [String(value)] },
  });
  const absolute = atLeast('ANOMALY_TOTAL_IMPACT_ABSOLUTE', absoluteUsd);
  return JSON.stringify(
    percent === undefined
      ? absolute
      : { And: [absolute, atLeast('ANOMALY_TOTAL_IMPACT_PERCENTAGE', percent)] },
  );
}

/**
 * Cost Anomaly Detection: monitors and one subscription with a threshold expression (absolute AND
 * percentage, or absolute only). The combinations the service rejects at deploy time fail synthesis
 * instead.
 */
export class CostAnomalyAlerts extends Construct {
  readonly monitorArns: readonly string[];
  readonly subscription: ce.CfnAnomalySubscription;

  constructor(scope: Construct, id: string, props: CostAnomalyAlertsProps) {
    super(scope, id);
    const frequency = props.frequency ?? 'IMMEDIATE';
    const monitorArns = [...(props.existingMonitorArns ?? [])];
    if (props.serviceMonitor ?? false) {
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
        if (monitorArns.length === 0) {
          errors.push(
            'cost anomaly alerts need at least one monitor: give the account’s service-wide monitor in existingMonitorArns, or set serviceMonitor in the one environment that owns it',
          );
        }
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
      thresholdExpression: anomalyThresholdExpression(props.absoluteUsd, props.percent),
    });
  }
}
