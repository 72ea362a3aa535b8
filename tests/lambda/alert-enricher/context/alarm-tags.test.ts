import { CloudWatchClient, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { getAlarmTags } from '../../../../lambda/alert-enricher/context/alarm-tags';
import { lambdaErrorsChange } from '../support/alarm-changes';

const cloudWatchMock = mockClient(CloudWatchClient);
const cloudWatch = new CloudWatchClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});

test('the alarm’s tags by its ARN, as a record', async () => {
  cloudWatchMock.on(ListTagsForResourceCommand).resolves({
    Tags: [
      { Key: 'vigil:service', Value: 'predictor' },
      { Key: 'vigil:owner', Value: 'team-predictor' },
    ],
  });
  const tags = await getAlarmTags(cloudWatch, lambdaErrorsChange.alarmArn, new AbortController().signal);
  expect(tags).toEqual({ tags: { 'vigil:service': 'predictor', 'vigil:owner': 'team-predictor' } });
  expect(cloudWatchMock.commandCalls(ListTagsForResourceCommand)[0]?.args[0].input).toEqual({
    ResourceARN: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:vigil-dev-predictor-api-errors',
  });
});
