// Alarm state change events exactly as AWS documents them, for tests that must hold against what
// CloudWatch really sends rather than against the project's own fixtures.
//
// Source: Amazon CloudWatch User Guide, "Alarm events and EventBridge" (cloudwatch-and-eventbridge),
// section "Sample events from CloudWatch". Copied verbatim; only the TypeScript quoting differs.

/** "State change for a single-metric alarm": the metric's `id` is a generated UUID, not `m1`. */
export const documentedSingleMetricAlarmEvent = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2019-10-02T17:04:40Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'],
  detail: {
    alarmName: 'ServerCpuTooHigh',
    configuration: {
      description: 'Goes into alarm when server CPU utilization is too high!',
      metrics: [
        {
          id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
          metricStat: {
            metric: {
              dimensions: {
                InstanceId: 'i-12345678901234567',
              },
              name: 'CPUUtilization',
              namespace: 'AWS/EC2',
            },
            period: 300,
            stat: 'Average',
          },
          returnData: true,
        },
      ],
    },
    previousState: {
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).',
      reasonData:
        '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000","startDate":"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[0.0666851903306472],"threshold":50.0}',
      timestamp: '2019-10-01T13:56:40.987+0000',
      value: 'OK',
    },
    state: {
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData:
        '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}',
      timestamp: '2019-10-02T17:04:40.989+0000',
      value: 'ALARM',
    },
  },
} as const;

/** "State change for a metric math alarm": ids chosen by the alarm's author (`e1`, `m1`, `m2`). */
export const documentedMetricMathAlarmEvent = {
  version: '0',
  id: '2dde0eb1-528b-d2d5-9ca6-6d590caf2329',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2019-10-02T17:20:48Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:TotalNetworkTrafficTooHigh'],
  detail: {
    alarmName: 'TotalNetworkTrafficTooHigh',
    configuration: {
      description: 'Goes into alarm if total network traffic exceeds 10Kb',
      metrics: [
        {
          expression: 'SUM(METRICS())',
          id: 'e1',
          label: 'Total Network Traffic',
          returnData: true,
        },
        {
          id: 'm1',
          metricStat: {
            metric: {
              dimensions: {
                InstanceId: 'i-12345678901234567',
              },
              name: 'NetworkIn',
              namespace: 'AWS/EC2',
            },
            period: 300,
            stat: 'Maximum',
          },
          returnData: false,
        },
        {
          id: 'm2',
          metricStat: {
            metric: {
              dimensions: {
                InstanceId: 'i-12345678901234567',
              },
              name: 'NetworkOut',
              namespace: 'AWS/EC2',
            },
            period: 300,
            stat: 'Maximum',
          },
          returnData: false,
        },
      ],
    },
    previousState: {
      reason: 'Unchecked: Initial alarm creation',
      timestamp: '2019-10-02T17:20:03.642+0000',
      value: 'INSUFFICIENT_DATA',
    },
    state: {
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (02/10/19 17:10:00)] was greater than the threshold (10000.0) (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData:
        '{"version":"1.0","queryDate":"2019-10-02T17:20:48.551+0000","startDate":"2019-10-02T17:10:00.000+0000","period":300,"recentDatapoints":[45628.0],"threshold":10000.0}',
      timestamp: '2019-10-02T17:20:48.554+0000',
      value: 'ALARM',
    },
  },
} as const;
