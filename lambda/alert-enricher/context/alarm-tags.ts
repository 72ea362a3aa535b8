import { type CloudWatchClient, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmTags } from '../enriched-alert';

/** The alarm's AWS tags (owner, runbook, playbook) as they are now, maybe newer than its description. */
export async function getAlarmTags(
  cloudWatch: CloudWatchClient,
  alarmArn: string,
  signal: AbortSignal,
): Promise<AlarmTags> {
  const response = await cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }), {
    abortSignal: signal,
  });
  const tags: Record<string, string> = {};
  for (const { Key, Value } of response.Tags ?? []) {
    if (Key !== undefined) tags[Key] = Value ?? '';
  }
  return { tags };
}
