import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient, ListFunctionsCommand, ListTagsCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type AppCatalog,
  selectFunctions,
  synthesizeCatalog,
  unknownName,
  validNames,
} from '../../../scripts/logs/app-catalog';
import { runLogsCommand } from '../../../scripts/logs/logs-command';

// One synthesis of the shipped dev app for the file: the names come from it, not from a copy.
let catalog: AppCatalog;
beforeAll(() => {
  catalog = synthesizeCatalog('dev');
}, 120_000);

describe('names from the synthesized app', () => {
  test('a service is every function of its stack: predictor is the upload scorer and the API', () => {
    expect(selectFunctions(catalog, 'predictor')).toEqual([
      expect.objectContaining({
        id: 'upload-scorer',
        powertoolsService: 'predictor-upload-scorer',
        services: ['predictor'],
        stackName: 'vigil-dev-predictor',
        logicalId: expect.stringMatching(/^UploadScorerFunction[0-9A-F]{8}$/),
        description: expect.any(String),
        // As the local loop deploys `LoggingConfig.LogGroup`: the function's own log group.
        localLogGroup: expect.stringMatching(/^vigil-dev-predictor-UploadScorerLogs[0-9A-F]{8}-/),
      }),
      expect.objectContaining({
        id: 'api',
        powertoolsService: 'predictor-api',
        logicalId: expect.stringMatching(/^ApiFunction[0-9A-F]{8}$/),
        localLogGroup: expect.stringMatching(/^vigil-dev-predictor-ApiLogs[0-9A-F]{8}-/),
      }),
    ]);
    expect(
      selectFunctions(catalog, 'remediation')
        ?.map((fn) => fn.id)
        .sort(),
    ).toEqual([
      'approval',
      'dispatcher',
      'dlq-redrive',
      'envelope',
      'lambda-alias-rollback',
      'lambda-concurrency',
    ]);
  });

  test('a function by its construct id in kebab case or by its Powertools service name', () => {
    expect(selectFunctions(catalog, 'upload-scorer')?.map((fn) => fn.logicalId)).toEqual(
      selectFunctions(catalog, 'predictor-upload-scorer')?.map((fn) => fn.logicalId),
    );
    expect(selectFunctions(catalog, 'enricher')).toEqual([
      expect.objectContaining({ stackName: 'vigil-dev-alerting', services: ['alerting'] }),
    ]);
    expect(selectFunctions(catalog, 'UploadScorer')).toBeUndefined();
  });

  test('every function has the description the deployed lookup matches on, and distinct ones per stack', () => {
    for (const fn of catalog.functions) expect(fn.description).toEqual(expect.any(String));
    const keys = catalog.functions.map((fn) => `${fn.stackName} ${fn.description}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('an unknown name lists the services and function names there are', () => {
    expect(validNames(catalog).services).toEqual([
      'alerting',
      'cost',
      'dashboards',
      'log-archive',
      'predictor',
      'remediation',
    ]);
    const error = unknownName(catalog, 'predicter');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      /^"predicter" is no service or function of the dev app; services: alerting, cost, dashboards, log-archive, predictor, remediation; functions: .*\bupload-scorer\b/,
    );
    expect(error.message).toContain('predictor-api');
  });
});

describe('npm run logs -- predictor, resolved through the synthesized app', () => {
  const logs = mockClient(CloudWatchLogsClient);
  const lambda = mockClient(LambdaClient);
  afterAll(() => {
    logs.restore();
    lambda.restore();
  });

  test('both predictor functions are found by description and CloudFormation tags, and both groups read', async () => {
    const predictor = selectFunctions(catalog, 'predictor') ?? [];
    const deployed = predictor.map((fn) => {
      const name = `${fn.stackName}-${fn.logicalId.slice(0, 20)}-Q1w2E3r4T5y6`;
      return {
        fn,
        configuration: {
          FunctionName: name,
          FunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
          Description: fn.description,
          LoggingConfig: { LogFormat: 'JSON' as const, LogGroup: `${fn.stackName}-${fn.id}-logs-Z9x8C7v6` },
        },
      };
    });
    lambda.on(ListFunctionsCommand).resolves({ Functions: deployed.map((entry) => entry.configuration) });
    lambda.on(ListTagsCommand).callsFake((input: { Resource: string }) => {
      const entry = deployed.find((candidate) => candidate.configuration.FunctionArn === input.Resource);
      return {
        Tags: {
          'aws:cloudformation:stack-name': entry?.fn.stackName,
          'aws:cloudformation:logical-id': entry?.fn.logicalId,
        },
      };
    });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const err: string[] = [];
    const code = await runLogsCommand(['predictor'], {
      stdout: () => undefined,
      stderr: (text) => err.push(text),
      color: false,
      catalog: () => catalog,
      logs: () => new CloudWatchLogsClient({ region: 'eu-west-1' }),
      lambda: () => new LambdaClient({ region: 'eu-west-1' }),
    });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(
      logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.logGroupIdentifier),
    ).toEqual([
      'arn:aws:logs:eu-west-1:123456789012:log-group:vigil-dev-predictor-upload-scorer-logs-Z9x8C7v6',
      'arn:aws:logs:eu-west-1:123456789012:log-group:vigil-dev-predictor-api-logs-Z9x8C7v6',
    ]);
  });
});
