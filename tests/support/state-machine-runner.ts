import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';

// The package ships CommonJS for `require` but declares its types as an ES module only.
type LocalStepFunctions = typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' }});
type StateMachineDefinition = ConstructorParameters<LocalStepFunctions['StateMachine']>[0];
const { StateMachine } = require('aws-local-stepfunctions') as LocalStepFunctions;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type TaskHandler = (input: JsonValue) => Promise<JsonValue> | JsonValue;

/**
 * The Amazon States Language CDK synthesized for `stateMachine`, exactly as deployed, except that
 * references (function ARNs, partitions) become readable stand-ins: tests run this, never a copy.
 */
export function synthesizedDefinition(stateMachine: sfn.StateMachine): StateMachineDefinition {
  const stack = Stack.of(stateMachine);
  const logicalId = stack.getLogicalId(stateMachine.node.defaultChild as sfn.CfnStateMachine);
  const resource = Template.fromStack(stack).toJSON().Resources[logicalId];
  const body = resource.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(standIn).join(body['Fn::Join'][0]);
  return JSON.parse(text) as StateMachineDefinition;
}

function standIn(part: unknown): string {
  if (typeof part === 'string') return part;
  const ref = (part as { Ref?: string }).Ref;
  if (ref === 'AWS::Partition') return 'aws';
  if (ref === 'AWS::Region') return 'eu-west-1';
  if (ref === 'AWS::AccountId') return '123456789012';
  const getAtt = (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
  const name = ref ?? getAtt?.[0];
  if (!name) throw new Error(`no stand-in for ${JSON.stringify(part)}`);
  return `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
}

export interface LocalRun {
  /** The execution's output, or the error it failed with. */
  readonly output?: JsonValue;
  readonly error?: { readonly name: string; readonly message: string };
  /** Every state entered, in order. */
  readonly states: readonly string[];
}

/**
 * Executes the synthesized definition with aws-local-stepfunctions. Task states run the given local
 * handlers (bound to the real Lambda code); Wait states pass at once.
 */
export async function runLocally(
  definition: StateMachineDefinition,
  input: JsonValue,
  handlers: Record<string, TaskHandler>,
  context: Record<string, JsonValue> = {},
): Promise<LocalRun> {
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const waits = Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Wait')
      .map(([name]) => [name, 0]),
  );
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: {} },
    context: {
      Execution: { Id: 'local-execution', Input: input, StartTime: new Date().toISOString() },
      State: { EnteredTime: new Date().toISOString(), Name: 'local' },
      Task: { Token: 'local-task-token' },
      ...context,
    },
  });
  const states: string[] = [];
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  try {
    const output = (await execution.result) as JsonValue;
    await logging;
    return { output, states };
  } catch (error) {
    await logging.catch(() => undefined);
    const failure = error as Error & { cause?: unknown };
    return { error: { name: failure.name, message: failure.message }, states };
  }
}
