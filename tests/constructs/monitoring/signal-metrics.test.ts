import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { newFunction } from '../../support/alarm-template';

describe('monitor.metrics: the metric behind each signal, for a team’s own alarms and widgets', () => {
  const app = new App();
  const stack = new Stack(app, 'Orders');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'orders',
    // A signal switched off still has its metric to reuse.
    overrides: { 'lambda/throttles': { enabled: false } },
  });
  const fn = newFunction(stack, 'Checkout', { timeout: Duration.seconds(30) });
  const lambdaMonitor = monitoring.monitorLambda(fn);
  const queue = new sqs.Queue(stack, 'Jobs', {
    deadLetterQueue: { queue: new sqs.Queue(stack, 'JobsDlq'), maxReceiveCount: 3 },
  });
  const queueMonitor = monitoring.monitorQueue(queue);

  // The team's own warning at a lower error rate than Vigil's, on the same metric math.
  const errorRate = lambdaMonitor.metrics['error-rate'];
  if (!errorRate) throw new Error('no error-rate metric');
  new cloudwatch.Alarm(stack, 'TeamErrorRateWarning', {
    metric: errorRate,
    alarmName: 'orders-checkout-error-rate-warning',
    threshold: 1,
    evaluationPeriods: 3,
  });
  new cloudwatch.Dashboard(stack, 'Team', {
    widgets: [
      [
        new cloudwatch.GraphWidget({
          left: [queueMonitor.metrics['oldest-message-age'] as cloudwatch.IMetric],
        }),
      ],
    ],
  });
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties,
  );

  it('names every signal the monitor watches, the switched-off one included', () => {
    expect(Object.keys(lambdaMonitor.metrics)).toEqual(
      expect.arrayContaining(['error-rate', 'errors', 'throttles', 'p99-duration']),
    );
    expect(alarms.map((alarm) => alarm.AlarmName)).not.toContain('orders-checkout-throttles');
    expect(lambdaMonitor.metrics.throttles).toBeDefined();
    expect(Object.keys(queueMonitor.metrics)).toEqual(
      expect.arrayContaining(['oldest-message-age', 'dead-letter-messages']),
    );
  });

  it('gives the team’s alarm the same metric math as Vigil’s error-rate alarm', () => {
    const vigil = alarms.find((alarm) => String(alarm.AlarmName).endsWith('-error-rate'));
    const team = alarms.find((alarm) => alarm.AlarmName === 'orders-checkout-error-rate-warning');
    expect(team?.Metrics).toEqual(vigil?.Metrics);
    expect(team?.Threshold).toBe(1);
  });

  it('puts a queue signal’s metric on a dashboard widget', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).toContain('ApproximateAgeOfOldestMessage');
  });
});
