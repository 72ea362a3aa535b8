import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeldUploadSite, RunConsole, RunResources, ScenarioRun } from '../scenario';
import { alertPage } from './alert-page';
import { approvalsPage, type PendingApproval } from './approvals-page';
import { CONSOLE_CSS, CONSOLE_JS } from './assets';
import { dashboardPage, dashboardsIndex, synthesizedDashboards } from './dashboard-page';
import { type FunctionUrlHandler, serveFunctionUrl } from './function-url-mount';
import { CONTENT_SECURITY_POLICY, escapeHtml, layout, notFound, type Page } from './html';
import { remediationPage } from './remediation-page';
import { backtestHtml, costReport } from './report-pages';
import { type RunState, runJson, runPage } from './run-page';

/** Where function URLs are mounted: `/function-urls/<n>/…` stands for the deployed URL's `/…`. */
const MOUNTS = '/function-urls/';

/**
 * `npm start -- --serve`: the run in a browser, on 127.0.0.1 only. It is up before the run starts
 * (the run page shows the timeline as it grows, the approvals page the runs waiting for a person),
 * and keeps serving after it ends, with the run's local AWS held open for the dashboards and the
 * ledger, until {@link close}.
 */
export class LocalConsole implements RunConsole {
  private readonly state: RunState;
  private readonly approvals: PendingApproval[] = [];
  private readonly mounts: { prefix: string; deployedUrl: string; handler: FunctionUrlHandler }[] = [];
  private site?: HeldUploadSite;

  private constructor(
    private readonly server: http.Server,
    scenario: string,
    runFolder: string,
  ) {
    this.state = {
      scenario,
      runFolder,
      status: 'running',
      dashboards: [],
      approvals: { pending: 0, total: 0 },
    };
    server.on('request', (request, response) => {
      this.route(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          send(response, {
            status: 500,
            title: 'Console error',
            body: `<pre>${escapeHtml(error instanceof Error ? (error.stack ?? error.message) : String(error))}</pre>`,
          });
        } else response.end();
      });
    });
  }

  /** Listens on 127.0.0.1:`port` (0: any free port). */
  static async start(options: { port: number; scenario: string; runFolder: string }): Promise<LocalConsole> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new LocalConsole(server, options.scenario, options.runFolder);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  mountFunctionUrl(deployedUrl: string, handler: FunctionUrlHandler): string {
    const prefix = `${MOUNTS}${this.mounts.length + 1}`;
    this.mounts.push({ prefix, deployedUrl, handler });
    return `${this.url.replace(/\/$/, '')}${prefix}${new URL(deployedUrl).pathname}`;
  }

  awaitingApproval(request: Omit<PendingApproval, 'answer'>): void {
    this.approvals.push({ ...request });
    this.countApprovals();
  }

  approvalAnswered(runId: string, answer: string): void {
    for (const approval of this.approvals) if (approval.runId === runId) approval.answer = answer;
    this.countApprovals();
  }

  holdRun(resources: RunResources): void {
    this.state.resources = resources;
    this.state.dashboards = synthesizedDashboards(resources).map((dashboard) => dashboard.name);
  }

  holdUploadSite(site: HeldUploadSite): void {
    this.site = site;
    this.state.uploadSite = {
      url: site.siteUrl,
      users: site.users.map((user) => ({ ...user })),
      consoleUrl: this.url,
    };
  }

  /** The upload site the console holds (scenario `upload-site`), if any. */
  get uploadSite(): HeldUploadSite | undefined {
    return this.site;
  }

  /** The scenario returned: the page shows the outcome. */
  finished(run: ScenarioRun): void {
    this.state.summary = run.summary;
    this.state.failures = run.failures;
    this.state.status = 'finished';
  }

  /** The scenario threw. */
  failed(error: unknown): void {
    this.state.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.state.status = 'failed';
  }

  /** Stops serving, then closes the run's local AWS it held. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.site?.close();
    await this.state.resources?.close();
  }

  /**
   * `POST /api/clock?hours=N`: moves the run's simulated clock on (S3's lifecycle rules then delete
   * what is due), for trying expiry with the upload site. Answers the simulated time and what expired.
   */
  private async advanceClock(url: URL, response: http.ServerResponse): Promise<void> {
    const hours = Number(url.searchParams.get('hours'));
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 400) {
      response.writeHead(400, { ...HEADERS, 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'hours must be a number of hours above 0 and at most 9600' }));
      return;
    }
    const expired = await (this.site as HeldUploadSite).advance(hours * 3_600_000);
    const now = this.state.resources?.simulation.clock.now();
    sendJson(response, { now: now === undefined ? null : new Date(now).toISOString(), expired });
  }

  private countApprovals(): void {
    this.state.approvals = {
      pending: this.approvals.filter((approval) => approval.answer === undefined).length,
      total: this.approvals.length,
    };
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const mount = this.mounts.find(
      (candidate) => url.pathname === candidate.prefix || url.pathname.startsWith(`${candidate.prefix}/`),
    );
    if (mount) {
      const now = () => new Date(this.state.resources?.simulation.clock.now() ?? Date.now());
      await serveFunctionUrl(request, response, mount, now);
      return;
    }
    if (this.site && url.pathname === '/api/clock' && request.method === 'POST') {
      return this.advanceClock(url, response);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const [first, second] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const { runFolder, resources } = this.state;
    switch (first) {
      case undefined:
        return send(response, runPage(this.state), { polling: true });
      case 'api':
        if (second === 'run') return sendJson(response, runJson(this.state));
        if (second === 'objects' && this.site) return sendJson(response, { objects: this.site.objects() });
        break;
      case 'console.css':
        return sendText(response, CONSOLE_CSS, 'text/css; charset=utf-8');
      case 'console.js':
        return sendText(response, CONSOLE_JS, 'text/javascript; charset=utf-8');
      case 'favicon.ico':
        response.writeHead(204, HEADERS).end();
        return;
      case 'alerts':
        return send(response, alertPage(runFolder, second));
      case 'remediations':
        return send(response, await remediationPage(runFolder, second, resources));
      case 'approvals':
        return send(response, approvalsPage(this.approvals), { polling: true });
      case 'dashboards':
        return send(
          response,
          second === undefined ? dashboardsIndex(resources) : await dashboardPage(resources, second),
        );
      case 'cost-report':
        return sendReport(response, costReport(runFolder));
      case 'backtest':
        return sendReport(response, await backtestHtml(resources));
    }
    send(response, notFound(`Nothing at ${url.pathname}.`));
  }
}

const HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(response: http.ServerResponse, page: Page, options: { polling?: boolean } = {}): void {
  sendText(response, layout(page, options), 'text/html; charset=utf-8', page.status);
}

function sendReport(response: http.ServerResponse, report: { html: string } | Page): void {
  if ('html' in report) sendText(response, report.html, 'text/html; charset=utf-8');
  else send(response, report);
}

function sendJson(response: http.ServerResponse, value: unknown): void {
  sendText(response, JSON.stringify(value), 'application/json');
}

function sendText(response: http.ServerResponse, text: string, contentType: string, status = 200): void {
  response.writeHead(status, { ...HEADERS, 'content-type': contentType });
  response.end(text);
}
