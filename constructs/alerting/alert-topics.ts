import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pascal } from '../construct-names';
import { ALARM_SEVERITIES, type AlarmSeverity } from '../contracts/alarm-severity';
import { DeadLetterQueue } from '../dead-letter-queue';

/** Who hears about one severity. */
export interface SeveritySubscribers {
  /** Email addresses subscribed to the severity's topic. @default none */
  readonly emails?: readonly string[];
  /** HTTPS endpoints (webhooks) subscribed to the severity's topic. @default none */
  readonly httpsEndpoints?: readonly string[];
}

export interface AlertTopicsProps {
  /** Customer-managed key encrypting the topics and the subscription dead-letter queue. */
  readonly key: kms.IKey;
  /** Topic names are `<namePrefix>-<severity>`. */
  readonly namePrefix: string;
  /** Subscribers per severity. @default none */
  readonly subscribers?: Partial<Record<AlarmSeverity, SeveritySubscribers>>;
}

/**
 * One SNS topic per severity, encrypted with the platform key and TLS-only. Every subscription has
 * a redrive policy into one encrypted dead-letter queue, so a message SNS could not deliver (a
 * webhook down for days, say) is kept instead of dropped.
 */
export class AlertTopics extends Construct {
  readonly topics: Readonly<Record<AlarmSeverity, sns.Topic>>;
  /** Messages SNS gave up delivering to a subscriber. */
  readonly subscriptionDeadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    this.subscriptionDeadLetters = new DeadLetterQueue(this, 'SubscriptionDeadLetters', {
      encryptionKey: props.key,
      holds: 'alert messages SNS could not deliver to a subscriber',
    });

    const topics = {} as Record<AlarmSeverity, sns.Topic>;
    for (const severity of ALARM_SEVERITIES) {
      const topic = new sns.Topic(this, pascal(severity), {
        topicName: `${props.namePrefix}-${severity}`,
        displayName: `Vigil ${severity} alerts`,
        masterKey: props.key,
        enforceSSL: true,
      });
      const subscribers = props.subscribers?.[severity];
      const deadLetterQueue = this.subscriptionDeadLetters;
      for (const email of subscribers?.emails ?? []) {
        topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue }));
      }
      for (const url of subscribers?.httpsEndpoints ?? []) {
        topic.addSubscription(
          new subscriptions.UrlSubscription(url, {
            protocol: sns.SubscriptionProtocol.HTTPS,
            deadLetterQueue,
          }),
        );
      }
      allowAlarmActions(topic);
      topics[severity] = topic;
    }
    this.topics = topics;
  }
}

/**
 * Lets this account's CloudWatch alarms publish to the topic. A topic policy replaces SNS's default
 * one, and `enforceSSL` adds a policy, so without this statement alarm actions would be refused.
 */
export function allowAlarmActions(topic: sns.Topic): void {
  const stack = Stack.of(topic);
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}
