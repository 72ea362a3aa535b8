import type { LoopSummary, RunResources } from '../scenario';
import { escapeHtml, jsonBlock, type Page } from './html';
import { runFolderEntries } from './run-folder';

/** Where the run is: `running` until the scenario returns, then `finished`, or `failed` when it threw. */
export type RunStatus = 'running' | 'finished' | 'failed';

export interface RunState {
  readonly scenario: string;
  readonly runFolder: string;
  status: RunStatus;
  summary?: LoopSummary;
  failures?: readonly string[];
  error?: string;
  resources?: RunResources;
  dashboards: readonly string[];
  approvals: { readonly pending: number; readonly total: number };
  /** The local upload site (scenario `upload-site`): where it is and who may sign in. */
  uploadSite?: {
    readonly url: string;
    readonly users: readonly { email: string; password: string }[];
    /** The console's own URL, where the simulated clock is moved. */
    readonly consoleUrl: string;
  };
}

/** `/api/run`: what the run page shows, as JSON (the page polls it while the run goes). */
export function runJson(state: RunState) {
  const entries = runFolderEntries(state.runFolder);
  return {
    scenario: state.scenario,
    status: state.status,
    timeline: state.resources?.timeline.format().split('\n').filter(Boolean) ?? [],
    alerts: entries.alerts.map((alert) => ({ number: alert.number, state: alert.state })),
    remediations: entries.remediations,
    approvals: state.approvals.pending,
    ...(state.summary && { summary: state.summary }),
    ...(state.failures && { failures: state.failures }),
    ...(state.error && { error: state.error }),
  };
}

/** `/`: the run's scenario, status, timeline and links to everything else. */
export function runPage(state: RunState): Page {
  const run = runJson(state);
  const list = (items: string[], empty: string) =>
    items.length > 0 ? `<ul>${items.join('')}</ul>` : `<p class="muted">${empty}</p>`;
  const alerts = list(
    run.alerts.map(
      (a) =>
        `<li><a href="/alerts/${a.number}">Alert ${a.number}</a> (${escapeHtml(a.state.toUpperCase())})</li>`,
    ),
    'No alert yet.',
  );
  const remediations = list(
    run.remediations.map((n) => {
      const summary = state.summary?.remediations[Number(n) - 1];
      const outcome = summary
        ? `: ${escapeHtml(summary.playbook)} on ${escapeHtml(summary.target)}, <strong>${escapeHtml(summary.outcome)}</strong>`
        : '';
      return `<li><a href="/remediations/${n}">Remediation ${n}</a>${outcome}</li>`;
    }),
    'No remediation run yet.',
  );
  const dashboards = list(
    state.dashboards.map(
      (name) => `<li><a href="/dashboards/${encodeURIComponent(name)}">${escapeHtml(name)}</a></li>`,
    ),
    'Dashboards appear once the app is synthesized.',
  );
  const pending =
    run.approvals > 0
      ? `<p class="card"><strong>${run.approvals} run${run.approvals === 1 ? '' : 's'} waiting for approval:</strong> <a href="/approvals">answer on Approvals</a></p>`
      : '';
  const site = state.uploadSite
    ? `<p class="card"><strong>Upload site:</strong> <a href="${escapeHtml(state.uploadSite.url)}">${escapeHtml(state.uploadSite.url)}</a>, sign in as ${state.uploadSite.users
        .map((user) => `<code>${escapeHtml(user.email)}</code> / <code>${escapeHtml(user.password)}</code>`)
        .join(
          ' or ',
        )}. Move the simulated clock on with <code>curl -X POST '${escapeHtml(`${state.uploadSite.consoleUrl}api/clock?hours=48`)}'</code> to see S3's lifecycle delete the uploads (<a href="/api/objects">objects now</a>).</p>`
    : '';
  const outcome = state.summary ? outcomeHtml(state.summary, state.failures ?? []) : '';
  const error = state.error ? `<h2>Error</h2><pre>${escapeHtml(state.error)}</pre>` : '';
  return {
    title: `Scenario ${state.scenario}`,
    body: `<p>Status: <span class="status ${state.status}" id="status">${state.status}</span> <span class="muted">Run folder ${escapeHtml(state.runFolder)}</span></p>
${pending}${site}
<div class="cards">
<div class="card"><h3>Alerts</h3>${alerts}</div>
<div class="card"><h3>Remediations</h3>${remediations}</div>
<div class="card"><h3>Dashboards</h3>${dashboards}</div>
<div class="card"><h3>Reports</h3><ul><li><a href="/approvals">Approvals</a></li><li><a href="/backtest">Backtest of the evaluated alarms</a></li><li><a href="/cost-report">Cost report</a></li></ul></div>
</div>
${error}
<h2>Timeline <span class="muted">(simulated time)</span></h2>
<pre class="timeline" id="timeline">${escapeHtml(run.timeline.join('\n') || '(nothing yet: the app is being synthesized)')}</pre>
${outcome}`,
  };
}

/** The outcome line in short, then whole (the `--json` line), and what the scenario missed. */
function outcomeHtml(summary: LoopSummary, failures: readonly string[]): string {
  const seconds = (value: number | null) => (value === null ? 'never' : `${Math.round(value / 6) / 10} min`);
  const rows: [string, string][] = [
    ['Detected after', seconds(summary.detectedAfterSeconds)],
    ['Resolved after', seconds(summary.resolvedAfterSeconds)],
    ['Alerts', String(summary.alerts.length)],
    ...summary.remediations.map((r): [string, string] => [`Remediation ${r.playbook}`, r.outcome]),
  ];
  return `<h2>Outcome</h2>
<table>${rows.map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
${failures.map((failure) => `<p class="status failed">${escapeHtml(failure)}</p>`).join('')}
<details><summary>The outcome line (<code>--json</code>)</summary>${jsonBlock(summary)}</details>`;
}
