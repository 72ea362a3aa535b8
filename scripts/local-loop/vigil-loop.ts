import type { AlertOutcome } from '../../lambda/alert-enricher/alert-enricher';
import { buildAlertEnricher } from '../../lambda/alert-enricher/build-enricher';
import { readEnricherConfig } from '../../lambda/alert-enricher/enricher-config';
import { DEFAULT_EPISODE_POLICY } from '../../lambda/alert-enricher/episodes/episode-decision';
import { EpisodeStore } from '../../lambda/alert-enricher/episodes/episode-store';
import { createDispatcher, type DispatchOutcome } from '../../lambda/remediation/dispatcher/dispatch';
import { readDispatcherConfig } from '../../lambda/remediation/dispatcher/dispatcher-config';
import { readEnvelopeConfig } from '../../lambda/remediation/envelope/envelope-config';
import { createEnvelopeHandler } from '../../lambda/remediation/envelope/envelope-handler';
import { createPlaybookHandler } from '../../lambda/remediation/playbook-handler';
import { playbookFor } from '../../lambda/remediation/playbooks/playbooks';
import { PLAYBOOK_IDS, type PlaybookId } from '../../lambda/remediation/remediation-types';
import type { AwsClients } from '../../lambda/shared/aws-clients';
import { deployedValue } from './deployed-values';
import { type EventPattern, matchesEventPattern } from './event-pattern';
import { LOCAL_REGION, type LocalAws } from './local-aws';
import { type ExecutionResult, type LocalFunction, runStateMachine } from './state-machine';
import type { SynthesizedAppReader } from './synthesized-app';

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
  private readonly dispatch: (event: unknown) => Promise<DispatchOutcome[] | DispatchOutcome>;
  private readonly started: Omit<LocalExecution, 'result' | 'startedAt'>[] = [];
  private readonly functions = new Map<string, LocalFunction>();

  constructor(
    private readonly reader: SynthesizedAppReader,
    aws: LocalAws,
    clients: AwsClients,
    private readonly clock: { now(): number; advance(ms: number): Promise<void> | void },
    private readonly hooks: LoopHooks = {},
  ) {
    const now = () => new Date(clock.now());
    this.alertingPattern = reader.alarmRulePattern('-alerting');
    this.dispatchPattern = reader.alarmRulePattern('-remediation');

    const enricherFn = reader.resource('AWS::Lambda::Function', '-alerting', 'EnricherFunction');
    // AWS_REGION is what Lambda sets; the template does not.
    this.enrich = buildAlertEnricher(
      readEnricherConfig({ ...reader.environment(enricherFn), AWS_REGION: LOCAL_REGION }),
      clients,
    );

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
    for (const fn of reader.resources('AWS::Lambda::Function', '-remediation')) {
      const env = reader.environment(fn);
      const arn = deployedValue({ 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, fn.stack);
      if (fn.logicalId.startsWith('EnvelopeFunction')) {
        const envelope = createEnvelopeHandler({ config: readEnvelopeConfig(env), clients, now });
        // The state machine passes the payload as Lambda would: the handler validates it.
        this.functions.set(arn, (payload) => envelope(payload as never));
      } else if (env.PLAYBOOK !== undefined && (PLAYBOOK_IDS as readonly string[]).includes(env.PLAYBOOK)) {
        const playbook = createPlaybookHandler(playbookFor(env.PLAYBOOK as PlaybookId, clients));
        this.functions.set(arn, (payload) => playbook(payload as never));
      }
    }
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
    });
    return { ...start, startedAt, result };
  }
}
