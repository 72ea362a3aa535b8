import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/headless-chromium';

const root = path.join(__dirname, '..', '..');
const SCREENSHOT = path.join(root, 'docs', 'console.png');

interface RunJson {
  status: string;
  approvals: number;
  alerts: { number: string }[];
  remediations: string[];
  summary?: { remediations: { playbook: string; outcome: string }[] };
}

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let output = '';

afterAll(async () => {
  await browser?.close();
  // Only if the test failed before it stopped the console itself.
  if (child?.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    process.kill(-child.pid, 'SIGKILL');
  }
});

/**
 * `npm start -- --serve` as a user runs it: the tsx that `npx tsx` runs, called directly, because
 * npm exec ends itself by the signal after its child exits (exit status "killed by SIGINT", whatever
 * the child returned). Its own process group, so the test can stop anything it leaves.
 */
function startConsole(): Promise<string> {
  child = spawn(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    ['scripts/local-loop/start.ts', '--serve', '--port', '0', '--scenario', 'needs-approval'],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // As npx would: the project's own Node (the `node` dev dependency) first on the PATH.
      env: {
        ...process.env,
        PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
      },
    },
  );
  return new Promise((resolve, reject) => {
    child?.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const first = /^Console: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output);
      if (first?.[1]) resolve(first[1]);
    });
    child?.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child?.on('exit', (code) => reject(new Error(`the console exited (${code}) before serving:\n${output}`)));
  });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('the console serves the run while it goes, takes the approval, and stops on Ctrl-C', async () => {
  const base = await startConsole();
  expect(output.split('\n')[0]).toBe(`Console: ${base}`);
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  const open = async (target: Page, url: string) => {
    // The console shares its process with the run, which is busy between its awaits: give it time.
    const go = () => target.goto(new URL(url, base).href, { waitUntil: 'load', timeout: 90_000 });
    // The run page reloads itself when the run moves on; a navigation that races such a reload is
    // interrupted by it, and is then simply made again.
    const response = await go().catch((error: Error) => {
      if (!error.message.includes('interrupted by another navigation')) throw error;
      return go();
    });
    expect({ url, status: response?.status() }).toEqual({ url, status: 200 });
  };
  const run = async () => (await (await page.request.get(new URL('/api/run', base).href)).json()) as RunJson;

  // The run page is up while the run goes; the run then waits for a person.
  await open(page, '/');
  await until(run, (state) => state.approvals > 0, 'the approval request');
  // In a second tab, as a person would: the run page keeps reloading itself while the run goes.
  const approvals = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  approvals.on('pageerror', (error) => errors.push(`${approvals.url()}: ${error.message}`));
  await open(approvals, '/approvals');
  await approvals.getByRole('link', { name: 'Approve' }).click();
  // The real approval function's page: what would be done, and the button that decides.
  await approvals.getByRole('button', { name: 'Approve' }).click();
  await approvals.getByRole('heading', { name: 'Approved', exact: true }).waitFor();

  const finished = await until(run, (state) => state.status === 'finished', 'the run to finish');
  expect(finished.summary?.remediations).toEqual([
    expect.objectContaining({ playbook: 'lambda-alias-rollback', outcome: 'remediated' }),
  ]);
  await open(page, '/');
  await expect(page.locator('#status').textContent()).resolves.toBe('finished');
  expect(await page.locator('main').textContent()).toMatch(/"outcome": "remediated"/);
  if (!fs.existsSync(SCREENSHOT) || process.env.VIGIL_SCREENSHOTS === '1') {
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
  }

  // Every page of the run loads: alerts, remediations with their graph, a dashboard with charts.
  expect(finished.alerts.length).toBeGreaterThan(0);
  for (const alert of finished.alerts) {
    await open(page, `/alerts/${alert.number}`);
    expect(await page.locator('h2').allTextContents()).toEqual([
      'Email text',
      'Chat notification (AWS Chatbot)',
      'PagerDuty event',
      'Structured JSON',
    ]);
  }
  for (const number of finished.remediations) {
    await open(page, `/remediations/${number}`);
    expect(await page.locator('svg.state-machine .node.entered').count()).toBeGreaterThan(5);
    expect(await page.locator('svg.state-machine .edge.taken').count()).toBeGreaterThan(5);
    expect(await page.locator('main').textContent()).toMatch(/"pk": "run#/);
  }
  await open(page, '/dashboards/vigil-dev-predictor');
  expect(await page.locator('.widget svg.chart').count()).toBeGreaterThan(0);
  await open(page, '/approvals');
  expect(await page.locator('.approval').textContent()).toMatch(/Answered: approved/);
  await open(page, '/backtest');
  expect(await page.locator('h1').textContent()).toBe('Alarm backtest');
  await open(page, '/cost-report');
  expect(errors).toEqual([]);

  // Ctrl-C: the console closes and the process exits 0.
  const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
  child?.kill('SIGINT');
  expect(await exited).toBe(0);
}, 180_000);
