import { loadConfig } from '../../../config/load-config';
import { AlarmEngine } from '../../../constructs/alarm-engine/alarm-engine';
import { runBacktest } from '../../../constructs/alarm-engine/backtest';
import { alarmsFromAssembly } from '../../../constructs/alarm-engine/template-alarms';
import { vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../../support/synth-vigil';

const DAY = 24 * 3600_000;
const FROM = Date.UTC(2026, 11, 1);

/**
 * The seam between what Vigil synthesizes and what the engine knows: every alarm of both
 * environments is one the engine evaluates. An alarm using something CloudWatch does not document
 * (the SLO's `ISNUMBER` was one) would fail here before it failed a deploy.
 */
describe.each(['dev', 'prod'])('the alarms of the synthesized %s app', (env) => {
  const { alarms, problems } = alarmsFromAssembly(
    vigilStacks(loadConfig(env), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).app.synth().directory,
  );

  it('are all evaluated by the engine, composites included', () => {
    expect(problems.filter((problem) => problem.includes('left out'))).toEqual([]);
    const engine = new AlarmEngine(alarms);
    expect(engine.unsupported).toEqual([]);
    expect(engine.alarmNames()).toHaveLength(alarms.length);
  });

  it('stay quiet through a day with no traffic: nothing pages, nothing stays INSUFFICIENT_DATA but alarms that treat missing data as missing', () => {
    const result = runBacktest(alarms, [], { from: FROM, to: FROM + DAY });
    expect(result.unsupported).toEqual([]);
    expect(result.alarms.filter((alarm) => alarm.alarmTransitions > 0).map((alarm) => alarm.name)).toEqual(
      // Silence is how upstream failures look: the traffic-drop band alarms treat no data as breaching.
      result.alarms.filter((alarm) => alarm.name.endsWith('traffic-drop')).map((alarm) => alarm.name),
    );
    const stuck = result.alarms.filter((alarm) => alarm.finalState === 'INSUFFICIENT_DATA');
    const missingAsMissing = alarms
      .filter((alarm) => alarm.kind === 'metric' && (alarm.treatMissingData ?? 'missing') === 'missing')
      .map((alarm) => alarm.name);
    expect(stuck.map((alarm) => alarm.name).sort()).toEqual(missingAsMissing.sort());
  });
});
