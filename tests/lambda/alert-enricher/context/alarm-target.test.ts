import { alarmTarget } from '../../../../lambda/alert-enricher/context/alarm-target';
import {
  API_FUNCTION,
  API_LOG_GROUP,
  errorRateChange,
  healthCompositeChange,
  lambdaErrorsChange,
  outsideTableChange,
  vigilDescription,
} from '../support/alarm-changes';

test('a Lambda alarm watches the function: its log group, X-Ray service and CloudTrail name', () => {
  expect(alarmTarget(lambdaErrorsChange)).toEqual({
    functionName: API_FUNCTION,
    logGroup: API_LOG_GROUP,
    traceServiceName: API_FUNCTION,
    resourceName: API_FUNCTION,
  });
});

test('the log group named in the Vigil description wins over Lambda’s default', () => {
  const change = { ...lambdaErrorsChange, vigil: vigilDescription({ logGroup: '/vigil/predictor/api' }) };
  expect(alarmTarget(change).logGroup).toBe('/vigil/predictor/api');
});

test('without a Vigil description a function logs to /aws/lambda/<name>', () => {
  expect(alarmTarget({ ...lambdaErrorsChange, vigil: undefined }).logGroup).toBe(
    `/aws/lambda/${API_FUNCTION}`,
  );
});

test('a metric-math alarm watches the function its inputs read, even when they are hidden', () => {
  expect(alarmTarget(errorRateChange).functionName).toBe(API_FUNCTION);
});

test('a DynamoDB table has a CloudTrail name but no log group and no traces', () => {
  expect(alarmTarget(outsideTableChange)).toEqual({
    functionName: undefined,
    logGroup: undefined,
    traceServiceName: undefined,
    resourceName: 'orders',
  });
});

test('a composite watches nothing itself', () => {
  expect(alarmTarget({ ...healthCompositeChange, vigil: undefined })).toEqual({
    functionName: undefined,
    logGroup: undefined,
    traceServiceName: undefined,
    resourceName: undefined,
  });
});
