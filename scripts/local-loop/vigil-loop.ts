import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PLAYBOOK_IDS, type PlaybookId } from '../../constructs/contracts/remediation';
import type { AlertOutcome } from '../../lambda/alert-enricher/alert-enricher';
import { buildAlertEnricher } from '../../lambda/alert-enricher/build-enricher';
import { readEnricherConfig } from '../../lambda/alert-enricher/enricher-config';
import { DEFAULT_EPISODE_POLICY } from '../../lambda/alert-enricher/episodes/episode-decision';
import { EpisodeStore } from '../../lambda/alert-enricher/episodes/episode-store';
import { createApprovalCallback } from '../../lambda/remediation/approval/approval-callback';
import { readApprovalConfig } from '../../lambda/remediation/approval/approval-config';
import { createDispatcher, type DispatchOutcome } from '../../lambda/remediation/dispatcher/dispatch';
import { readDispatcherConfig } from '../../lambda/remediation/dispatcher/dispatcher-config';
import { ApprovalLinks } from '../../lambda/remediation/envelope/approval-links';
import { readEnvelopeConfig } from '../../lambda/remediation/envelope/envelope-config';
import { createEnvelopeHandler } from '../../lambda/remediation/envelope/envelope-handler';
import { RemediationLedger } from '../../lambda/remediation/envelope/remediation-ledger';
import { createPlaybookHandler } from '../../lambda/remediation/playbook-handler';
import { playbookFor } from '../../lambda/remediation/playbooks/playbooks';
import type { AwsClients } from '../../lambda/shared/aws-clients';
import { deployedValue } from './deployed-values';
import { type EventPattern, matchesEventPattern } from './event-pattern';
import { LOCAL_REGION, type LocalAws } from './local-aws';
import { type ExecutionResult, type LocalFunction, runStateMachine } from './state-machine';
import type { ScheduledRule, SynthesizedAppReader } from './synthesized-app';
import { LocalTaskTokens, type WaitingTask } from './task-tokens';

/** While a task waits for its token, simulated time moves on in steps of this (unless told otherwise). */
const CALLBACK_STEP = 10_000;

/** The approval function's URL, deployed and as run here. */
export interface LocalFunctionUrl {
  /** The URL the templates give it (the approve and deny links point at it). */
  readonly deployedUrl: string;
  /** The function's code, in-process, configured from its template environment. */
  readonly handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
}

/** One remediation run: the dispatcher's StartExecution, executed locally. */
export interface LocalExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: { readonly playbook?: string; readonly target?: unknown; readonly episodeId?: string };
  readonly startedAt: number;
  readonly result: ExecutionResult;
}

/** Seen as the loop runs, in order (for the timeline). */
export interface LoopHooks {
  readonly onDispatch?: (outcome: DispatchOutcome) => void;
  readonly onExecutionStart?: (execution: Omit<LocalExecution, 'result' | 'startedAt'>) => void;
  /** Each Task of each run as it completes: its state, the payload its function got, its result. */
  readonly onTask?: (state: string, payload: unknown, result: unknown) => void;
}

/** What one alarm event did on its way through the two rules. */
export interface EventOutcome {
  readonly alerting?: readonly AlertOutcome[];
  readonly dispatch?: DispatchOutcome;
  readonly executions: readonly LocalExecution[];
}

/**
 * Vigil's own functions, run in-process from the code their bundles are built from, wired as the
 * synthesized app wires them: each configured from its environment in the template, each reached
 * through the synthesized EventBridge rule or state machine that invokes it.
 */
export class VigilLoop {
  private readonly alertingPattern: EventPattern;
  private readonly dispatchPattern: EventPattern;
  private readonly enrich: (event: unknown) => Promise<AlertOutcome[]>;
  /** The enricher's function ARN; its aliases' ARNs are this and `:<alias>`. */
  private readonly enricherArn: string;
  private readonly dispatch: (event: unknown) => Promise<DispatchOutcome[] | DispatchOutcome>;
  private readonly started: Omit<LocalExecution, 'result' | 'startedAt'>[] = [];
  private readonly functions = new Map<string, LocalFunction>();
  private readonly schedules: readonly ScheduledRule[];
  private readonly lastScheduled = new Map<string, number>();
  private readonly tokens: LocalTaskTokens;
  private taskWait: (task: WaitingTask) => Promise<void>;
  /** The approval function and its URL: what the approve and deny links open. */
  readonly approval: LocalFunctionUrl;
  /** The remediation ledger's table (runs, counters, locks), as the envelope's environment names it. */
  readonly ledgerTableName: string;

  constructor(
    private readonly reader: SynthesizedAppReader,
    aws: LocalAws,
    clients: AwsClients,
    private readonly clock: { now(): number; advance(ms: number): Promise<void> | void },
    private readonly hooks: LoopHooks = {},
  ) {
    const now = () => new Date(clock.now());
    this.tokens = new LocalTaskTokens(aws, () => clock.now());
    this.taskWait = () => Promise.resolve(clock.advance(CALLBACK_STEP));
    this.alertingPattern = reader.alarmRulePattern('-alerting');
    this.dispatchPattern = reader.alarmRulePattern('-remediation');

    const enricherFn = reader.resource('AWS::Lambda::Function', '-alerting', 'EnricherFunction');
    // AWS_REGION is what Lambda sets; the template does not.
    this.enrich = buildAlertEnricher(
      readEnricherConfig({ ...reader.environment(enricherFn), AWS_REGION: LOCAL_REGION }),
      clients,
      now,
    );
    this.schedules = reader.scheduledRules(enricherFn);
    this.enricherArn = deployedValue({ 'Fn::GetAtt': [enricherFn.logicalId, 'Arn'] }, enricherFn.stack);

    const dispatcherFn = reader.resource('AWS::Lambda::Function', '-remediation', 'DispatcherFunction');
    const dispatcherConfig = readDispatcherConfig(reader.environment(dispatcherFn));
    this.dispatch = createDispatcher({
      config: dispatcherConfig,
      stepFunctions: clients.stepFunctions,
      // As dispatcher-function.ts builds it: the enricher's own policy.
      episodes: new EpisodeStore(
        clients.dynamoDb,
        dispatcherConfig.episodes.tableName,
        {
          ...DEFAULT_EPISODE_POLICY,
          flapTransitions: dispatcherConfig.episodes.flapTransitions,
          flapWindowMinutes: dispatcherConfig.episodes.flapWindowMinutes,
        },
        now,
      ),
      now,
    });
    aws.on('SFN.StartExecution', (input: { stateMachineArn: string; name: string; input: string }) => {
      this.started.push({
        stateMachineArn: input.stateMachineArn,
        name: input.name,
        input: JSON.parse(input.input),
      });
      const machine = input.stateMachineArn.split(':').at(-1);
      const executionArn = input.stateMachineArn
        .replace(':stateMachine:', ':execution:')
        .replace(`:${machine}`, `:${machine}:${input.name}`);
      return { executionArn, startDate: now() };
    });

    // The remediation functions, by the ARN the state machines invoke them with.
    let approvalUrl: string | undefined;
    let approvalHandler: LocalFunctionUrl['handler'] | undefined;
    let ledgerTableName: string | undefined;
    for (const fn of reader.resources('AWS::Lambda::Function', '-remediation')) {
      const env = reader.environment(fn);
      const arn = deployedValue({ 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, fn.stack);
      if (fn.logicalId.startsWith('EnvelopeFunction')) {
        const config = readEnvelopeConfig(env);
        ledgerTableName = config.ledgerTableName;
        approvalUrl = config.approvalUrl;
        const envelope = createEnvelopeHandler({ config, clients, now });
        // The state machine passes the payload as Lambda would: the handler validates it.
        this.functions.set(arn, (payload) => envelope(payload as never));
      } else if (env.PLAYBOOK !== undefined && (PLAYBOOK_IDS as readonly string[]).includes(env.PLAYBOOK)) {
        const playbook = createPlaybookHandler(playbookFor(env.PLAYBOOK as PlaybookId, clients));
        this.functions.set(arn, (payload) => playbook(payload as never));
      } else if (fn.logicalId.startsWith('ApprovalFunction')) {
        // As approval-function.ts builds it, with the run's clients and its simulated clock (the links
        // expire on it: the envelope signed them with that clock).
        const config = readApprovalConfig(env);
        approvalHandler = createApprovalCallback({
          links: new ApprovalLinks({
            secretsManager: clients.secretsManager,
            secretArn: config.approvalSecretArn,
          }),
          runs: new RemediationLedger(clients.dynamoDb, config.ledgerTableName),
          stepFunctions: clients.stepFunctions,
          now,
        });
      }
    }
    if (!approvalUrl || !approvalHandler || !ledgerTableName) {
      throw new Error('the synthesized remediation stack has no envelope or approval function');
    }
    this.approval = { deployedUrl: approvalUrl, handler: approvalHandler };
    this.ledgerTableName = ledgerTableName;
  }

  /**
   * How time passes while a remediation run waits for a task token (an approval): by default simulated
   * time moves on in 10 s steps (the alarms evaluate, traffic flows) until the token is answered or
   * the state times out. A scenario that answers (as on-call, or through a person at the console)
   * sets its own: each call must let something happen, such as a step of simulated time or the answer.
   */
  whileTasksWait(wait: (task: WaitingTask) => Promise<void>): void {
    this.taskWait = wait;
  }

  /**
   * The function of the loop an ARN names (its function ARN, or a version's or alias's): what an SNS
   * subscription or another invoker reaches, run as the rules and state machines run it. `undefined`
   * for a function the loop does not run.
   */
  functionAt(arn: string): LocalFunction | undefined {
    if (arn === this.enricherArn || arn.startsWith(`${this.enricherArn}:`)) return this.enrich;
    return this.functions.get(arn);
  }

  /**
   * The enricher's scheduled rules (the flapping check) that came due by `at`, each delivered as
   * EventBridge delivers a schedule: a `Scheduled Event` from `aws.events` (EventBridge user guide,
   * "Creating a rule that runs on a schedule", sample event).
   */
  async runSchedules(at: number): Promise<AlertOutcome[]> {
    const outcomes: AlertOutcome[] = [];
    for (const schedule of this.schedules) {
      const last = this.lastScheduled.get(schedule.ruleArn);
      const due = last === undefined ? at : last + schedule.everyMs;
      if (due > at) continue;
      this.lastScheduled.set(schedule.ruleArn, at);
      outcomes.push(
        ...(await this.enrich({
          version: '0',
          id: `local-${schedule.ruleArn.split('/').at(-1)}-${at}`,
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: schedule.ruleArn.split(':')[4],
          time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: LOCAL_REGION,
          resources: [schedule.ruleArn],
          detail: {},
        })),
      );
    }
    return outcomes;
  }

  /** One CloudWatch alarm state change, delivered to each rule whose pattern matches it. */
  async deliver(event: Record<string, unknown>): Promise<EventOutcome> {
    const alerting = matchesEventPattern(this.alertingPattern, event) ? await this.enrich(event) : undefined;
    let dispatch: DispatchOutcome | undefined;
    const executions: LocalExecution[] = [];
    if (matchesEventPattern(this.dispatchPattern, event)) {
      const outcome = await this.dispatch(event);
      dispatch = Array.isArray(outcome) ? outcome[0] : outcome;
      if (dispatch) this.hooks.onDispatch?.(dispatch);
      for (let next = this.started.shift(); next; next = this.started.shift()) {
        executions.push(await this.execute(next));
      }
    }
    return { ...(alerting && { alerting }), ...(dispatch && { dispatch }), executions };
  }

  private async execute(start: Omit<LocalExecution, 'result' | 'startedAt'>): Promise<LocalExecution> {
    const { definition } = this.reader.stateMachine(start.stateMachineArn);
    const startedAt = this.clock.now();
    this.hooks.onExecutionStart?.(start);
    const result = await runStateMachine({
      definition,
      input: start.input,
      functions: this.functions,
      wait: (seconds) => this.clock.advance(seconds * 1000),
      startedAt: new Date(startedAt).toISOString(),
      executionArn: start.name,
      ...(this.hooks.onTask && { observe: this.hooks.onTask }),
      callbacks: {
        issue: () => this.tokens.issue(),
        now: () => this.clock.now(),
        whileWaiting: (task) => this.taskWait(task),
      },
    });
    return { ...start, startedAt, result };
  }
}
