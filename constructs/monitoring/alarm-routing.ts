import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { AlarmSeverity } from '../contracts/alarm-severity';

/**
 * Decides where an alarm of a given severity notifies. The one seam between monitoring and
 * alerting: monitors never pick topics themselves.
 */
export interface AlarmRouting {
  /** Actions for both the ALARM and the OK transition (resolutions are news too). */
  actionsFor(severity: AlarmSeverity): cloudwatch.IAlarmAction[];
}

/** No actions: alarms still change state, and EventBridge still sees every change. */
export const NO_ROUTING: AlarmRouting = { actionsFor: () => [] };

/** One SNS topic per severity; a severity without a topic gets no action. */
export function routeToTopics(topics: Partial<Record<AlarmSeverity, sns.ITopic>>): AlarmRouting {
  return {
    actionsFor(severity) {
      const topic = topics[severity];
      return topic ? [new actions.SnsAction(topic)] : [];
    },
  };
}
