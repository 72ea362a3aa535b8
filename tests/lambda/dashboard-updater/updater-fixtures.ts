import type { ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import scheduledEvent from '../../fixtures/aws/dashboard-updater/scheduled-event.json';
import tagChangeEvent from '../../fixtures/aws/dashboard-updater/tag-change-on-resource.json';

export const ENVIRONMENT = 'test';
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** The documented samples (see tests/fixtures/aws/dashboard-updater/README.md), as copies. */
export function scheduled(): Record<string, unknown> {
  return structuredClone(scheduledEvent);
}

export function tagChange(): Record<string, unknown> {
  return structuredClone(tagChangeEvent);
}

/** A GetResources entry tagged for `service` in the test environment. */
export function tagged(arn: string, service: string, environment = ENVIRONMENT): ResourceTagMapping {
  return {
    ResourceARN: arn,
    Tags: [
      { Key: 'vigil:service', Value: service },
      { Key: 'Environment', Value: environment },
      { Key: 'Owner', Value: 'team' },
    ],
  };
}

export const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
export const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
