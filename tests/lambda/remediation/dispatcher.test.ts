import '../support/test-environment';
import { createHash } from 'node:crypto';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_EPISODE_POLICY } from '../../../lambda/alert-enricher/episodes/episode-decision';
import { EpisodeStore } from '../../../lambda/alert-enricher/episodes/episode-store';
import { createDispatcher } from '../../../lambda/remediation/dispatcher/dispatch';
import {
  type DispatcherConfig,
  readDispatcherConfig,
} from '../../../lambda/remediation/dispatcher/dispatcher-config';
import type { RemediationRequest } from '../../../lambda/remediation/remediation-types';
import { logger } from '../../../lambda/shared/observability';
import { createEpisodeTable } from '../alert-enricher/support/episode-table';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';

const ACCOUNT = '123456789012';
const NOW = new Date('2026-11-23T03:12:02.000Z');
const CHANGED_AT = '2026-11-23T03:12:00.000Z';
const machine = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:vigil-dev-${name}`;

const config: DispatcherConfig = {
  playbooks: {
    'lambda-alias-rollback': { stateMachineArn: machine('alias-rollback'), mode: 'enforce', approval: true },
    'lambda-concurrency': { stateMachineArn: machine('concurrency'), mode: 'dry-run', approval: false },
    'dlq-redrive': { stateMachineArn: machine('dlq-redrive'), mode: 'enforce', approval: false },
  },
  aliasName: 'live',
  episodes: { tableName: 'episodes', flapTransitions: 4, flapWindowMinutes: 30 },
};

const sfn = mockClient(SFNClient);
let dynamo: LocalDynamoDb;
/** The alert enricher's episodes, on a table of their own per suite. */
let episodes: EpisodeStore;
let dispatch: ReturnType<typeof createDispatcher>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  episodes = new EpisodeStore(
    dynamo.clients.dynamoDb,
    await createEpisodeTable(dynamo.endpoint),
    DEFAULT_EPISODE_POLICY,
  );
  dispatch = createDispatcher({
    stepFunctions: new SFNClient({ region: 'eu-west-1' }),
    config,
    episodes,
    now: () => NOW,
  });
});

afterAll(() => dynamo.close());

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string; stateMachineArn: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: NOW,
  }));
});

interface AlarmOptions {
  readonly name?: string;
  readonly state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly playbook?: string;
  /** The alias the monitor named in the description. */
  readonly alias?: string;
  readonly severity?: string;
  readonly description?: string;
  readonly metrics?: readonly { readonly dimensions: Readonly<Record<string, string>> }[];
  /** Makes it a metric-math alarm: this expression over the metrics is what it compares. */
  readonly expression?: string;
}

/** An EventBridge alarm state change of a Vigil alarm. */
function alarmEvent(options: AlarmOptions = {}) {
  const name = options.name ?? 'vigil-dev-predictor-api-errors';
  const description =
    options.description ??
    JSON.stringify({
      vigil: 1,
      service: 'predictor',
      resource: 'api',
      signal: 'errors',
      severity: options.severity ?? 'high',
      summary: 'The API function fails invocations.',
      threshold: 'at least 5 errors in 5 minutes',
      ...(options.playbook !== undefined && { playbook: options.playbook }),
      ...(options.alias !== undefined && { alias: options.alias }),
    });
  const stats = (options.metrics ?? [{ dimensions: { FunctionName: 'vigil-dev-predictor-api' } }]).map(
    (metric, index) => ({
      id: `m${index}`,
      metricStat: {
        metric: { namespace: 'AWS/Lambda', name: 'Errors', dimensions: metric.dimensions },
        period: 300,
        stat: 'Sum',
      },
      returnData: options.expression === undefined && index === 0,
    }),
  );
  const metrics =
    options.expression === undefined
      ? stats
      : [{ id: 'e1', expression: options.expression, returnData: true }, ...stats];
  const state = options.state ?? 'ALARM';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: '2026-11-23T03:12:00Z',
    region: 'eu-west-1',
    resources: [alarmArn(name)],
    detail: {
      alarmName: name,
      configuration: { description, metrics },
      previousState: {
        reason: '',
        timestamp: '2026-11-23T02:40:00.000+0000',
        value: state === 'ALARM' ? 'OK' : 'ALARM',
      },
      state: { reason: 'Threshold Crossed', timestamp: '2026-11-23T03:12:00.000+0000', value: state },
    },
  };
}

const alarmArn = (name: string) => `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:${name}`;
const runIdOf = (name: string) =>
  createHash('sha256')
    .update(`${alarmArn(name)}${CHANGED_AT}`)
    .digest('hex')
    .slice(0, 32);

function started(): { name?: string; stateMachineArn?: string; input: RemediationRequest }[] {
  return sfn.commandCalls(StartExecutionCommand).map((call) => ({
    name: call.args[0].input.name,
    stateMachineArn: call.args[0].input.stateMachineArn,
    input: JSON.parse(call.args[0].input.input ?? '{}'),
  }));
}

describe('each playbook gets its target from the metric dimensions', () => {
  test('lambda-alias-rollback: the function and the configured alias', async () => {
    const runId = runIdOf('vigil-dev-predictor-api-errors');
    expect(await dispatch(alarmEvent({ playbook: 'lambda-alias-rollback' }))).toEqual([
      {
        outcome: 'started',
        alarm: 'vigil-dev-predictor-api-errors',
        playbook: 'lambda-alias-rollback',
        runId,
        executionArn: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:vigil-dev-alias-rollback:lambda-alias-rollback-${runId}`,
      },
    ]);
    const [execution] = started();
    expect(execution?.name).toBe(`lambda-alias-rollback-${runId}`);
    expect(execution?.stateMachineArn).toBe(machine('alias-rollback'));
    // Exactly a RemediationRequest, nothing more.
    expect(execution?.input).toStrictEqual({
      runId,
      playbook: 'lambda-alias-rollback',
      mode: 'enforce',
      approval: true,
      alarm: { name: 'vigil-dev-predictor-api-errors', arn: alarmArn('vigil-dev-predictor-api-errors') },
      episodeId: `vigil-dev-predictor-api-errors/${CHANGED_AT}`,
      severity: 'high',
      account: ACCOUNT,
      region: 'eu-west-1',
      target: { kind: 'lambda-alias', functionName: 'vigil-dev-predictor-api', aliasName: 'live' },
      requestedAt: NOW.toISOString(),
    } satisfies RemediationRequest);
  });

  test('lambda-alias-rollback: the alias the monitor named in the alarm, when it is not the default', async () => {
    await dispatch(alarmEvent({ playbook: 'lambda-alias-rollback', alias: 'blue' }));
    expect(started()[0]?.input.target).toEqual({
      kind: 'lambda-alias',
      functionName: 'vigil-dev-predictor-api',
      aliasName: 'blue',
    });
  });

  test('lambda-concurrency: the function', async () => {
    await dispatch(
      alarmEvent({ name: 'vigil-dev-scorer-throttles', playbook: 'lambda-concurrency', severity: 'warning' }),
    );
    expect(started()[0]?.input).toMatchObject({
      playbook: 'lambda-concurrency',
      mode: 'dry-run',
      approval: false,
      severity: 'warning',
      target: { kind: 'lambda-function', functionName: 'vigil-dev-predictor-api' },
    });
  });

  test('dlq-redrive: the queue', async () => {
    const metrics = [{ dimensions: { QueueName: 'vigil-dev-uploads-dlq' } }];
    await dispatch(alarmEvent({ name: 'vigil-dev-uploads-dlq-depth', playbook: 'dlq-redrive', metrics }));
    expect(started()[0]?.input.target).toEqual({ kind: 'sqs-queue', queueName: 'vigil-dev-uploads-dlq' });
  });

  test('a metric-math alarm over one function: that function', async () => {
    const metrics: AlarmOptions['metrics'] = [
      { dimensions: { FunctionName: 'api' } },
      { dimensions: { FunctionName: 'api', Resource: 'api:live' } },
    ];
    const expression = '100 * m0 / m1';
    await dispatch(alarmEvent({ playbook: 'lambda-alias-rollback', metrics, expression }));
    expect(started()[0]?.input.target).toEqual({
      kind: 'lambda-alias',
      functionName: 'api',
      aliasName: 'live',
    });
  });

  test.each([
    [
      'no dimension the playbook needs',
      [{ dimensions: { QueueName: 'q' } }],
      "playbook lambda-alias-rollback needs a FunctionName dimension and the alarm's metrics have none",
    ],
    [
      'no metrics at all (a composite)',
      [],
      "playbook lambda-alias-rollback needs a FunctionName dimension and the alarm's metrics have none",
    ],
    [
      'two functions',
      [{ dimensions: { FunctionName: 'a' } }, { dimensions: { FunctionName: 'b' } }],
      "the alarm's metrics name 2 FunctionNames (a, b): no single target",
    ],
  ])('%s: ignored with the reason', async (_case, metrics, reason) => {
    expect(await dispatch(alarmEvent({ playbook: 'lambda-alias-rollback', metrics }))).toEqual([
      { outcome: 'ignored', alarm: 'vigil-dev-predictor-api-errors', reason },
    ]);
    expect(started()).toHaveLength(0);
  });
});

describe('ignored alarm changes', () => {
  test.each([
    ['OK', { state: 'OK', playbook: 'lambda-alias-rollback' }, 'state is OK, not ALARM'],
    [
      'INSUFFICIENT_DATA',
      { state: 'INSUFFICIENT_DATA', playbook: 'lambda-alias-rollback' },
      'state is INSUFFICIENT_DATA, not ALARM',
    ],
    ['no playbook', {}, 'the alarm names no playbook'],
    ['an alarm made outside Vigil', { description: 'Errors on the API' }, 'the alarm names no playbook'],
    [
      'a playbook Vigil does not know',
      { playbook: 'reboot-everything' },
      'playbook reboot-everything is not one Vigil knows',
    ],
  ] as const)('%s', async (_case, options, reason) => {
    expect(await dispatch(alarmEvent(options))).toEqual([
      { outcome: 'ignored', alarm: 'vigil-dev-predictor-api-errors', reason },
    ]);
    expect(started()).toHaveLength(0);
  });

  test('a known playbook that is not deployed here', async () => {
    const only = createDispatcher({
      stepFunctions: new SFNClient({ region: 'eu-west-1' }),
      config: { ...config, playbooks: { 'dlq-redrive': config.playbooks['dlq-redrive'] } },
      episodes,
    });
    expect(await only(alarmEvent({ playbook: 'lambda-concurrency' }))).toEqual([
      {
        outcome: 'ignored',
        alarm: 'vigil-dev-predictor-api-errors',
        reason: 'playbook lambda-concurrency is not deployed here',
      },
    ]);
  });

  test('an event that is not an alarm change: ignored with the parser error, logged, not thrown', async () => {
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const [outcome] = await dispatch({ source: 'aws.s3', 'detail-type': 'Object Created' });
    const reason = expect.stringMatching(/^Not a CloudWatch alarm state change: /);
    expect(outcome).toEqual({ outcome: 'ignored', reason });
    expect(logged).toHaveBeenCalledWith(
      'Event is not an alarm change',
      expect.objectContaining({ error: reason }),
    );
    expect(started()).toHaveLength(0);
    logged.mockRestore();
  });
});

describe('one alarm change never starts two runs', () => {
  test('the same change again: already started', async () => {
    const event = alarmEvent({ playbook: 'dlq-redrive', metrics: [{ dimensions: { QueueName: 'q' } }] });
    await dispatch(event);
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const runId = runIdOf('vigil-dev-predictor-api-errors');
    expect(await dispatch(event)).toEqual([
      {
        outcome: 'already-started',
        alarm: 'vigil-dev-predictor-api-errors',
        playbook: 'dlq-redrive',
        runId,
        executionName: `dlq-redrive-${runId}`,
      },
    ]);
    const [first, second] = started();
    expect(second?.name).toBe(first?.name);
  });

  test('a later change of the same alarm is a new run', async () => {
    await dispatch(alarmEvent({ playbook: 'dlq-redrive', metrics: [{ dimensions: { QueueName: 'q' } }] }));
    const later = alarmEvent({ playbook: 'dlq-redrive', metrics: [{ dimensions: { QueueName: 'q' } }] });
    later.detail.state.timestamp = '2026-11-23T05:00:00.000+0000';
    await dispatch(later);
    const [first, second] = started();
    expect(second?.name).not.toBe(first?.name);
    expect(second?.input.episodeId).toBe('vigil-dev-predictor-api-errors/2026-11-23T05:00:00.000Z');
  });

  test('any other Step Functions error is thrown, so the event is retried', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('Rate exceeded'));
    await expect(dispatch(alarmEvent({ playbook: 'lambda-alias-rollback' }))).rejects.toThrow(
      'Rate exceeded',
    );
  });
});

describe("the alert's thread", () => {
  const alarm = 'vigil-dev-predictor-reopened-errors';
  const change = (state: 'OK' | 'ALARM', at: string, eventId: string) => ({
    eventId,
    state,
    previousState: state === 'ALARM' ? ('OK' as const) : ('ALARM' as const),
    at,
  });

  /** The enricher's record of an episode opened at 03:00 and resolved at 03:05. */
  async function resolvedEpisode(name: string): Promise<void> {
    const ref = { arn: alarmArn(name), name };
    await episodes.record(ref, change('ALARM', '2026-11-23T03:00:00.000Z', 'e-open'));
    await episodes.record(ref, change('OK', '2026-11-23T03:05:00.000Z', 'e-ok'));
  }

  test.each([
    ['before the enricher saw the change', false],
    ['after the enricher saw the change', true],
  ])('a re-opened episode reports in the thread it opened, %s', async (_case, enricherFirst) => {
    const name = `${alarm}-${enricherFirst}`;
    await resolvedEpisode(name);
    // Back in ALARM 7 minutes after the resolution: within the flap window, the same problem again.
    const event = alarmEvent({ name, playbook: 'lambda-alias-rollback' });
    if (enricherFirst) {
      await episodes.record(
        { arn: alarmArn(name), name },
        change('ALARM', '2026-11-23T03:12:00.000Z', event.id),
      );
    }
    await dispatch(event);
    expect(started()[0]?.input.episodeId).toBe(`${name}/2026-11-23T03:00:00.000Z`);
  });

  test('an alarm with no episode yet opens one named by the change', async () => {
    await dispatch(alarmEvent({ name: `${alarm}-new`, playbook: 'lambda-alias-rollback' }));
    expect(started()[0]?.input.episodeId).toBe(`${alarm}-new/${CHANGED_AT}`);
  });

  test.each([
    ['fails', () => Promise.reject(new Error('AccessDeniedException'))],
    ['hangs', () => new Promise<never>(() => {})],
  ])(
    'an episode read that %s does not stop the run: it reports in a thread of its own',
    async (_case, episodeOf) => {
      const withBrokenEpisodes = createDispatcher({
        stepFunctions: new SFNClient({ region: 'eu-west-1' }),
        config,
        episodes: { episodeOf },
        now: () => NOW,
      });
      const [outcome] = await withBrokenEpisodes(alarmEvent({ playbook: 'lambda-alias-rollback' }));
      expect(outcome?.outcome).toBe('started');
      expect(started()[0]?.input.episodeId).toBe(`vigil-dev-predictor-api-errors/${CHANGED_AT}`);
    },
  );
});

describe('environment', () => {
  const playbooks = JSON.stringify(config.playbooks);
  const episodeSettings = {
    EPISODE_TABLE_NAME: 'episodes',
    FLAP_TRANSITIONS: '4',
    FLAP_WINDOW_MINUTES: '30',
  };

  test('playbooks, the episodes, and the alias defaulting to live', () => {
    expect(readDispatcherConfig({ PLAYBOOKS: playbooks, ...episodeSettings })).toEqual(config);
    expect(readDispatcherConfig({ PLAYBOOKS: '{}', ALIAS_NAME: 'prod', ...episodeSettings })).toEqual({
      playbooks: {},
      aliasName: 'prod',
      episodes: config.episodes,
    });
  });

  test.each([
    ['missing', undefined, /PLAYBOOKS is required/],
    ['not JSON', 'not json', /PLAYBOOKS must be JSON mapping playbook ids to their settings/],
    [
      'an unknown playbook',
      '{"reboot":{}}',
      /must be keyed by playbook \(lambda-alias-rollback, lambda-concurrency, dlq-redrive\), not reboot/,
    ],
    [
      'not a state machine ARN',
      JSON.stringify({ 'dlq-redrive': { stateMachineArn: 'x', mode: 'enforce', approval: true } }),
      /PLAYBOOKS.dlq-redrive.stateMachineArn must be a Step Functions state machine ARN/,
    ],
    [
      'a bad mode and approval',
      JSON.stringify({ 'dlq-redrive': { stateMachineArn: machine('x'), mode: 'fix', approval: 'yes' } }),
      /mode .*; PLAYBOOKS.dlq-redrive.approval/,
    ],
  ])('PLAYBOOKS %s is refused, naming the problem', (_case, value, message) => {
    expect(() => readDispatcherConfig({ PLAYBOOKS: value, ...episodeSettings })).toThrow(message);
  });
});
