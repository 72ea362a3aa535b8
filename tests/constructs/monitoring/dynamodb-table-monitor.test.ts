import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import {
  DynamoDbTableMonitor,
  type DynamoDbTableMonitorProps,
} from '../../../constructs/monitoring/dynamodb-table-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { type AlarmProperties, alarmsByName, query, returnedQuery, tag } from '../../support/alarm-template';

const partitionKey = { name: 'pk', type: dynamodb.AttributeType.STRING };

function signals(alarms: Map<string, AlarmProperties>, prefix: string): string[] {
  return [...alarms.keys()].map((name) => name.slice(prefix.length)).sort();
}

function synthAlarms(
  build: (stack: Stack) => Partial<DynamoDbTableMonitorProps> & Pick<DynamoDbTableMonitorProps, 'table'>,
  overrides?: ConstructorParameters<typeof ServiceMonitoring>[2]['overrides'],
) {
  const app = new App();
  const stack = new Stack(app, 'Shop');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop', overrides });
  const monitor = new DynamoDbTableMonitor(stack, 'Monitor', { monitoring, name: 't', ...build(stack) });
  return { alarms: alarmsByName(Template.fromStack(stack)), monitor };
}

describe('DynamoDbTableMonitor on a provisioned table with an index and write autoscaling', () => {
  const app = new App();
  const stack = new Stack(app, 'Orders');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'orders',
    routing: routeToTopics({ high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const table = new dynamodb.Table(stack, 'OrdersTable', {
    partitionKey,
    billingMode: dynamodb.BillingMode.PROVISIONED,
    readCapacity: 10,
    writeCapacity: 5,
  });
  table.addGlobalSecondaryIndex({
    indexName: 'byCustomer',
    partitionKey: { name: 'customer', type: dynamodb.AttributeType.STRING },
  });
  table.autoScaleWriteCapacity({ minCapacity: 5, maxCapacity: 50 });
  const monitor = new DynamoDbTableMonitor(stack, 'TableMonitor', { table, monitoring });
  const alarms = alarmsByName(Template.fromStack(stack));
  const name = (signal: string) => `vigil-orders-orders-table-${signal}`;
  const tableDimensions = [{ Name: 'TableName', Value: stack.resolve(table.tableName) }];

  it('makes every signal the table has, named after the construct id, and reports them all', () => {
    expect(signals(alarms, name(''))).toEqual([
      'index-read-throttles',
      'index-write-throttles',
      'read-capacity',
      'read-throttles',
      'system-errors',
      'write-capacity',
      'write-throttles',
    ]);
    expect(monitor.alarms).toHaveLength(7);
    expect(monitoring.createdAlarms()).toHaveLength(7);
  });

  it.each([
    ['read-throttles', 'ReadThrottleEvents'],
    ['write-throttles', 'WriteThrottleEvents'],
  ])('%s: %s of the table, Sum over five minutes, in 2 of 3 periods, as a warning', (signal, metricName) => {
    const alarm = alarms.get(name(signal));
    expect(alarm).toMatchObject({
      Namespace: 'AWS/DynamoDB',
      MetricName: metricName,
      Dimensions: tableDimensions,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it('sums the throttles of every index with one Metrics Insights query', () => {
    const alarm = alarms.get(name('index-write-throttles'));
    expect(returnedQuery(alarm)).toEqual({
      Id: 'expr_1',
      Label: 'Index write throttles',
      Period: 300,
      ReturnData: true,
      Expression: {
        'Fn::Join': [
          '',
          [
            `SELECT SUM(WriteThrottleEvents) FROM SCHEMA("AWS/DynamoDB", GlobalSecondaryIndexName, TableName) WHERE TableName = '`,
            stack.resolve(table.tableName),
            `'`,
          ],
        ],
      },
    });
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  });

  it('sums SystemErrors over every operation with one Metrics Insights query, as high', () => {
    const alarm = alarms.get(name('system-errors'));
    expect(returnedQuery(alarm)?.Expression).toEqual({
      'Fn::Join': [
        '',
        [
          `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = '`,
          stack.resolve(table.tableName),
          `'`,
        ],
      ],
    });
    expect(returnedQuery(alarm)?.Period).toBe(300);
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
  });

  it('compares consumed read units per second with 80% of the provisioned read capacity', () => {
    const alarm = alarms.get(name('read-capacity'));
    expect(returnedQuery(alarm)?.Expression).toBe('consumed / PERIOD(consumed)');
    expect(query(alarm, 'consumed')?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'ConsumedReadCapacityUnits',
        Dimensions: tableDimensions,
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(alarm).toMatchObject({
      Threshold: 8,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it('compares consumed write units with 80% of the autoscaling maximum, not the initial capacity', () => {
    const alarm = alarms.get(name('write-capacity'));
    expect(query(alarm, 'consumed')?.MetricStat?.Metric.MetricName).toBe('ConsumedWriteCapacityUnits');
    expect(alarm?.Threshold).toBe(40);
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)).toEqual({
      vigil: 1,
      service: 'orders',
      resource: 'orders-table',
      signal: 'write-capacity',
      severity: 'warning',
      summary: 'The table consumes nearly all the write capacity it may use; throttling is next.',
      threshold: '80% of the autoscaling maximum of 50 WCU, in 3 consecutive five-minute periods',
      runbook: 'https://runbooks.example.org/vigil/dynamodb-write-capacity',
    });
  });

  it.each([
    ['read-throttles', 'at least 1 throttled read event(s), in 2 of 3 five-minute periods'],
    [
      'index-write-throttles',
      'at least 1 throttled write event(s) over all indexes, in 2 of 3 five-minute periods',
    ],
    ['system-errors', 'at least 1 system error(s), in 2 of 3 five-minute periods'],
  ])('explains the %s threshold and says when it fires: %s', (signal, threshold) => {
    expect(parseAlarmDescription(alarms.get(name(signal))?.AlarmDescription as string)?.threshold).toBe(
      threshold,
    );
  });

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    const highRef = [stack.resolve(high.topicArn)];
    const warningRef = [stack.resolve(warning.topicArn)];
    expect(alarms.get(name('system-errors'))).toMatchObject({ AlarmActions: highRef, OKActions: highRef });
    expect(alarms.get(name('read-throttles'))).toMatchObject({
      AlarmActions: warningRef,
      OKActions: warningRef,
    });
  });
});

describe('DynamoDbTableMonitor capacity thresholds', () => {
  it('derives different thresholds from different provisioned capacities', () => {
    const small = synthAlarms((stack) => ({
      table: new dynamodb.Table(stack, 'T', { partitionKey, readCapacity: 5, writeCapacity: 2 }),
    }));
    const large = synthAlarms((stack) => ({
      table: new dynamodb.Table(stack, 'T', { partitionKey, readCapacity: 200, writeCapacity: 50 }),
    }));
    expect(small.alarms.get('vigil-shop-t-read-capacity')?.Threshold).toBe(4);
    expect(small.alarms.get('vigil-shop-t-write-capacity')?.Threshold).toBe(1.6);
    expect(large.alarms.get('vigil-shop-t-read-capacity')?.Threshold).toBe(160);
    expect(large.alarms.get('vigil-shop-t-write-capacity')?.Threshold).toBe(40);
    expect(
      parseAlarmDescription(large.alarms.get('vigil-shop-t-read-capacity')?.AlarmDescription as string)
        ?.threshold,
    ).toBe('80% of the 200 provisioned RCU, in 3 consecutive five-minute periods');
  });

  it('has no capacity alarms for an on-demand table, and none for the index it does not have', () => {
    const { alarms } = synthAlarms((stack) => ({
      table: new dynamodb.Table(stack, 'T', {
        partitionKey,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      }),
    }));
    expect(signals(alarms, 'vigil-shop-t-')).toEqual(['read-throttles', 'system-errors', 'write-throttles']);
  });

  it('watches an on-demand table against its maximum throughput when one is set', () => {
    const { alarms } = synthAlarms((stack) => ({
      table: new dynamodb.Table(stack, 'T', {
        partitionKey,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        maxReadRequestUnits: 500,
      }),
    }));
    expect(alarms.has('vigil-shop-t-write-capacity')).toBe(false);
    const alarm = alarms.get('vigil-shop-t-read-capacity');
    expect(alarm?.Threshold).toBe(400);
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)?.threshold).toBe(
      '80% of the on-demand maximum of 500 read request units per second, in 3 consecutive five-minute periods',
    );
  });

  it('reads a TableV2’s fixed read capacity from its replica here and its write autoscaling maximum', () => {
    const { alarms } = synthAlarms((stack) => ({
      table: new dynamodb.TableV2(stack, 'T', {
        partitionKey,
        billing: dynamodb.Billing.provisioned({
          readCapacity: dynamodb.Capacity.fixed(25),
          writeCapacity: dynamodb.Capacity.autoscaled({ maxCapacity: 30 }),
        }),
      }),
    }));
    expect(alarms.get('vigil-shop-t-read-capacity')?.Threshold).toBe(20);
    expect(alarms.get('vigil-shop-t-write-capacity')?.Threshold).toBe(24);
  });

  it('compares with the ProvisionedReadCapacityUnits metric when the capacity is not known at synth', () => {
    const { alarms } = synthAlarms((stack) => {
      const table = new dynamodb.Table(stack, 'T', { partitionKey });
      const rcu = new CfnParameter(stack, 'Rcu', { type: 'Number' }).valueAsNumber;
      (table.node.defaultChild as dynamodb.CfnTable).provisionedThroughput = {
        readCapacityUnits: rcu,
        writeCapacityUnits: 5,
      };
      return { table };
    });
    const alarm = alarms.get('vigil-shop-t-read-capacity');
    expect(returnedQuery(alarm)?.Expression).toBe('100 * (consumed / PERIOD(consumed)) / provisioned');
    expect(query(alarm, 'provisioned')?.MetricStat).toMatchObject({
      Metric: { MetricName: 'ProvisionedReadCapacityUnits' },
      Stat: 'Average',
      Period: 300,
    });
    expect(alarm?.Threshold).toBe(80);
    expect(alarms.get('vigil-shop-t-write-capacity')?.Threshold).toBe(4);
  });

  it('changes only the alarm whose threshold is overridden', () => {
    const build = (stack: Stack) => new dynamodb.Table(stack, 'T', { partitionKey, readCapacity: 10 });
    const defaults = synthAlarms((stack) => ({ table: build(stack) })).alarms;
    const tuned = synthAlarms((stack) => ({ table: build(stack), capacityShare: 0.5 })).alarms;
    expect(tuned.get('vigil-shop-t-read-capacity')?.Threshold).toBe(5);
    expect(tuned.get('vigil-shop-t-write-capacity')?.Threshold).toBe(2.5);
    for (const signal of ['read-throttles', 'write-throttles', 'system-errors']) {
      expect(tuned.get(`vigil-shop-t-${signal}`)).toEqual(defaults.get(`vigil-shop-t-${signal}`));
    }
  });
});

describe('DynamoDbTableMonitor switches', () => {
  const onDemand = (stack: Stack) =>
    new dynamodb.Table(stack, 'T', { partitionKey, billingMode: dynamodb.BillingMode.PAY_PER_REQUEST });

  it('drops a signal a team switched off for the service', () => {
    const { alarms, monitor } = synthAlarms((stack) => ({ table: onDemand(stack) }), {
      'dynamodb/read-throttles': { enabled: false },
      'dynamodb/system-errors': { severity: 'critical' },
    });
    expect(signals(alarms, 'vigil-shop-t-')).toEqual(['system-errors', 'write-throttles']);
    expect(monitor.alarms).toHaveLength(2);
    expect(tag(alarms.get('vigil-shop-t-system-errors'), 'vigil:severity')).toBe('critical');
  });

  it('alarms on the account-wide UserErrors, which has no TableName dimension, only when asked', () => {
    const { alarms } = synthAlarms((stack) => ({ table: onDemand(stack), accountUserErrors: true }));
    const alarm = alarms.get('vigil-shop-t-account-user-errors');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/DynamoDB',
      MetricName: 'UserErrors',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm?.Dimensions).toBeUndefined();
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)?.threshold).toBe(
      'at least 1 HTTP 400 error(s) over all tables of the account and Region, in 3 consecutive five-minute periods',
    );
    expect(
      synthAlarms((stack) => ({ table: onDemand(stack) })).alarms.has('vigil-shop-t-account-user-errors'),
    ).toBe(false);
  });

  it('watches an imported table for throttles and errors only, named after its construct id', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    new DynamoDbTableMonitor(stack, 'Monitor', {
      table: dynamodb.Table.fromTableName(stack, 'LegacyTable', 'legacy'),
    });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect(signals(alarms, 'vigil-shop-legacy-table-')).toEqual([
      'read-throttles',
      'system-errors',
      'write-throttles',
    ]);
    expect(alarms.get('vigil-shop-legacy-table-read-throttles')?.Dimensions).toEqual([
      { Name: 'TableName', Value: 'legacy' },
    ]);
  });

  it('leaves the index throttles out when asked, even for a table with indexes', () => {
    const { alarms } = synthAlarms((stack) => {
      const table = onDemand(stack);
      table.addGlobalSecondaryIndex({
        indexName: 'byCustomer',
        partitionKey: { name: 'x', type: dynamodb.AttributeType.STRING },
      });
      return { table, indexThrottles: false };
    });
    expect(signals(alarms, 'vigil-shop-t-')).toEqual(['read-throttles', 'system-errors', 'write-throttles']);
  });
});
