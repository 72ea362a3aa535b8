import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { addAlarmLint } from '../constructs/alarm-lint/alarm-lint';

/**
 * Runs the AWS Solutions and Serverless cdk-nag packs over every stack at synth. Any finding that
 * is not acknowledged with `Validations.of(construct).acknowledge({ id, reason })` fails synth.
 * Vigil's alarm lint (`constructs/alarm-lint/`) runs too, as a construct validation of the app, so
 * every alarm, hand-made ones included, is checked; its findings cannot be acknowledged.
 * CDK's own CloudFormation schema validation runs too; `cdk.json` sets
 * `@aws-cdk/core:validateAgainstDefaultRules` so its errors fail synth instead of only warning.
 */
export function addComplianceGate(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  addAlarmLint(app);
}
