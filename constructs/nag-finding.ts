import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id of cdk-nag's wildcard-resource finding (AwsSolutions-IAM5) for `arn`, written the way
 * cdk-nag prints it: references as `<LogicalId.Attribute>`, pseudo parameters as `<AWS::AccountId>`,
 * and values known at synth as themselves. Deriving it from the ARN the grant uses keeps the
 * acknowledgement right whether or not the environment pins an account and region.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${rendered(Stack.of(scope).resolve(arn))}]`;
}

function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(rendered).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return `<${ref}>`;
  const attribute = (value as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
  if (attribute) return `<${attribute.join('.')}>`;
  // Anything else (a cross-stack Fn::GetStackOutput, say) cdk-nag prints as its JSON.
  return JSON.stringify(value);
}
