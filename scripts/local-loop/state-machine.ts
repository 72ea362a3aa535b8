import type { AslDefinition } from './synthesized-app';
import type { WaitingTask } from './task-tokens';

// The package ships CommonJS for `require` but declares its types as an ES module only.
type LocalStepFunctions = typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' }});
type StateMachineDefinition = ConstructorParameters<LocalStepFunctions['StateMachine']>[0];
const { StateMachine } = require('aws-local-stepfunctions') as LocalStepFunctions;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A deployed function's code, in-process: the payload in, the result out. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface ExecutionResult {
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  /** Every state entered, in order. */
  readonly states: readonly string[];
}

/** What a run needs to answer `.waitForTaskToken` Tasks (the callback pattern). */
export interface TaskCallbacks {
  /** A new task token, answered through `SendTaskSuccess`/`SendTaskFailure` (see task-tokens.ts). */
  issue(): WaitingTask;
  /** The run's clock: the timeouts are on it. */
  now(): number;
  /**
   * Lets time pass once while `task` waits for its answer: a step of simulated time, or (with a
   * person answering) until the answer comes. Called again until the task is answered or times out.
   */
  whileWaiting(task: WaitingTask): Promise<void>;
}

/**
 * The library times every Task out on the wall clock (60 s unless `TimeoutSeconds` says otherwise).
 * A callback Task's timeout is kept on the run's clock instead, so the library's is set out of reach:
 * just under Node's longest timer (2^31 - 1 ms), a longer one would fire at once.
 */
const OUT_OF_REACH_SECONDS = 2_000_000;

/**
 * Runs the synthesized ASL with aws-local-stepfunctions. Each Task state runs the local code of the
 * function it invokes (found by the function ARN in `Resource`, or in `Parameters.FunctionName` for
 * `lambda:invoke` integrations). Wait states move the simulated clock instead of the wall clock:
 * `wait(seconds)` is called before the state after the Wait runs.
 *
 * A `.waitForTaskToken` Task gets the execution's task token as `$$.Task.Token` (one token per
 * execution: the library takes the context object once), runs its function, then waits until the
 * token is answered: `SendTaskSuccess` output becomes the state's result, `SendTaskFailure` its error.
 * Its `TimeoutSeconds` and `HeartbeatSeconds` count on the run's clock and end it with
 * `States.Timeout`, as Step Functions does.
 */
export async function runStateMachine(options: {
  readonly definition: AslDefinition;
  readonly input: unknown;
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly wait: (seconds: number) => Promise<void> | void;
  readonly startedAt: string;
  readonly executionArn: string;
  /** Called after each Task with its state name, the payload its function got and what it returned. */
  readonly observe?: (state: string, payload: unknown, result: unknown) => void;
  /** Needed when the definition has a `.waitForTaskToken` Task. */
  readonly callbacks?: TaskCallbacks;
}): Promise<ExecutionResult> {
  const { definition, callbacks } = options;
  const waiting = callbacks?.issue();
  const waitBefore = new Map<string, number>();
  for (const state of Object.values(definition.States)) {
    if (state.Type === 'Wait' && state.Next !== undefined) waitBefore.set(state.Next, state.Seconds ?? 0);
  }
  const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const integration = state.Resource?.startsWith('arn:aws:states:::lambda:invoke') === true;
    const arn = integration ? String(state.Parameters?.FunctionName) : String(state.Resource);
    const fn = options.functions.get(arn.replace(/:(live|\$LATEST|\d+)$/, ''));
    // A Task left unbound would make the library call AWS Lambda itself: refuse instead.
    if (!fn) throw new Error(`state ${name} invokes ${arn}, which has no local code in this run`);
    const callback = state.Resource?.endsWith('.waitForTaskToken') === true;
    if (callback && !(callbacks && waiting)) {
      throw new Error(`state ${name} waits for a task token, and this run has no way to answer one`);
    }
    handlers[name] = async (input) => {
      const seconds = waitBefore.get(name);
      if (seconds !== undefined) await options.wait(seconds);
      // The payload crosses a JSON boundary in AWS: so it does here.
      const payload = integration ? (input as { Payload: unknown }).Payload : input;
      const returned = await fn(payload);
      const result = JSON.parse(
        JSON.stringify(
          callback
            ? await awaitToken(state, waiting as WaitingTask, callbacks as TaskCallbacks)
            : (returned ?? null),
        ),
      ) as JsonValue;
      options.observe?.(name, payload, result);
      return result;
    };
  }
  const machine = new StateMachine(libraryDefinition(definition) as unknown as StateMachineDefinition, {
    validationOptions: { checkArn: false },
  });
  const waits = Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Wait')
      .map(([name]) => [name, 0]),
  );
  const execution = machine.run(options.input as JsonValue, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: {} },
    context: {
      Execution: {
        Id: options.executionArn,
        Input: options.input as JsonValue,
        StartTime: options.startedAt,
      },
      State: { EnteredTime: options.startedAt, Name: definition.StartAt },
      ...(waiting && { Task: { Token: waiting.token } }),
    },
  });
  const states: string[] = [];
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  try {
    const output = await execution.result;
    await logging;
    return { output, states };
  } catch (error) {
    await logging.catch(() => undefined);
    const failure = error as Error;
    return { error: { name: failure.name, message: failure.message }, states };
  } finally {
    // The execution ended: its token answers no more (`TaskTimedOut`, as for a closed task).
    waiting?.close();
  }
}

type AslState = AslDefinition['States'][string];

/**
 * Waits until `task` is answered, or until the state's `TimeoutSeconds` (from entering it) or
 * `HeartbeatSeconds` (from the last heartbeat) pass on the run's clock.
 */
async function awaitToken(state: AslState, task: WaitingTask, callbacks: TaskCallbacks): Promise<unknown> {
  if (task.answer() !== undefined) {
    throw new Error(
      'a callback state was entered twice in one execution: the local run issues one token per execution',
    );
  }
  const enteredAt = callbacks.now();
  for (let answer = task.answer(); ; answer = task.answer()) {
    if (answer?.succeeded) return answer.output;
    if (answer) throw Object.assign(new Error(answer.cause), { name: answer.error });
    const now = callbacks.now();
    const timedOut = state.TimeoutSeconds !== undefined && now >= enteredAt + state.TimeoutSeconds * 1000;
    const silent =
      state.HeartbeatSeconds !== undefined &&
      now >= Math.max(enteredAt, task.lastBeat()) + state.HeartbeatSeconds * 1000;
    if (timedOut || silent) {
      task.close();
      throw Object.assign(
        new Error(timedOut ? 'The task timed out.' : 'The task sent no heartbeat in time.'),
        {
          name: 'States.Timeout',
        },
      );
    }
    await callbacks.whileWaiting(task);
  }
}

/** The definition as the library runs it: callback Tasks time out on the run's clock, not the library's. */
function libraryDefinition(definition: AslDefinition): AslDefinition {
  return {
    ...definition,
    States: Object.fromEntries(
      Object.entries(definition.States).map(([name, state]) => [
        name,
        state.Resource?.endsWith('.waitForTaskToken') === true
          ? { ...state, TimeoutSeconds: OUT_OF_REACH_SECONDS }
          : state,
      ]),
    ),
  };
}
