import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { DynamoDbTableMonitor } from '../../../constructs/monitoring/dynamodb-table-monitor';
import {
  ASSUMED_METRICS_PER_INSIGHTS_QUERY,
  CLOUDWATCH_PRICES,
  monitoringCostOf,
} from '../../../constructs/monitoring/monitoring-cost';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';

const metric = (period = 300) => ({ MetricStat: { Period: period } });

describe('monitoringCostOf', () => {
  it('bills each metric an alarm evaluates, high resolution at the higher rate', () => {
    const cost = monitoringCostOf({
      Resources: {
        single: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Period: 300 } },
        math: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { Metrics: [metric(), metric(), { Expression: 'a / b' }] },
        },
        fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Period: 10 } },
      },
    });
    expect(cost.alarms).toBeCloseTo(
      CLOUDWATCH_PRICES.alarmMetric * 3 + CLOUDWATCH_PRICES.highResolutionAlarmMetric,
      10,
    );
  });

  it('bills an anomaly-detection alarm as three metrics', () => {
    const cost = monitoringCostOf({
      Resources: {
        band: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            ThresholdMetricId: 'band',
            Metrics: [metric(), { Expression: 'ANOMALY_DETECTION_BAND(m, 3)' }],
          },
        },
      },
    });
    expect(cost.alarms).toBeCloseTo(0.3, 10);
  });

  // A query naming a table of the template synthesizes as an Fn::Join: it used to be priced at $0.
  const insightsAlarm = (select: string, schema: string) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      Metrics: [
        {
          Expression: {
            'Fn::Join': [
              '',
              [
                `SELECT ${select} FROM SCHEMA("AWS/DynamoDB", ${schema}) WHERE TableName = '`,
                { Ref: 'Orders' },
                "'",
              ],
            ],
          },
        },
      ],
    },
  });
  const table = {
    Type: 'AWS::DynamoDB::Table',
    Properties: { GlobalSecondaryIndexes: [{ IndexName: 'byCustomer' }, { IndexName: 'byDate' }] },
  };

  it('bills a Metrics Insights query alarm per metric it analyzes: one per index of the table it names', () => {
    const cost = monitoringCostOf({
      Resources: {
        Orders: table,
        indexThrottles: insightsAlarm('SUM(ReadThrottleEvents)', 'GlobalSecondaryIndexName, TableName'),
      },
    });
    expect(cost.alarms).toBeCloseTo(2 * CLOUDWATCH_PRICES.insightsAlarmMetricAnalyzed, 10);
  });

  it('assumes the metrics a query analyzes where the template cannot tell, and takes a better number', () => {
    const resources = {
      Orders: table,
      systemErrors: insightsAlarm('SUM(SystemErrors)', 'Operation, TableName'),
      literal: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Metrics: [{ Expression: 'SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", TableName)' }],
        },
      },
    };
    expect(monitoringCostOf({ Resources: resources }).alarms).toBeCloseTo(
      2 * ASSUMED_METRICS_PER_INSIGHTS_QUERY * CLOUDWATCH_PRICES.insightsAlarmMetricAnalyzed,
      10,
    );
    expect(monitoringCostOf({ Resources: resources }, { metricsPerInsightsQuery: 14 }).alarms).toBeCloseTo(
      2 * 14 * CLOUDWATCH_PRICES.insightsAlarmMetricAnalyzed,
      10,
    );
  });

  it('prices the Metrics Insights alarms of a DynamoDB table monitor, no longer at $0', () => {
    const stack = new Stack(new App(), 'Tables');
    const orders = new dynamodb.Table(stack, 'Orders', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    });
    orders.addGlobalSecondaryIndex({
      indexName: 'byCustomer',
      partitionKey: { name: 'c', type: dynamodb.AttributeType.STRING },
    });
    new DynamoDbTableMonitor(stack, 'Monitor', {
      table: orders,
      monitoring: new ServiceMonitoring(stack, 'M', { service: 'tables' }),
    });
    const template = Template.fromStack(stack).toJSON();
    // Four listed metrics (read and write throttles, read and write capacity of the provisioned table),
    // two index queries over its one index, one SystemErrors query over an assumed number of operations.
    expect(monitoringCostOf(template).alarms).toBeCloseTo(
      4 * CLOUDWATCH_PRICES.alarmMetric +
        (2 * 1 + ASSUMED_METRICS_PER_INSIGHTS_QUERY) * CLOUDWATCH_PRICES.insightsAlarmMetricAnalyzed,
      10,
    );
  });

  it('adds composite alarms, dashboards and log metric filters', () => {
    expect(
      monitoringCostOf({
        Resources: {
          health: { Type: 'AWS::CloudWatch::CompositeAlarm' },
          board: { Type: 'AWS::CloudWatch::Dashboard' },
          errors: { Type: 'AWS::Logs::MetricFilter', Properties: { MetricTransformations: [{}] } },
          bucket: { Type: 'AWS::S3::Bucket' },
        },
      }),
    ).toEqual({ alarms: 0.5, dashboards: 3, customMetrics: 0.3, total: 3.8 });
  });
});
