/**
 * Limits PutCompositeAlarm enforces on a composite alarm's rule.
 * Sources: CloudWatch API Reference, PutCompositeAlarm, `AlarmRule` ("The AlarmRule can specify as
 * many as 100 "children" alarms. The AlarmRule expression can have as many as 500 elements. Elements
 * are child alarms, TRUE or FALSE statements, and parentheses."); the length limit of 10240
 * characters is AWS::CloudWatch::CompositeAlarm's `AlarmRule` constraint in the CloudFormation
 * resource reference (the same limit aws-cdk-lib's CompositeAlarm checks).
 */
export const MAX_COMPOSITE_CHILDREN = 100;
export const MAX_ALARM_RULE_LENGTH = 10_240;
export const MAX_ALARM_RULE_ELEMENTS = 500;
