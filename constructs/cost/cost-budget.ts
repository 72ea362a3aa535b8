import { createHash } from 'node:crypto';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface BudgetNotification {
  /** `ACTUAL` spend so far, or `FORECASTED` spend by the end of the period. */
  readonly type: 'ACTUAL' | 'FORECASTED';
  /** Percent of the limit. */
  readonly thresholdPercent: number;
}

export interface CostBudgetProps {
  /** Budget names are `<namePrefix>-<hash of what the budget is>`. */
  readonly namePrefix: string;
  readonly limitUsd: number;
  /** Topic notified; AWS Budgets takes one SNS subscriber per notification. */
  readonly topic: sns.ITopic;
  /** @default MONTHLY */
  readonly timeUnit?: 'DAILY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY';
  /** @default ACTUAL at 80% and 100%, FORECASTED at 100% */
  readonly notifications?: readonly BudgetNotification[];
  /** Only spend carrying this cost-allocation tag value. @default the whole account */
  readonly tag?: { readonly key: string; readonly value: string };
}

export const DEFAULT_BUDGET_NOTIFICATIONS: readonly BudgetNotification[] = [
  { type: 'ACTUAL', thresholdPercent: 80 },
  { type: 'ACTUAL', thresholdPercent: 100 },
  { type: 'FORECASTED', thresholdPercent: 100 },
];

/**
 * A cost budget whose notifications go to a topic. Changing a budget's notifications makes
 * CloudFormation replace it, creating the new one before deleting the old: with a fixed name that
 * fails. The name therefore carries a hash of the notifications (and of the tag, which says which
 * budget it is), and of nothing else: the budget
 * itself (limit, time unit, filters) updates in place ("Update requires: No interruption",
 * AWS::Budgets::Budget in the CloudFormation template reference), so raising a limit keeps the
 * budget and its history.
 */
export class CostBudget extends Construct {
  readonly budget: budgets.CfnBudget;
  readonly budgetName: string;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const timeUnit = props.timeUnit ?? 'MONTHLY';
    const notifications = props.notifications ?? DEFAULT_BUDGET_NOTIFICATIONS;
    // The tag names which budget this is (two tag budgets share a prefix and notifications).
    const identity = { notifications, tag: props.tag };
    const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 8);
    this.budgetName = `${props.namePrefix}-${hash}`;

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        // AWS Budgets forecasts monthly and longer periods only.
        if (
          timeUnit === 'DAILY' &&
          notifications.some((notification) => notification.type === 'FORECASTED')
        ) {
          errors.push(`budget ${this.budgetName}: a DAILY budget accepts only ACTUAL notifications`);
        }
        if (notifications.length === 0 || notifications.length > 5) {
          errors.push(
            `budget ${this.budgetName}: AWS Budgets allows 1 to 5 notifications (got ${notifications.length})`,
          );
        }
        return errors;
      },
    });

    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: this.budgetName,
        budgetType: 'COST',
        timeUnit,
        budgetLimit: { amount: props.limitUsd, unit: 'USD' },
        costFilters: props.tag ? { TagKeyValue: [`user:${props.tag.key}$${props.tag.value}`] } : undefined,
      },
      notificationsWithSubscribers: notifications.map((notification) => ({
        notification: {
          notificationType: notification.type,
          comparisonOperator: 'GREATER_THAN',
          threshold: notification.thresholdPercent,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: props.topic.topicArn }],
      })),
    });
  }
}
