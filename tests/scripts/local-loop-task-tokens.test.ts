import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { LocalAws } from '../../scripts/local-loop/local-aws';
import { runStateMachine } from '../../scripts/local-loop/state-machine';
import type { AslDefinition } from '../../scripts/local-loop/synthesized-app';
import { LocalTaskTokens, type WaitingTask } from '../../scripts/local-loop/task-tokens';

const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:asker';

/** The shape CDK synthesizes for a `waitForTaskToken` Lambda task with a timeout (RemediationWorkflow's approval). */
function definition(limits: { TimeoutSeconds?: number; HeartbeatSeconds?: number }): AslDefinition {
  return {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: `${FUNCTION}:live`, Payload: { 'token.$': '$$.Task.Token' } },
        ResultPath: '$.answer',
        ...limits,
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Timed out' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' },
        ],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      'Timed out': { Type: 'Succeed' },
      Failed: { Type: 'Succeed' },
    } as AslDefinition['States'],
  };
}

/** A run on a simulated clock; `answer` plays whoever holds the token, once per wait step. */
async function run(
  limits: { TimeoutSeconds?: number; HeartbeatSeconds?: number },
  answer: (
    sfn: ReturnType<LocalAws['clients']>['stepFunctions'],
    token: string,
    now: number,
  ) => Promise<void>,
) {
  let now = Date.parse('2026-12-01T00:00:00Z');
  const aws = new LocalAws();
  const tokens = new LocalTaskTokens(aws, () => now);
  const { stepFunctions } = aws.clients('http://127.0.0.1:9');
  const received: string[] = [];
  const start = now;
  const result = await runStateMachine({
    definition: definition(limits),
    input: {},
    functions: new Map([[FUNCTION, async (payload) => received.push((payload as { token: string }).token)]]),
    wait: () => {},
    startedAt: new Date(now).toISOString(),
    executionArn: 'local-execution',
    callbacks: {
      issue: () => tokens.issue(),
      now: () => now,
      whileWaiting: async (task: WaitingTask) => {
        now += 10_000;
        await answer(stepFunctions, task.token, now - start);
      },
    },
  });
  return { result, token: received[0] as string, stepFunctions, waited: now - start };
}

test('the function gets $$.Task.Token, and SendTaskSuccess output becomes the state result', async () => {
  const { result, token } = await run({ TimeoutSeconds: 3600 }, async (sfn, token, elapsed) => {
    if (elapsed >= 60_000)
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
  });
  expect(token).toMatch(/^vigil-local-/);
  expect(result.states).toEqual(['Ask', 'Done']);
  expect(result.output).toEqual({ answer: { approved: true } });
});

test('TimeoutSeconds counts on the simulated clock and ends the task with States.Timeout; the token then answers TaskTimedOut', async () => {
  const { result, token, stepFunctions, waited } = await run({ TimeoutSeconds: 300 }, async () => {});
  expect(waited).toBe(300_000);
  expect(result.states).toEqual(['Ask', 'Timed out']);
  expect(result.output).toMatchObject({ error: { Error: 'States.Timeout' } });
  await expect(
    stepFunctions.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
  ).rejects.toMatchObject({ name: 'TaskTimedOut' });
});

test('HeartbeatSeconds: a task kept alive by heartbeats waits on, a silent one times out', async () => {
  const beating = await run({ TimeoutSeconds: 3600, HeartbeatSeconds: 60 }, async (sfn, token, elapsed) => {
    if (elapsed < 200_000) await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
  });
  expect(beating.result.states).toEqual(['Ask', 'Timed out']);
  // The last heartbeat was at 190 s; silence for 60 s after it.
  expect(beating.waited).toBe(250_000);
});

test('SendTaskFailure fails the state with its error and cause', async () => {
  const { result } = await run({ TimeoutSeconds: 3600 }, async (sfn, token) => {
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Denied', cause: 'no' }));
  });
  expect(result.states).toEqual(['Ask', 'Failed']);
  expect(result.output).toMatchObject({ error: { Error: 'Denied', Cause: 'no' } });
});

test('tokens Step Functions did not issue get InvalidToken or TaskDoesNotExist, bad output InvalidOutput', async () => {
  const aws = new LocalAws();
  const tokens = new LocalTaskTokens(aws, () => 0);
  const { stepFunctions } = aws.clients('http://127.0.0.1:9');
  await expect(
    stepFunctions.send(new SendTaskSuccessCommand({ taskToken: 'made-up', output: '{}' })),
  ).rejects.toMatchObject({ name: 'InvalidToken' });
  const unknown = `vigil-local-${'A'.repeat(64)}`;
  await expect(
    stepFunctions.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' })),
  ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  const { token } = tokens.issue();
  await expect(
    stepFunctions.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })),
  ).rejects.toMatchObject({ name: 'InvalidOutput' });
  expect(tokens.issue().token).not.toBe(token);
});
