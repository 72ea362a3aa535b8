import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';

/**
 * The table a {@link DynamoDbTableMonitor} watches, and the thresholds of its alarms. Only the table is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface DynamoDbTableMonitorProps {
  /** The table to watch: a `Table`, a `TableV2`, or an imported table (then without capacity alarms). */
  readonly table: dynamodb.ITable;
  /** The table's name within its service. @default kebab-case of the table's construct id */
  readonly name?: string;
  /** The service the table belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /** Throttle events in five minutes that mean requests are being rejected. @default 1 */
  readonly throttleCount?: number;
  /** Alarm on throttling of the global secondary indexes too. @default true when the table has global secondary indexes */
  readonly indexThrottles?: boolean;
  /** DynamoDB-side errors (HTTP 500) in five minutes that mean the service is failing requests. @default 1 */
  readonly systemErrorCount?: number;
  /**
   * Consumed capacity, as a share of the capacity the table may use (provisioned units, the autoscaling
   * maximum, or the on-demand maximum throughput), at which throttling is near.
   * @default 0.8
   */
  readonly capacityShare?: number;
  /**
   * Alarm on the UserErrors metric. It has no TableName dimension: it counts the HTTP 400 responses of
   * every table and stream in the account and Region, so turn it on for one table monitor per account
   * and Region only.
   * @default false
   */
  readonly accountUserErrors?: boolean;
  /** Account-wide user errors in five minutes that mean some client sends invalid requests. @default 1 */
  readonly userErrorCount?: number;
  /** Overrides for this table's signals, keyed by signal; they win over the service's `dynamodb/<signal>` overrides. @default none */
  readonly overrides?: SignalOverrides<'dynamodb'>;
}

const FIVE_MINUTES = Duration.minutes(5);
const NAMESPACE = 'AWS/DynamoDB';

/** The most a table may consume of one kind of capacity per second, as its configuration says. */
interface CapacityLimit {
  /** Units per second; undefined when the configuration holds a value not known at synth. */
  readonly units?: number;
  /** Which setting the limit comes from, as a threshold reason names it. */
  readonly source: 'provisioned' | 'autoscaling maximum' | 'on-demand maximum';
}

interface TableCapacity {
  readonly read?: CapacityLimit;
  readonly write?: CapacityLimit;
}

/**
 * Alarms for one DynamoDB table: read and write throttling of the table (and of its global secondary
 * indexes), system errors, consumed capacity against what the table may consume when its
 * configuration caps it, and, for one table per account, the account-wide user errors. Index
 * throttles and system errors are Metrics Insights queries, which need no list of indexes or operations;
 * an account may hold 200 alarms on such queries per Region unless its quota is raised.
 */
export class DynamoDbTableMonitor extends ResourceMonitor<'dynamodb'> {
  private readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: DynamoDbTableMonitorProps) {
    super(scope, id, props, () => ({ kind: 'dynamodb', name: props.name ?? kebab(props.table.node.id) }));
    const { table } = props;
    this.table = table;

    // Read/WriteThrottleEvents carry the TableName dimension alone, one series for every operation and
    // split the way the remedy is (read or write capacity); ThrottledRequests exists only per Operation,
    // 14 series, more than an alarm's metric math may hold (10).
    const throttleCount = props.throttleCount ?? 1;
    for (const [kind, metricName] of [
      ['read', 'ReadThrottleEvents'],
      ['write', 'WriteThrottleEvents'],
    ] as const) {
      this.addAlarm({
        signal: `${kind}-throttles` as const,
        metric: this.table.metric(metricName, { period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: throttleCount,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary: `The table rejects ${kind}s for lack of capacity or on a hot partition; callers retry or fail.`,
        thresholdReason: `at least ${throttleCount} throttled ${kind} event(s)`,
      });
    }
    if (props.indexThrottles ?? hasGlobalSecondaryIndexes(table)) {
      for (const [kind, metricName] of [
        ['read', 'ReadThrottleEvents'],
        ['write', 'WriteThrottleEvents'],
      ] as const) {
        this.addAlarm({
          signal: `index-${kind}-throttles` as const,
          metric: this.insightsQuery(
            `SUM(${metricName})`,
            'GlobalSecondaryIndexName, TableName',
            `Index ${kind} throttles`,
          ),
          threshold: throttleCount,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          severity: 'warning',
          summary:
            kind === 'write'
              ? 'A global secondary index throttles writes; writes to the table itself are rejected too.'
              : 'A global secondary index rejects queries for lack of capacity or on a hot partition.',
          thresholdReason: `at least ${throttleCount} throttled ${kind} event(s) over all indexes`,
        });
      }
    }

    // SystemErrors exists only per Operation; one Metrics Insights query sums every operation.
    const systemErrorCount = props.systemErrorCount ?? 1;
    this.addAlarm({
      signal: 'system-errors',
      metric: this.insightsQuery('SUM(SystemErrors)', 'Operation, TableName', 'System errors'),
      threshold: systemErrorCount,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: 'DynamoDB fails requests to the table with internal errors; check the AWS Health Dashboard.',
      thresholdReason: `at least ${systemErrorCount} system error(s)`,
    });

    const share = props.capacityShare ?? 0.8;
    const capacity = tableCapacity(table);
    if (capacity.read) this.addCapacityAlarm('read', capacity.read, share);
    if (capacity.write) this.addCapacityAlarm('write', capacity.write, share);

    if (props.accountUserErrors ?? false) {
      const userErrorCount = props.userErrorCount ?? 1;
      this.addAlarm({
        signal: 'account-user-errors',
        metric: new cloudwatch.Metric({
          namespace: NAMESPACE,
          metricName: 'UserErrors',
          period: FIVE_MINUTES,
          statistic: 'Sum',
        }),
        threshold: userErrorCount,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary:
          'Some client in the account keeps sending invalid DynamoDB requests (validation, missing table, denied access).',
        thresholdReason: `at least ${userErrorCount} HTTP 400 error(s) over all tables of the account and Region`,
      });
    }
  }

  private addCapacityAlarm(kind: 'read' | 'write', limit: CapacityLimit, share: number): void {
    const unit = kind === 'read' ? 'RCU' : 'WCU';
    const capacityName = kind === 'read' ? 'Read' : 'Write';
    const consumed = this.table.metric(`Consumed${capacityName}CapacityUnits`, {
      period: FIVE_MINUTES,
      statistic: 'Sum',
    });
    const percent = Math.round(share * 100);
    const common = {
      signal: `${kind}-capacity`,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: `The table consumes nearly all the ${kind} capacity it may use; throttling is next.`,
    } as const;
    if (limit.units === undefined) {
      // The limit is not known at synth: compare with the provisioned capacity CloudWatch reports.
      this.addAlarm({
        ...common,
        metric: new cloudwatch.MathExpression({
          expression: '100 * (consumed / PERIOD(consumed)) / provisioned',
          usingMetrics: {
            consumed,
            provisioned: this.table.metric(`Provisioned${capacityName}CapacityUnits`, {
              period: FIVE_MINUTES,
              statistic: 'Average',
            }),
          },
          period: FIVE_MINUTES,
          label: `Consumed ${unit} (% of provisioned)`,
        }),
        threshold: percent,
        thresholdReason: `${percent}% of the provisioned ${unit} (not known at synth, read from Provisioned${capacityName}CapacityUnits)`,
        thresholdUnit: '%',
      });
      return;
    }
    this.addAlarm({
      ...common,
      // Sum over the period divided by its length in seconds is the average consumption per second.
      metric: new cloudwatch.MathExpression({
        expression: 'consumed / PERIOD(consumed)',
        usingMetrics: { consumed },
        period: FIVE_MINUTES,
        label: `Consumed ${unit} per second`,
      }),
      threshold: Math.round(limit.units * share * 100) / 100,
      thresholdReason: `${percent}% of ${describeLimit(limit.units, limit.source, unit)}`,
      thresholdUnit: `${unit}/s`,
    });
  }

  /** A Metrics Insights query over the table's series of one schema: it needs no list of indexes or operations. */
  private insightsQuery(select: string, schemaDimensions: string, label: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SELECT ${select} FROM SCHEMA("${NAMESPACE}", ${schemaDimensions}) WHERE TableName = '${this.table.tableName}'`,
      usingMetrics: {},
      period: FIVE_MINUTES,
      label,
    });
  }
}

function describeLimit(units: number, source: CapacityLimit['source'], unit: string): string {
  switch (source) {
    case 'provisioned':
      return `the ${units} provisioned ${unit}`;
    case 'autoscaling maximum':
      return `the autoscaling maximum of ${units} ${unit}`;
    case 'on-demand maximum':
      return `the on-demand maximum of ${units} ${unit === 'RCU' ? 'read' : 'write'} request units per second`;
  }
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && !Token.isUnresolved(value) ? value : undefined;
}

function hasGlobalSecondaryIndexes(table: dynamodb.ITable): boolean {
  const cfn = table.node.defaultChild;
  if (!(cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable)) return false;
  const indexes = Stack.of(table).resolve(cfn.globalSecondaryIndexes) as unknown[] | undefined;
  return (indexes?.length ?? 0) > 0;
}

/** What the table may consume per second, from its own configuration; nothing for an uncapped or imported table. */
function tableCapacity(table: dynamodb.ITable): TableCapacity {
  const cfn = table.node.defaultChild;
  if (cfn instanceof dynamodb.CfnTable) return tableV1Capacity(table, cfn);
  if (cfn instanceof dynamodb.CfnGlobalTable) return tableV2Capacity(table, cfn);
  return {};
}

function tableV1Capacity(table: dynamodb.ITable, cfn: dynamodb.CfnTable): TableCapacity {
  const stack = Stack.of(table);
  if (cfn.billingMode === 'PAY_PER_REQUEST') {
    const onDemand = stack.resolve(cfn.onDemandThroughput) as
      | { maxReadRequestUnits?: unknown; maxWriteRequestUnits?: unknown }
      | undefined;
    return {
      read: onDemandLimit(onDemand?.maxReadRequestUnits),
      write: onDemandLimit(onDemand?.maxWriteRequestUnits),
    };
  }
  const provisioned = stack.resolve(cfn.provisionedThroughput) as
    | { readCapacityUnits?: unknown; writeCapacityUnits?: unknown }
    | undefined;
  // Autoscaling moves the provisioned capacity; what matters is how close it runs to its maximum.
  const scalingMaximum = (dimension: string): CapacityLimit | undefined => {
    const target = table.node
      .findAll()
      .find(
        (child): child is appscaling.CfnScalableTarget =>
          child instanceof appscaling.CfnScalableTarget && child.scalableDimension === dimension,
      );
    return target && { units: numberOrUndefined(target.maxCapacity), source: 'autoscaling maximum' };
  };
  return {
    read: scalingMaximum('dynamodb:table:ReadCapacityUnits') ?? {
      units: numberOrUndefined(provisioned?.readCapacityUnits),
      source: 'provisioned',
    },
    write: scalingMaximum('dynamodb:table:WriteCapacityUnits') ?? {
      units: numberOrUndefined(provisioned?.writeCapacityUnits),
      source: 'provisioned',
    },
  };
}

interface GlobalTableReplica {
  readonly region?: unknown;
  readonly readProvisionedThroughputSettings?: {
    readonly readCapacityUnits?: unknown;
    readonly readCapacityAutoScalingSettings?: { readonly maxCapacity?: unknown };
  };
  readonly readOnDemandThroughputSettings?: { readonly maxReadRequestUnits?: unknown };
}

function tableV2Capacity(table: dynamodb.ITable, cfn: dynamodb.CfnGlobalTable): TableCapacity {
  const stack = Stack.of(table);
  // Metrics without a region are this stack's region's, so the replica there is the one watched.
  const region = JSON.stringify(stack.resolve(stack.region));
  const replicas = (stack.resolve(cfn.replicas) ?? []) as GlobalTableReplica[];
  const replica = replicas.find((candidate) => JSON.stringify(candidate.region) === region);
  if (cfn.billingMode === 'PROVISIONED') {
    const write = stack.resolve(cfn.writeProvisionedThroughputSettings) as
      | { writeCapacityAutoScalingSettings?: { maxCapacity?: unknown } }
      | undefined;
    const read = replica?.readProvisionedThroughputSettings;
    return {
      read: read?.readCapacityAutoScalingSettings
        ? {
            units: numberOrUndefined(read.readCapacityAutoScalingSettings.maxCapacity),
            source: 'autoscaling maximum',
          }
        : { units: numberOrUndefined(read?.readCapacityUnits), source: 'provisioned' },
      // TableV2 always autoscales provisioned writes.
      write: {
        units: numberOrUndefined(write?.writeCapacityAutoScalingSettings?.maxCapacity),
        source: 'autoscaling maximum',
      },
    };
  }
  const writeOnDemand = stack.resolve(cfn.writeOnDemandThroughputSettings) as
    | { maxWriteRequestUnits?: unknown }
    | undefined;
  return {
    read: onDemandLimit(replica?.readOnDemandThroughputSettings?.maxReadRequestUnits),
    write: onDemandLimit(writeOnDemand?.maxWriteRequestUnits),
  };
}

/** On-demand tables throttle only at a configured maximum; without one (or with -1, no maximum) there is no limit to near. */
function onDemandLimit(value: unknown): CapacityLimit | undefined {
  const units = numberOrUndefined(value);
  return units !== undefined && units > 0 ? { units, source: 'on-demand maximum' } : undefined;
}
