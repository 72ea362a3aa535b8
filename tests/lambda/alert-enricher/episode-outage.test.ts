import '../support/test-environment';
import { metricAlarmEvent } from './support/alarm-events';
import { enricherTestbed, topicAlerts } from './support/enricher-harness';

const bed = enricherTestbed({ freshTablePerTest: true });

test('an ALARM alerted while the episode table was down is resolved by its OK once the table is back', async () => {
  const alarmAt = '2026-11-23T03:12:00.000Z';
  // The table cannot be reached: the ALARM goes out unthreaded, under the id a new episode gets.
  const down = bed.enricher({ episodeTableName: 'episodes-table-that-is-down' });
  await down(metricAlarmEvent({ id: 'alarm-event', state: 'ALARM', at: alarmAt }));
  const [alarm] = topicAlerts(bed.aws.sns);
  const episodeId = `vigil-dev-predictor-api-errors/${alarmAt}`;
  expect(alarm?.alert).toMatchObject({ notification: 'alarm', episode: { id: episodeId } });
  expect(bed.pagerDutyEvents).toEqual([
    expect.objectContaining({ event_action: 'trigger', dedup_key: episodeId }),
  ]);

  // Back up: the OK's previous state began at the ALARM, which the table never recorded.
  const ok = metricAlarmEvent({ id: 'ok-event', state: 'OK', at: '2026-11-23T03:40:00.000Z' });
  ok.detail.previousState.timestamp = '2026-11-23T03:12:00.000+0000';
  await bed.enricher()(ok);
  const resolved = topicAlerts(bed.aws.sns).at(-1)?.alert;
  expect(resolved).toMatchObject({ notification: 'resolved', episode: { id: episodeId } });
  expect(bed.pagerDutyEvents.at(-1)).toEqual(
    expect.objectContaining({ event_action: 'resolve', dedup_key: episodeId }),
  );
});
