import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBacktest } from '../../../constructs/alarm-engine/backtest';
import { backtestReport } from '../../backtest/backtest-report';
import { htmlReport } from '../../backtest/html-report';
import type { RunResources } from '../scenario';
import { escapeHtml, type Page } from './html';

/** The cost report the scenario wrote into the run folder (`cost-report.html`), served as written. */
export function costReport(runFolder: string): { html: string } | Page {
  const file = path.join(runFolder, 'cost-report.html');
  if (fs.existsSync(file)) return { html: fs.readFileSync(file, 'utf8') };
  return {
    title: 'Cost report',
    body: '<p>This scenario has no cost report. The <code>monthly-cost</code> scenario writes one: <code>npm start -- --serve --scenario monthly-cost</code>.</p>',
  };
}

/**
 * The backtest report (`npm run backtest`'s HTML renderer) of this run's evaluated alarms over the
 * run's own metric feed, from the run's start to now: each alarm evaluated again from OK, as the run
 * started them.
 */
export async function backtestHtml(resources: RunResources | undefined): Promise<{ html: string } | Page> {
  if (!resources) return { title: 'Backtest', body: '<p>The run has not opened its local AWS yet.</p>' };
  const alarms = [...resources.alarms.values()];
  const from = resources.timeline.start;
  const to = resources.simulation.clock.now();
  if (to <= from) return { title: 'Backtest', body: '<p>The run has not moved simulated time yet.</p>' };
  try {
    const result = runBacktest(alarms, resources.simulation.feed.series(), {
      from,
      to,
      initialState: 'OK',
      keepValues: true,
    });
    const report = backtestReport(result, {
      report: new Set(alarms.map((alarm) => alarm.name)),
      approximate: new Map(),
      unsupported: [],
      fromDatapoints: false,
    });
    return { html: await htmlReport(report) };
  } catch (error) {
    return {
      title: 'Backtest',
      body: `<p>${escapeHtml(`The backtest could not run: ${(error as Error).message}`)}</p>`,
    };
  }
}
