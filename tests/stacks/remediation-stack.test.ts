import { Match, Template } from 'aws-cdk-lib/assertions';
import { PLAYBOOK_IDS } from '../../constructs/contracts/remediation';
import { synthesizedDefinition } from '../support/state-machine-runner';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const config = configWith({
  remediation: {
    mode: 'dry-run',
    playbooks: { 'lambda-alias-rollback': { mode: 'enforce', approval: true } },
    approvalTimeoutMinutes: 30,
  },
});
const { stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.remediation);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
function statementsOf(rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const id = Object.keys(policies).find((key) => key.startsWith(rolePrefix));
  if (!id) throw new Error(`no policy for ${rolePrefix}`);
  return policies[id]?.Properties.PolicyDocument.Statement;
}
const actions = (statement: Statement) => [statement.Action].flat();
// biome-ignore lint/suspicious/noExplicitAny: template resources are untyped JSON.
function functionNamed(idPrefix: string): any {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(idPrefix),
  );
  if (found === undefined) throw new Error(`no function ${idPrefix}`);
  return found[1];
}

describe('workflows', () => {
  it('has one logged, traced state machine per playbook, named after it', () => {
    for (const playbook of PLAYBOOK_IDS) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `vigil-test-remediate-${playbook}`,
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      });
    }
  });

  it('wraps every playbook step in the envelope, with approval waiting for a token that times out as deny', () => {
    const definition = synthesizedDefinition(stacks.remediation.workflows['dlq-redrive'].stateMachine);
    expect(Object.keys(definition.States)).toEqual(
      expect.arrayContaining([
        'Describe target',
        'Admit',
        'Snapshot',
        'Plan',
        'Request approval',
        'Act',
        'Verify',
        'Roll back',
        'Finish refused',
        'Finish dry-run',
        'Finish denied',
        'Finish approval-timed-out',
        'Finish remediated',
        'Finish rolled-back',
        'Finish failed',
      ]),
    );
    const approval = definition.States['Request approval'] as unknown as Record<string, unknown>;
    expect(approval).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 1800,
      Catch: expect.arrayContaining([
        expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: 'Finish approval-timed-out' }),
      ]),
    });
  });
});

describe('dispatcher', () => {
  it('starts runs only for alarms entering ALARM whose description names a playbook', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: [{ prefix: 'vigil-test-' }],
          state: { value: ['ALARM'] },
          configuration: { description: [{ wildcard: '*"playbook":"*' }] },
        },
      },
    });
  });

  it('tells the dispatcher each playbook’s mode and approval, environment first, playbook over it', () => {
    const dispatcher = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('DispatcherFunction'),
    )?.[1];
    const playbooks = JSON.stringify(dispatcher?.Properties.Environment.Variables.PLAYBOOKS);
    expect(playbooks).toMatch(/lambda-alias-rollback.*\\"mode\\":\\"enforce\\",\\"approval\\":true/);
    expect(playbooks).toMatch(/dlq-redrive.*\\"mode\\":\\"dry-run\\",\\"approval\\":false/);
  });
});

describe("the alert's thread", () => {
  it('lets the dispatcher read the enricher’s episodes, with the enricher’s flapping policy', () => {
    const variables = functionNamed('DispatcherFunction').Properties.Environment.Variables;
    expect(variables).toMatchObject({
      FLAP_TRANSITIONS: String(config.alerting.flapTransitions),
      FLAP_WINDOW_MINUTES: String(config.alerting.flapWindowMinutes),
    });
    // The table is the alerting stack's, imported.
    expect(JSON.stringify(variables.EPISODE_TABLE_NAME)).toContain('EpisodeTable');
    const reads = statementsOf('DispatcherRole').filter((statement) =>
      actions(statement).some((action) => action.startsWith('dynamodb:')),
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]?.Action).toBe('dynamodb:GetItem');
    expect(JSON.stringify(reads[0]?.Resource)).toContain('EpisodeTable');
  });
});

describe('least privilege', () => {
  it.each([
    ['LambdaAliasRollbackRole', ['lambda:UpdateAlias']],
    ['LambdaConcurrencyRole', ['lambda:PutFunctionConcurrency']],
    ['DlqRedriveRole', ['sqs:StartMessageMoveTask', 'sqs:CancelMessageMoveTask', 'sqs:SendMessage']],
  ])('%s may change only resources tagged vigil:remediate=true', (role, changes) => {
    const statements = statementsOf(role);
    for (const change of changes) {
      const granting = statements.filter((statement) => actions(statement).includes(change));
      expect(granting).toEqual([
        expect.objectContaining({
          Condition: { StringEquals: { 'aws:ResourceTag/vigil:remediate': 'true' } },
        }),
      ]);
    }
  });

  it('lets the redrive list any dead-letter queue’s source queues, which admission checks for opt-in', () => {
    const listing = statementsOf('DlqRedriveRole').filter((statement) =>
      actions(statement).includes('sqs:ListDeadLetterSourceQueues'),
    );
    expect(listing).toHaveLength(1);
    expect(listing[0]?.Condition).toBeUndefined();
    expect(actions(listing[0] as Statement)).toEqual(
      expect.arrayContaining(['sqs:GetQueueAttributes', 'sqs:ListQueueTags']),
    );
  });

  // Receiving from an SSE-KMS queue needs kms:Decrypt, sending to one kms:GenerateDataKey and
  // kms:Decrypt (SQS developer guide, sqs-key-management.html); the teams' keys are unknown at synth.
  it('lets the redrive use any key of its account and region, but only through SQS there', () => {
    const region = { Ref: 'AWS::Region' };
    const keyStatements = statementsOf('DlqRedriveRole').filter(
      (statement) => actions(statement).includes('kms:GenerateDataKey') && statement.Condition !== undefined,
    );
    expect(keyStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':kms:', region, ':', { Ref: 'AWS::AccountId' }, ':key/*'],
          ],
        },
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['sqs.', region, '.', { Ref: 'AWS::URLSuffix' }]] },
          },
        },
      },
    ]);
    // The other playbooks touch no queue, so no other key.
    for (const role of ['LambdaAliasRollbackRole', 'LambdaConcurrencyRole']) {
      expect(JSON.stringify(statementsOf(role))).not.toContain(':key/*');
    }
  });

  it('tells the redrive how long a move may take within its run', () => {
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('DlqRedriveFunction'),
    )?.[1];
    // 30 min approval + 15 min verification + 6 h = 6 h 45 min per run; less the approval, the
    // verification minimum and the 2 h reserve: 4 h.
    expect(stacks.remediation.workflows['dlq-redrive'].timeout.toMinutes()).toBe(405);
    expect(fn?.Properties.Environment.Variables.MAX_MOVE_SECONDS).toBe('14400');
  });

  it('lets the dispatcher start only the three workflows', () => {
    const starts = statementsOf('DispatcherRole').filter((statement) =>
      actions(statement).includes('states:StartExecution'),
    );
    expect(starts.flatMap((statement) => [statement.Resource].flat())).toHaveLength(3);
  });

  // DescribeAlarms takes the alarm resource type; only composite alarms need it on * (DescribeAlarms,
  // CloudWatch API Reference), and a playbook always starts from a metric alarm.
  it('lets verification describe only the alarms the dispatch rule admits, by their name prefix', () => {
    const describing = Object.entries(template.findResources('AWS::IAM::Policy'))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[])
      .filter((statement) => actions(statement).includes('cloudwatch:DescribeAlarms'));
    expect(describing).toEqual([
      expect.objectContaining({
        Action: 'cloudwatch:DescribeAlarms',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              `:alarm:${config.alerting.alarmNamePrefix}*`,
            ],
          ],
        },
      }),
    ]);
  });
});

describe('runs that end without a finish', () => {
  it('are caught from the documented Step Functions status-change event and sent to the envelope', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.states'] } },
    });
    interface RuleProperties {
      readonly EventPattern: { readonly detail: { readonly stateMachineArn: unknown[] } };
      readonly Targets: {
        InputTransformer: { InputTemplate: string; InputPathsMap: unknown };
        DeadLetterConfig?: unknown;
      }[];
    }
    const [rule] = Object.values(rules) as { Properties: RuleProperties }[];
    expect(rule?.Properties.EventPattern).toMatchObject({
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT'] },
    });
    expect(rule?.Properties.EventPattern.detail.stateMachineArn).toHaveLength(3);
    const [target] = rule?.Properties.Targets ?? [];
    // The whole detail object goes in as a JSON value (EventBridge input transformer, unquoted placeholder).
    expect(target?.InputTransformer.InputTemplate).toBe('{"op":"abandoned","detail":<detail>}');
    expect(target?.InputTransformer.InputPathsMap).toEqual({ detail: '$.detail' });
    expect(target?.DeadLetterConfig).toBeDefined();
  });
});

describe('approval links', () => {
  it('are answered by a public function URL (the signed, expiring link is the credential)', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.hasOutput('ApprovalUrl', {});
  });

  it('may answer only the task tokens of the three remediation workflows, never any state machine', () => {
    const answers = statementsOf('ApprovalRole').filter((statement) =>
      actions(statement).includes('states:SendTaskSuccess'),
    );
    expect(answers).toHaveLength(1);
    expect(actions(answers[0] as Statement).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskSuccess',
    ]);
    const resources = [answers[0]?.Resource].flat();
    expect(resources).toHaveLength(3);
    expect(JSON.stringify(resources)).not.toContain('"*"');
    for (const playbook of ['lambda-alias-rollback', 'lambda-concurrency', 'dlq-redrive']) {
      expect(JSON.stringify(resources)).toContain(`:stateMachine:vigil-test-remediate-${playbook}`);
    }
  });

  it('show the plan the run waits on: the approval function only reads the ledger', () => {
    const ledgerId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
    const approval = functionNamed('ApprovalFunction');
    expect(approval.Properties.Environment.Variables.LEDGER_TABLE_NAME).toEqual({ Ref: ledgerId });
    const ledgerGrants = statementsOf('ApprovalRole').filter((statement) =>
      actions(statement).some((action) => action.startsWith('dynamodb:')),
    );
    expect(ledgerGrants).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [ledgerId, 'Arn'] },
      }),
    ]);
  });

  it('are signed with a generated, KMS-encrypted secret', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: Match.anyValue(),
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });
});

describe('ledger', () => {
  it('is KMS-encrypted, point-in-time recoverable, keyed pk/sk with TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('opt-in', () => {
  it('tags the predictor’s functions so their alias may be rolled back', () => {
    const functions = Object.values(
      Template.fromStack(stacks.predictor).findResources('AWS::Lambda::Function'),
    );
    const tagged = functions.filter((fn) =>
      (fn.Properties.Tags ?? []).some(
        (tag: { Key: string; Value: string }) => tag.Key === 'vigil:remediate' && tag.Value === 'true',
      ),
    );
    expect(tagged).toHaveLength(2);
  });
});
