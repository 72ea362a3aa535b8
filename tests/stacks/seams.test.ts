import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../config/load-config';
import {
  type AlarmDescription,
  MAX_ALARM_DESCRIPTION_LENGTH,
  parseAlarmDescription,
  readAlarmDescription,
} from '../../constructs/contracts/alarm-description';
import { PLAYBOOK_IDS, type PlaybookId } from '../../constructs/contracts/remediation';
import { PlatformFunction } from '../../constructs/platform-function';
import { readEnricherConfig } from '../../lambda/alert-enricher/enricher-config';
import { readReportSettings } from '../../lambda/cost-report/report-settings';
import { readUpdaterSettings } from '../../lambda/dashboard-updater/updater-settings';
import { readPredictorApiConfig } from '../../lambda/predictor-api/predictor-api-config';
import { readApprovalConfig } from '../../lambda/remediation/approval/approval-config';
import { remediationTarget } from '../../lambda/remediation/dispatcher/dispatch';
import {
  type DispatcherConfig,
  readDispatcherConfig,
} from '../../lambda/remediation/dispatcher/dispatcher-config';
import { readEnvelopeConfig } from '../../lambda/remediation/envelope/envelope-config';
import { readScheduledQueryConfig } from '../../lambda/scheduled-query/scheduled-query-config';
import type { AlarmChange } from '../../lambda/shared/alarm-change';
import { parseAlarmEvent } from '../../lambda/shared/alarm-event';
import { readUploadScorerConfig } from '../../lambda/upload-scorer/upload-scorer-config';
import { deployedEnvironment, deployedValue } from '../../scripts/local-loop/deployed-values';
import { stateChange } from '../fixtures/aws/alarm-events';
import { coldStartModule } from '../lambda/support/cold-start';
import type { AlarmProperties, MetricQuery } from '../support/alarm-template';
import { vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

// Where one part of the app hands a value to another, checked on the shipped environments as
// `cdk synth -c env=<name>` builds them: alarm descriptions as the enricher reads them, alarms with a
// playbook as the dispatcher picks their target, and each function's environment as its handler's
// settings schema reads it. Template-only: references stand in as values of the kind CloudFormation
// gives them (scripts/local-loop/deployed-values.ts).

const ROOT = path.join(__dirname, '..', '..');

interface SynthesizedAlarm {
  readonly stack: Stack;
  readonly name: string;
  readonly composite: boolean;
  readonly properties: AlarmProperties;
  /** The AlarmDescription as deployed, references resolved. */
  readonly description: string | undefined;
}

interface SynthesizedFunction {
  readonly stack: Stack;
  readonly logicalId: string;
  readonly description: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The construct that made it, which records its handler's entry; undefined when none did. */
  readonly platform: PlatformFunction | undefined;
}

interface Environment {
  readonly alarms: readonly SynthesizedAlarm[];
  readonly functions: readonly SynthesizedFunction[];
  readonly remediation: Stack;
  readonly templates: ReadonlyMap<Stack, Template>;
}

function synthesize(name: 'dev' | 'prod'): Environment {
  const { app, stacks } = vigilStacks(
    loadConfig(name),
    { env: name, ...WITHOUT_BUNDLING },
    WITHOUT_CFN_VALIDATION,
  );
  const all = app.node.findAll().filter((construct): construct is Stack => Stack.isStack(construct));
  const templates = new Map(all.map((stack) => [stack, Template.fromStack(stack)]));
  const platforms = new Map(
    app.node
      .findAll()
      .filter((construct): construct is PlatformFunction => construct instanceof PlatformFunction)
      .map((platform) => {
        const stack = Stack.of(platform);
        const logicalId = stack.getLogicalId(platform.function.node.defaultChild as CfnElement);
        return [`${stack.stackName}/${logicalId}`, platform];
      }),
  );

  const alarms: SynthesizedAlarm[] = [];
  const functions: SynthesizedFunction[] = [];
  for (const [stack, template] of templates) {
    for (const [type, composite] of [
      ['AWS::CloudWatch::Alarm', false],
      ['AWS::CloudWatch::CompositeAlarm', true],
    ] as const) {
      for (const resource of Object.values(template.findResources(type))) {
        const properties = (resource as { Properties: AlarmProperties }).Properties;
        alarms.push({
          stack,
          name: deployedValue(properties.AlarmName, stack),
          composite,
          properties,
          description:
            properties.AlarmDescription === undefined
              ? undefined
              : deployedValue(properties.AlarmDescription, stack),
        });
      }
    }
    for (const [logicalId, resource] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      const properties = (resource as { Properties: Record<string, unknown> }).Properties;
      functions.push({
        stack,
        logicalId,
        description: String(properties.Description ?? ''),
        variables:
          (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
        platform: platforms.get(`${stack.stackName}/${logicalId}`),
      });
    }
  }
  return { alarms, functions, remediation: stacks.remediation, templates };
}

/** What Lambda itself sets in every Node.js function's environment (a selection the handlers may read). */
function lambdaRuntimeVariables(stack: Stack): Record<string, string> {
  const region = deployedValue({ Ref: 'AWS::Region' }, stack);
  return { AWS_REGION: region, AWS_DEFAULT_REGION: region, LAMBDA_TASK_ROOT: '/var/task', TZ: ':UTC' };
}

/**
 * The environment the function starts with: Lambda's variables and the template's, deployed, with
 * paths to files copied next to the bundle (`/var/task/<name>`) pointing at their source here.
 */
function functionEnvironment(fn: SynthesizedFunction): Record<string, string> {
  const env: Record<string, string> = {
    ...lambdaRuntimeVariables(fn.stack),
    AWS_LAMBDA_FUNCTION_NAME: deployedValue({ Ref: fn.logicalId }, fn.stack),
    ...deployedEnvironment(fn.variables, fn.stack),
  };
  for (const [name, value] of Object.entries(env)) {
    const copied = fn.platform?.bundledFiles.find(([, target]) => value === `/var/task/${target}`);
    if (copied) env[name] = path.join(ROOT, copied[0]);
  }
  return env;
}

/** How each handler reads its settings, by entry (relative to the project root). */
type SettingsReader =
  | { readonly reader: (env: NodeJS.ProcessEnv) => unknown }
  /** Reads them while its module loads: loaded as a cold start does, and must export a handler. */
  | { readonly coldStart: true };

const READERS: Readonly<Record<string, SettingsReader>> = {
  'lambda/alert-enricher/handler.ts': { reader: readEnricherConfig },
  'lambda/remediation/dispatcher/dispatcher-function.ts': { reader: readDispatcherConfig },
  'lambda/remediation/envelope/envelope-function.ts': { reader: readEnvelopeConfig },
  'lambda/upload-scorer/handler.ts': { reader: readUploadScorerConfig },
  'lambda/predictor-api/handler.ts': { reader: readPredictorApiConfig },
  'lambda/remediation/approval/approval-function.ts': { reader: readApprovalConfig },
  'lambda/remediation/playbook-function.ts': { coldStart: true },
  'lambda/firehose-redrive/redrive-function.ts': { coldStart: true },
  'lambda/cost-report/report-function.ts': { reader: readReportSettings },
  'lambda/scheduled-query/handler.ts': { reader: readScheduledQueryConfig },
  'lambda/dashboard-updater/handler.ts': { reader: readUpdaterSettings },
};

/** Why the function would not start with its deployed environment; undefined when it would. */
function settingsProblem(fn: SynthesizedFunction): string | undefined {
  if (fn.platform === undefined) return 'not a PlatformFunction, so no handler entry is recorded';
  const entry = path.relative(ROOT, fn.platform.entry).split(path.sep).join('/');
  const known = READERS[entry];
  if (known === undefined) return `no known settings reader for its entry ${entry}`;
  const env = functionEnvironment(fn);
  const saved = process.env;
  try {
    if ('reader' in known) {
      // The table must name the reader the entry calls, or this checks the wrong schema.
      const source = fs.readFileSync(fn.platform.entry, 'utf8');
      if (!source.includes(`${known.reader.name}(`)) return `${entry} does not call ${known.reader.name}`;
      known.reader(env);
    } else {
      const loaded = coldStartModule<{ handler?: unknown }>(fn.platform.entry, env);
      if (typeof loaded.handler !== 'function') return `${entry} exports no handler`;
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    process.env = saved;
  }
}

/** Why the text is not a Vigil description the enricher reads in full; undefined when it is. */
function descriptionProblem(text: string | undefined): string | undefined {
  if (text === undefined) return 'has no description';
  if (text.length > MAX_ALARM_DESCRIPTION_LENGTH)
    return `description is ${text.length} characters deployed, CloudWatch allows ${MAX_ALARM_DESCRIPTION_LENGTH}`;
  if (parseAlarmDescription(text) === undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return `description is not JSON: ${text.slice(0, 80)}`;
    }
    const reading = readAlarmDescription(json);
    return reading.ok
      ? 'description does not start with {"vigil":'
      : `description: ${reading.problems.join('; ')}`;
  }
  const vigil = parseAlarmDescription(text) as AlarmDescription;
  const blank = (['service', 'resource', 'signal', 'summary', 'threshold'] as const).filter(
    (field) => vigil[field].trim() === '',
  );
  return blank.length > 0 ? `description has a blank ${blank.join(', ')}` : undefined;
}

/**
 * The alarm's metrics as EventBridge's "CloudWatch Alarm State Change" describes them
 * (`detail.configuration.metrics`): a single-metric alarm's one metric under a generated id, a metric
 * math alarm's `Metrics` entry by entry.
 */
function eventMetrics(alarm: SynthesizedAlarm): unknown[] {
  const { properties, stack } = alarm;
  const text = (value: unknown) => (value === undefined ? undefined : deployedValue(value, stack));
  const dimensions = (list: { Name: string; Value: unknown }[] | undefined) =>
    Object.fromEntries((list ?? []).map((dimension) => [dimension.Name, text(dimension.Value)]));
  if (properties.Metrics === undefined) {
    return [
      definedOnly({
        id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
        metricStat: definedOnly({
          metric: {
            namespace: properties.Namespace,
            name: properties.MetricName,
            dimensions: dimensions(properties.Dimensions as { Name: string; Value: unknown }[] | undefined),
          },
          period: properties.Period,
          stat: properties.Statistic ?? properties.ExtendedStatistic,
          unit: properties.Unit,
        }),
        returnData: true,
      }),
    ];
  }
  return properties.Metrics.map((query: MetricQuery & { MetricStat?: { Unit?: string } }) =>
    definedOnly({
      id: query.Id,
      expression: text(query.Expression),
      label: text(query.Label),
      returnData: query.ReturnData,
      period: query.Period,
      metricStat:
        query.MetricStat &&
        definedOnly({
          metric: {
            namespace: query.MetricStat.Metric.Namespace,
            name: query.MetricStat.Metric.MetricName,
            dimensions: dimensions(query.MetricStat.Metric.Dimensions),
          },
          period: query.MetricStat.Period,
          stat: query.MetricStat.Stat,
          unit: query.MetricStat.Unit,
        }),
    }),
  );
}

/** The change the dispatcher receives when the alarm goes into ALARM: AWS's documented sample, this alarm's. */
function alarmChange(alarm: SynthesizedAlarm): AlarmChange {
  const account = deployedValue({ Ref: 'AWS::AccountId' }, alarm.stack);
  const region = deployedValue({ Ref: 'AWS::Region' }, alarm.stack);
  const sample = stateChange(
    alarm.properties.Metrics === undefined ? 'singleMetricAlarm' : 'metricMathAlarm',
  );
  const event = {
    ...sample,
    account,
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarm.name}`],
    detail: {
      ...sample.detail,
      alarmName: alarm.name,
      configuration: { description: alarm.description, metrics: eventMetrics(alarm) },
    },
  };
  const [parsed, ...more] = parseAlarmEvent(event);
  if (parsed === undefined || more.length > 0 || !parsed.ok) {
    throw new Error(`${alarm.name}: the alarm's state change does not parse: ${JSON.stringify(parsed)}`);
  }
  return parsed.change;
}

/** Why the dispatcher would not start the alarm's playbook on its target; undefined when it would. */
function dispatchProblem(
  alarm: SynthesizedAlarm,
  environment: Environment,
  dispatcher: DispatcherConfig,
): string | undefined {
  if (alarm.composite) return 'a composite alarm has no metrics to name a target';
  if (alarm.stack.region !== environment.remediation.region) {
    return `its stack ${alarm.stack.stackName} is in ${alarm.stack.region}, the dispatcher in ${environment.remediation.region}`;
  }
  const change = alarmChange(alarm);
  const named = change.vigil?.playbook;
  if (named === undefined) return 'the dispatcher reads no playbook from its state change';
  if (!(PLAYBOOK_IDS as readonly string[]).includes(named)) return `playbook ${named} is not one Vigil knows`;
  const playbook = named as PlaybookId;
  if (dispatcher.playbooks[playbook] === undefined) return `playbook ${playbook} is not deployed here`;
  const aliasName = change.vigil?.alias ?? dispatcher.aliasName;
  const found = remediationTarget(playbook, change, aliasName);
  if ('reason' in found) return found.reason;
  const { target } = found;
  switch (target.kind) {
    case 'lambda-alias': {
      if (target.aliasName !== (change.vigil?.alias ?? 'live'))
        return `rolls back alias ${target.aliasName}, the description names ${change.vigil?.alias ?? 'none (live)'}`;
      if (
        !hasResource(environment, 'AWS::Lambda::Alias', (properties, stack) => {
          const fn = deployedValue(properties.FunctionName, stack);
          return (
            properties.Name === target.aliasName &&
            (fn === target.functionName || fn.endsWith(`:function:${target.functionName}`))
          );
        })
      )
        return `function ${target.functionName} has no alias ${target.aliasName} in the app`;
      return undefined;
    }
    case 'lambda-function':
      return hasFunction(environment, target.functionName)
        ? undefined
        : `targets function ${target.functionName}, which the app does not deploy`;
    case 'sqs-queue':
      return hasResource(
        environment,
        'AWS::SQS::Queue',
        (_properties, stack, id) =>
          deployedValue({ 'Fn::GetAtt': [id, 'QueueName'] }, stack) === target.queueName,
      )
        ? undefined
        : `targets queue ${target.queueName}, which the app does not deploy`;
  }
}

/** The one function of the app whose handler is `entry` (relative to the project root). */
function onlyFunction(environment: Environment, entry: string): SynthesizedFunction {
  const found = environment.functions.filter((fn) => fn.platform?.entry === path.join(ROOT, entry));
  if (found.length !== 1 || found[0] === undefined)
    throw new Error(`expected one function of ${entry}, found ${found.length}`);
  return found[0];
}

function hasFunction(environment: Environment, functionName: string): boolean {
  return environment.functions.some((fn) => deployedValue({ Ref: fn.logicalId }, fn.stack) === functionName);
}

function hasResource(
  environment: Environment,
  type: string,
  matches: (properties: Record<string, unknown>, stack: Stack, logicalId: string) => boolean,
): boolean {
  for (const [stack, template] of environment.templates) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      if (matches((resource as { Properties: Record<string, unknown> }).Properties, stack, id)) return true;
    }
  }
  return false;
}

function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

const saved = process.env;
afterEach(() => {
  process.env = saved;
});

describe.each(['dev', 'prod'] as const)('the shipped %s app', (name) => {
  const environment = synthesize(name);
  const metricAlarms = environment.alarms.filter((alarm) => !alarm.composite);
  const playbookAlarms = environment.alarms.filter(
    (alarm) => parseAlarmDescription(alarm.description)?.playbook !== undefined,
  );

  it('has alarms of both kinds, some with a playbook, and functions to check', () => {
    expect(metricAlarms.length).toBeGreaterThan(50);
    expect(environment.alarms.length - metricAlarms.length).toBeGreaterThan(0);
    expect(playbookAlarms.length).toBeGreaterThan(0);
    expect(environment.functions.length).toBeGreaterThan(5);
  });

  it('describes every alarm in JSON the enricher reads: service, signal, severity, summary', () => {
    const problems = environment.alarms.flatMap((alarm) => {
      const problem = descriptionProblem(alarm.description);
      return problem === undefined ? [] : [`${alarm.name}: ${problem}`];
    });
    // On failure the list names each alarm and what is wrong with its description.
    expect(problems).toEqual([]);
  });

  it('names in descriptions only log groups and composite alarms the app deploys', () => {
    const logGroups = new Set(
      [...environment.templates].flatMap(([stack, template]) =>
        Object.keys(template.findResources('AWS::Logs::LogGroup')).map((id) =>
          deployedValue({ Ref: id }, stack),
        ),
      ),
    );
    const composites = new Set(
      environment.alarms.filter((alarm) => alarm.composite).map((alarm) => alarm.name),
    );
    const problems = environment.alarms.flatMap((alarm) => {
      const vigil = parseAlarmDescription(alarm.description);
      return [
        ...(vigil?.logGroup !== undefined && !logGroups.has(vigil.logGroup)
          ? [
              `${alarm.name}: the enricher would search log group ${vigil.logGroup}, which the app does not deploy`,
            ]
          : []),
        ...(vigil?.partOf !== undefined && !composites.has(vigil.partOf)
          ? [`${alarm.name}: part of ${vigil.partOf}, which is no composite alarm of the app`]
          : []),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('gives the enricher the same description through the alarm’s state change', () => {
    const problems = metricAlarms.flatMap((alarm) => {
      const change = alarmChange(alarm);
      const expected = parseAlarmDescription(alarm.description);
      return JSON.stringify(change.vigil) === JSON.stringify(expected)
        ? []
        : [`${alarm.name}: read as ${JSON.stringify(change.vigil)}`];
    });
    expect(problems).toEqual([]);
  });

  it('gives the dispatcher a target for every alarm that names a playbook', () => {
    const dispatcher = readDispatcherConfig(
      functionEnvironment(onlyFunction(environment, 'lambda/remediation/dispatcher/dispatcher-function.ts')),
    );
    const problems = playbookAlarms.flatMap((alarm) => {
      const problem = dispatchProblem(alarm, environment, dispatcher);
      return problem === undefined ? [] : [`${alarm.name}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it('tells functions that work together the same playbooks, episodes, topics and approval settings', () => {
    const envOf = (entry: string) => functionEnvironment(onlyFunction(environment, entry));
    const enricher = readEnricherConfig(envOf('lambda/alert-enricher/handler.ts'));
    const dispatcher = readDispatcherConfig(envOf('lambda/remediation/dispatcher/dispatcher-function.ts'));
    const envelope = readEnvelopeConfig(envOf('lambda/remediation/envelope/envelope-function.ts'));
    const approval = envOf('lambda/remediation/approval/approval-function.ts');
    // The alert tells on-call how the dispatcher will run each playbook.
    expect(enricher.remediationPlaybooks).toEqual(
      Object.fromEntries(
        Object.entries(dispatcher.playbooks).map(([id, { mode, approval: approved }]) => [
          id,
          { mode, approval: approved },
        ]),
      ),
    );
    // The dispatcher finds the alert's thread in the enricher's episodes, as the enricher counts flaps.
    expect(dispatcher.episodes).toEqual({
      tableName: enricher.episodeTableName,
      flapTransitions: enricher.flapTransitions,
      flapWindowMinutes: enricher.flapWindowMinutes,
    });
    // Remediation reports go to the severity topics the alerts went to.
    expect(envelope.topics).toEqual(
      Object.fromEntries(
        Object.entries(enricher.destinations).map(([severity, destination]) => [
          severity,
          destination.topicArn,
        ]),
      ),
    );
    // The approval function checks the links the envelope signs, against the runs it records.
    expect({ secret: approval.APPROVAL_SECRET_ARN, ledger: approval.LEDGER_TABLE_NAME }).toEqual({
      secret: envelope.approvalSecretArn,
      ledger: envelope.ledgerTableName,
    });
  });

  it('deploys every function with an environment its handler’s settings schema accepts', () => {
    // CDK's own BucketDeployment provider (aws-cdk-lib's code, a singleton per stack) deploys the
    // upload site's files and config.json; it has no settings of Vigil's to check.
    const vigils = environment.functions.filter(
      (fn) => !fn.logicalId.startsWith('CustomCDKBucketDeployment'),
    );
    expect(vigils.length).toBeGreaterThan(environment.functions.length - 3);
    const problems = vigils.flatMap((fn) => {
      const problem = settingsProblem(fn);
      return problem === undefined
        ? []
        : [`${fn.stack.stackName}/${fn.logicalId} (${fn.description}): ${problem}`];
    });
    expect(problems).toEqual([]);
  });
});
