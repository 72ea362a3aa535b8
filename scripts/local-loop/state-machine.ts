import type { AslDefinition } from './synthesized-app';

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

/**
 * Runs the synthesized ASL with aws-local-stepfunctions. Each Task state runs the local code of the
 * function it invokes (found by the function ARN in `Resource`, or in `Parameters.FunctionName` for
 * `lambda:invoke` integrations). Wait states move the simulated clock instead of the wall clock:
 * `wait(seconds)` is called before the state after the Wait runs.
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
}): Promise<ExecutionResult> {
  const { definition } = options;
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
    handlers[name] = async (input) => {
      const seconds = waitBefore.get(name);
      if (seconds !== undefined) await options.wait(seconds);
      // The payload crosses a JSON boundary in AWS: so it does here.
      const payload = integration ? (input as { Payload: unknown }).Payload : input;
      const result = JSON.parse(JSON.stringify((await fn(payload)) ?? null)) as JsonValue;
      options.observe?.(name, payload, result);
      return result;
    };
  }
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
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
  }
}
