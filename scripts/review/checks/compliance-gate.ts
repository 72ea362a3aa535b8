import { countBy, type Statement } from '../review-model';
import type { ReviewedApp } from '../reviewed-app';

/**
 * The compliance gate's outcome: unacknowledged findings from the validation report (cdk-nag's
 * AwsSolutions and Serverless packs, CloudFormation validation) and every acknowledgement with its reason.
 */
export function complianceGate(app: ReviewedApp): Statement {
  // Rule ids name their source: `AwsSolutions-IAM5[...]`, `Serverless-LambdaDLQ`,
  // `CloudFormation-Validate::W3694`, or a construct library's warning id such as `@aws-cdk/aws-s3:...`.
  const source = (rule: string) => {
    const id = rule.split('[')[0] as string;
    if (id.includes('::')) return id.split('::')[0] as string;
    return (id.startsWith('@') ? id.split(':')[0] : id.split('-')[0]) as string;
  };
  return {
    id: 'compliance-gate',
    pillar: 'Security',
    claim: 'The cdk-nag packs and CloudFormation validation report no unacknowledged finding.',
    status: app.findings.length > 0 ? 'gap' : 'met',
    numbers: [
      { key: 'unacknowledged', label: 'unacknowledged findings', value: app.findings.length },
      {
        key: 'acknowledgements',
        label: 'acknowledgements with a reason',
        value: app.acknowledgements.length,
      },
      ...countBy(
        'acknowledgements',
        app.acknowledgements,
        (entry) => source(entry.rule),
        (value) => `${value} acknowledgements`,
      ),
    ],
    items: app.findings.map((finding) => ({
      resource: finding.constructPath,
      kind: finding.plugin,
      detail: `${finding.rule}: ${finding.description}`,
      status: 'gap',
    })),
    fix: 'Fix each finding, or acknowledge it on its construct with the reason: Validations.of(construct).acknowledge({ id, reason }).',
    note: 'Acknowledgements are read from the assembly metadata (aws:cdk:acknowledged-rules), findings from validation-report.json.',
  };
}
