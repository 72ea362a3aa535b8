import { breachDirection, evaluationOf, valueUnitOf } from '../../../lambda/alert-enricher/evaluation';
import type { AlarmChange } from '../../../lambda/shared/alarm-change';
import { parseAlarmEvent } from '../../../lambda/shared/alarm-event';
import { errorRateChange, lambdaErrorsChange, vigilDescription } from './support/alarm-changes';
import { documentedSingleMetricAlarmEvent } from './support/documented-events';

function documentedChange(): AlarmChange {
  const [parsed] = parseAlarmEvent(documentedSingleMetricAlarmEvent);
  if (!parsed?.ok) throw new Error('the documented sample must parse');
  return parsed.change;
}

describe('evaluationOf', () => {
  it('takes the evaluated values and threshold of the documented single-metric event', () => {
    expect(evaluationOf(documentedChange())).toEqual({
      datapoints: [99.50160229693434],
      threshold: 50,
      lowerThresholds: undefined,
      upperThresholds: undefined,
      breaches: 'above',
    });
  });

  it('is absent when the event carried no evaluated values (classic SNS, composite)', () => {
    expect(evaluationOf({ ...lambdaErrorsChange, recentDatapoints: [] })).toBeUndefined();
  });
});

describe('breachDirection', () => {
  // Reason sentences from the CloudWatch user guide's samples ("Alarm events and EventBridge").
  it.each([
    [
      'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
      'above',
    ],
    [
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).',
      'above',
    ],
    [
      'Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (03/10/19 15:58:00)] was less than the lower thresholds [0.020599444741798756] or greater than the upper thresholds [0.3006915352732461] (minimum 1 datapoint for OK -> ALARM transition).',
      'outside-band',
    ],
    [
      'Threshold Crossed: 2 out of the last 3 datapoints [9874.0 (23/11/26 03:05:00), 8433.0 (23/11/26 03:00:00)] were greater than or equal to the threshold (8000.0).',
      'at-or-above',
    ],
    ['Threshold Crossed: 1 datapoint (1.0) was less than or equal to the threshold (2.0).', 'at-or-below'],
  ] as const)('reads the side from the reason sentence: %s', (reason, expected) => {
    expect(breachDirection({ reason })).toBe(expected);
  });

  it('prefers the comparison operator a classic notification states', () => {
    expect(
      breachDirection({ reason: 'was greater than the threshold', comparisonOperator: 'LessThanThreshold' }),
    ).toBe('below');
  });

  it('says nothing when neither the operator nor the reason does', () => {
    expect(breachDirection({ reason: 'Unchecked: Initial alarm creation' })).toBeUndefined();
  });
});

describe('valueUnitOf', () => {
  const ratio = (threshold: number, sentence: string) => ({
    ...errorRateChange,
    metrics: errorRateChange.metrics.map((query) => ({ ...query, label: undefined })),
    threshold,
    vigil: vigilDescription({ threshold: sentence }),
  });

  it('reads a ratio of one from a compared percentage whose hundredth is the threshold', () => {
    expect(valueUnitOf(ratio(0.05, 'more than 5% of requests in 2 of 3 five-minute periods'))).toBe(
      'fraction',
    );
    expect(valueUnitOf(ratio(1, 'fewer than 100% of S3 writes succeed in 3 consecutive periods'))).toBe(
      'fraction',
    );
  });

  it('reads a percentage when the threshold is the percentage itself, or the label or unit says so', () => {
    expect(valueUnitOf(ratio(5, 'more than 5% of invocations in 2 of 3 five-minute periods'))).toBe(
      'percent',
    );
    expect(valueUnitOf(errorRateChange)).toBe('percent');
    const percentUnit = {
      ...lambdaErrorsChange,
      vigil: undefined,
      metrics: lambdaErrorsChange.metrics.map((query) => ({
        ...query,
        metricStat: query.metricStat && { ...query.metricStat, unit: 'Percent' },
      })),
    };
    expect(valueUnitOf(percentUnit)).toBe('percent');
  });

  it('keeps the number when nothing says what it is', () => {
    // A share of a limit is not the unit of the values (ConcurrentExecutions is a count).
    expect(valueUnitOf(ratio(80, '80% of the reserved concurrency of 100'))).toBeUndefined();
    expect(valueUnitOf(ratio(1, '100% of the reserved concurrency of 1'))).toBeUndefined();
    expect(valueUnitOf(ratio(0.05, 'at least 5 errors in 5 minutes'))).toBeUndefined();
    expect(valueUnitOf({ ...lambdaErrorsChange, vigil: undefined })).toBeUndefined();
  });
});
