import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Outcome } from '../contracts/remediation';

export interface RemediationWorkflowProps {
  /** Playbook id, e.g. `lambda-alias-rollback`; part of the state machine's name. */
  readonly playbook: string;
  /** Runs the playbook's `describe`, `snapshot`, `plan`, `act` and `rollback`. */
  readonly playbookFunction: lambda.IFunction;
  /** Runs the envelope's `admit`, `requestApproval`, `verify` and `finish`. */
  readonly envelopeFunction: lambda.IFunction;
  /** Key encrypting the execution log group. */
  readonly logKey: kms.IKey;
  /** Retention of the execution log group, one of the values CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  /** State machine name. @default generated */
  readonly stateMachineName?: string;
  /** Consecutive OK checks of the triggering alarm that count as recovered. @default 3 */
  readonly stablePeriods?: number;
  /** Time between verification checks. @default 1 minute */
  readonly verifyInterval?: Duration;
  /**
   * The shortest time verification waits for the alarm to be stable before the action is rolled back;
   * each check extends it to what the triggering alarm's own period and evaluation range need.
   * @default 15 minutes
   */
  readonly verifyDeadline?: Duration;
  /** How long an approval request waits for an answer; no answer counts as deny. @default 1 hour */
  readonly approvalTimeout?: Duration;
}

/**
 * Transient errors retried with backoff rather than failing the run. Playbooks and the envelope
 * re-throw AWS throttling untouched (the SDK's error names: Lambda, SQS, CloudWatch, DynamoDB, KMS,
 * EC2-style `RequestLimitExceeded`). `Lambda.TooManyRequestsException` is Step Functions' name for a
 * throttled invocation of the playbook function itself ("When Lambda hits the maximum number of
 * invocations, the error is Lambda.TooManyRequestsException", Step Functions developer guide, "Handle
 * Lambda service exceptions"), exactly when the concurrency playbook is needed. Lambda's 500-class
 * service exceptions are retried by CDK's LambdaInvoke default (`retryOnServiceExceptions`).
 */
const TRANSIENT = [
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestThrottled',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'Lambda.TooManyRequestsException',
];

/**
 * One playbook inside Vigil's safety envelope, as a Step Functions state machine:
 *
 * describe target → admit (opt-in tag, do-not-remediate, blast radius, circuit breaker) → snapshot →
 * plan → [nothing to do | dry-run: record the exact calls and stop] → [approval, waiting for a
 * signed link; no answer is deny] → look again (tags, alarm still in ALARM; else skipped) → act → verify until the alarm stays OK or the deadline passes →
 * [rollback from the snapshot, escalate]. Every end goes through `finish`, which writes the ledger
 * record and tells the alert's thread what happened; an unexpected error ends in `failed`, which
 * escalates and fails the execution so the state machine's own alarm fires.
 */
export class RemediationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The longest an execution may run; a run's hold on its target never needs to outlast it. */
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: RemediationWorkflowProps) {
    super(scope, id);
    const stablePeriods = props.stablePeriods ?? 3;
    const verifyInterval = props.verifyInterval ?? Duration.minutes(1);
    const verifyDeadline = props.verifyDeadline ?? Duration.minutes(15);
    const approvalTimeout = props.approvalTimeout ?? Duration.hours(1);

    const invoke = (
      name: string,
      fn: lambda.IFunction,
      payload: Record<string, unknown>,
      resultPath: string,
    ) => {
      const task = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        // The function's answer is the state's result, without Lambda's response envelope.
        payloadResponseOnly: true,
        resultPath,
      });
      task.addRetry({ errors: TRANSIENT, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
      return task;
    };
    const playbookStep = (name: string, op: string, resultPath: string, extra: Record<string, string> = {}) =>
      invoke(name, props.playbookFunction, { op, 'request.$': '$.request', ...extra }, resultPath);
    const envelopeStep = (
      name: string,
      op: string,
      resultPath: string,
      extra: Record<string, unknown> = {},
    ) => invoke(name, props.envelopeFunction, { op, 'request.$': '$.request', ...extra }, resultPath);

    const finishes = new Map<Outcome, sfn.IChainable>();
    const finish = (outcome: Outcome): sfn.IChainable => {
      const existing = finishes.get(outcome);
      if (existing) return existing;
      const task = invoke(
        `Finish ${outcome}`,
        props.envelopeFunction,
        { op: 'finish', outcome, 'run.$': '$' },
        '$.finish',
      );
      const end =
        outcome === 'failed'
          ? new sfn.Fail(this, 'Failed', {
              error: 'RemediationFailed',
              cause: 'See the ledger record of this run',
            })
          : new sfn.Succeed(this, `Ended ${outcome}`);
      const chain = task.next(end);
      finishes.set(outcome, chain);
      return chain;
    };
    const failOn = (task: tasks.LambdaInvoke) =>
      task.addCatch(finish('failed'), { errors: ['States.ALL'], resultPath: '$.error' });

    const start = new sfn.Pass(this, 'Start', { parameters: { 'request.$': '$' } });
    const describe = failOn(playbookStep('Describe target', 'describe', '$.targetState'));
    const admit = failOn(envelopeStep('Admit', 'admit', '$.admission', { 'targetState.$': '$.targetState' }));
    const snapshot = failOn(playbookStep('Snapshot', 'snapshot', '$.snapshot'));
    const plan = failOn(playbookStep('Plan', 'plan', '$.plan', { 'snapshot.$': '$.snapshot' }));

    const rollback = playbookStep('Roll back', 'rollback', '$.rollback', {
      'snapshot.$': '$.snapshot',
      'action.$': '$.action',
    });
    // Someone else changed the target meanwhile: stop, change nothing more, say so.
    const targetChanged = { errors: ['PlaybookError.TARGET_CHANGED'], resultPath: '$.error' };
    rollback.addCatch(finish('target-changed'), targetChanged);
    // A failed rollback keeps the error that led to it (`$.error`) and adds its own.
    rollback.addCatch(finish('failed'), { errors: ['States.ALL'], resultPath: '$.rollbackError' });
    rollback.next(finish('rolled-back'));

    const act = playbookStep('Act', 'act', '$.action', { 'snapshot.$': '$.snapshot', 'plan.$': '$.plan' });
    // The last look before acting (an approval may have waited an hour): tags and the alarm, again.
    const lookAgain = failOn(playbookStep('Describe target again', 'describe', '$.targetState'));
    const checkBeforeAct = failOn(
      envelopeStep('Check before acting', 'checkBeforeAct', '$.preActCheck', {
        'targetState.$': '$.targetState',
      }),
    );
    const beforeAct = lookAgain
      .next(checkBeforeAct)
      .next(
        new sfn.Choice(this, 'Still needed?')
          .when(sfn.Condition.booleanEquals('$.preActCheck.proceed', false), finish('skipped'))
          .otherwise(act),
      );
    // A failed act may have changed part of the target: restore the snapshot, with nothing to cancel.
    const actFailed = new sfn.Pass(this, 'Act failed', {
      parameters: { calls: [], 'completedAt.$': '$$.State.EnteredTime' },
      resultPath: '$.action',
    }).next(rollback);
    act.addCatch(finish('target-changed'), targetChanged);
    act.addCatch(actFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    // A check that cannot be made leaves the change unproven: roll it back, as for a failed check.
    const verify = envelopeStep('Verify', 'verify', '$.verification', {
      'action.$': '$.action',
      'verification.$': '$.verification',
      stablePeriods,
      deadlineSeconds: verifyDeadline.toSeconds(),
    });
    verify.addCatch(rollback, { errors: ['States.ALL'], resultPath: '$.error' });
    const wait = new sfn.Wait(this, 'Wait for an evaluation', {
      time: sfn.WaitTime.duration(verifyInterval),
    });
    const recovered = new sfn.Choice(this, 'Recovered?')
      .when(sfn.Condition.booleanEquals('$.verification.stable', true), finish('remediated'))
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent('$.verification.inconclusive'),
          sfn.Condition.booleanEquals('$.verification.inconclusive', true),
        ),
        finish('unverified'),
      )
      .when(sfn.Condition.booleanEquals('$.verification.expired', true), rollback)
      .otherwise(wait);
    const startVerification = new sfn.Pass(this, 'Start verification', {
      result: sfn.Result.fromObject({
        checks: 0,
        consecutiveOk: 0,
        lastState: 'INSUFFICIENT_DATA',
        stable: false,
        expired: false,
      }),
      resultPath: '$.verification',
    });
    act.next(startVerification).next(wait).next(verify).next(recovered);

    const approval = new tasks.LambdaInvoke(this, 'Request approval', {
      lambdaFunction: props.envelopeFunction,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        op: 'requestApproval',
        'request.$': '$.request',
        'plan.$': '$.plan',
        taskToken: sfn.JsonPath.taskToken,
      }),
      resultPath: '$.approvalResult',
      taskTimeout: sfn.Timeout.duration(approvalTimeout),
    });
    approval.addCatch(finish('approval-timed-out'), { errors: ['States.Timeout'], resultPath: '$.error' });
    failOn(approval);
    approval.next(
      new sfn.Choice(this, 'Approved?')
        .when(sfn.Condition.booleanEquals('$.approvalResult.approved', true), beforeAct)
        .otherwise(finish('denied')),
    );

    const definition = start
      .next(describe)
      .next(admit)
      .next(
        new sfn.Choice(this, 'Admitted?')
          .when(sfn.Condition.booleanEquals('$.admission.admitted', false), finish('refused'))
          .otherwise(
            snapshot
              .next(plan)
              .next(
                new sfn.Choice(this, 'Anything to do?')
                  .when(sfn.Condition.isPresent('$.plan.nothingToDo'), finish('nothing-to-do'))
                  .when(sfn.Condition.stringEquals('$.request.mode', 'dry-run'), finish('dry-run'))
                  .when(sfn.Condition.booleanEquals('$.request.approval', true), approval)
                  .otherwise(beforeAct),
              ),
          ),
      );

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logKey,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Approval plus verification (which an alarm with a long evaluation range extends), with room
    // for retries: a run never outlives its purpose.
    this.timeout = approvalTimeout.plus(verifyDeadline).plus(Duration.hours(6));
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: this.timeout,
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray trace writes and CloudWatch Logs log-delivery calls of the state machine have no resource-level permissions.',
    });
  }
}
