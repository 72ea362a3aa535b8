import { renameInExpression, withValidQueryIds } from '../../../../lambda/alert-enricher/context/query-ids';
import type { AlarmMetricQuery } from '../../../../lambda/shared/alarm-change';

/** GetMetricData's rule for MetricDataQuery.Id, written out here so the test does not trust the code's copy. */
const GET_METRIC_DATA_ID = /^[a-z][a-zA-Z0-9_]*$/;

const metric = (id: string, returnData = true): AlarmMetricQuery => ({
  id,
  returnData,
  metricStat: {
    namespace: 'AWS/EC2',
    metricName: 'CPUUtilization',
    dimensions: { InstanceId: 'i-12345678901234567' },
    period: 300,
    stat: 'Average',
  },
});

test('keeps a view whose ids are all valid as it is', () => {
  const view = { metrics: [metric('m1'), { id: 'e1', expression: 'm1 * 2', returnData: true }] };
  expect(withValidQueryIds(view)).toBe(view);
});

test('gives a UUID id a fresh m<n> that no other entry uses', () => {
  const view = {
    metrics: [metric('30b6c6b2-a864-43a2-4877-c09a1afc3b87'), metric('m1', false), metric('m2', false)],
  };
  const ids = withValidQueryIds(view).metrics.map((query) => query.id);
  expect(ids).toEqual(['m3', 'm1', 'm2']);
  for (const id of ids) expect(id).toMatch(GET_METRIC_DATA_ID);
});

test('rewrites expressions and the anomaly band id consistently with the renamed ids', () => {
  const view = {
    metrics: [
      metric('Requests', false),
      { id: 'band', expression: 'ANOMALY_DETECTION_BAND(Requests, 2)', returnData: true },
    ],
    thresholdMetricId: 'band',
  };
  expect(withValidQueryIds(view)).toEqual({
    metrics: [
      { ...metric('m1', false) },
      { id: 'band', expression: 'ANOMALY_DETECTION_BAND(m1, 2)', returnData: true },
    ],
    thresholdMetricId: 'band',
  });
});

test('replaces whole identifiers only, and never inside quoted text', () => {
  const renamed = new Map([['Errors', 'm1']]);
  expect(
    renameInExpression(
      `100 * Errors / ErrorsTotal + SEARCH('{AWS/Lambda} MetricName="Errors"', 'Sum') + "Errors"`,
      renamed,
    ),
  ).toBe(`100 * m1 / ErrorsTotal + SEARCH('{AWS/Lambda} MetricName="Errors"', 'Sum') + "Errors"`);
  expect(renameInExpression('IF(Errors_1 > 0, Errors, 0)', renamed)).toBe('IF(Errors_1 > 0, m1, 0)');
});
