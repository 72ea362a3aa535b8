import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import type { LogArchiveStream } from './log-archive-stream';

export interface LogSubscriptionProps {
  /** Log group to archive. */
  readonly logGroup: logs.ILogGroup;
  /** The service's archive stream. */
  readonly archive: LogArchiveStream;
}

/**
 * Subscribes a log group to a log-archive stream, every event. The stream's own log groups must
 * never be subscribed: their delivery errors would be archived by the stream that made them.
 */
export class LogSubscription extends Construct {
  readonly filter: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: LogSubscriptionProps) {
    super(scope, id);
    const stream = props.archive.deliveryStream;
    if (props.logGroup.logGroupName.includes(props.archive.deliveryStreamName)) {
      throw new Error(
        `log group ${props.logGroup.logGroupName} belongs to the archive stream itself; subscribing it would loop`,
      );
    }
    this.filter = new logs.SubscriptionFilter(this, 'Filter', {
      logGroup: props.logGroup,
      destination: new destinations.FirehoseDestination(stream, { role: props.archive.subscriptionRole }),
      filterPattern: logs.FilterPattern.allEvents(),
    });
  }
}
