import { CLOUDWATCH_PRICES, monitoringCostOf } from '../../../constructs/monitoring/monitoring-cost';

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

  it('bills an anomaly-detection alarm as three metrics, a Metrics Insights query as one', () => {
    const cost = monitoringCostOf({
      Resources: {
        band: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            ThresholdMetricId: 'band',
            Metrics: [metric(), { Expression: 'ANOMALY_DETECTION_BAND(m, 3)' }],
          },
        },
        insights: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Metrics: [{ Expression: 'SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", TableName)' }],
          },
        },
      },
    });
    expect(cost.alarms).toBeCloseTo(0.3 + 0.1, 10);
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
