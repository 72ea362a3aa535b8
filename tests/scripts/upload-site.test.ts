import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/headless-chromium';
import { corruptGzip, SAMPLE_EXPORT } from '../../scripts/local-loop/scenarios/upload-site';

const root = path.join(__dirname, '..', '..');
const SCREENSHOT = path.join(root, 'docs', 'upload-site.png');

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let output = '';
const files = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-upload-site-'));

afterAll(async () => {
  await browser?.close();
  if (child?.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    process.kill(-child.pid, 'SIGKILL');
  }
  fs.rmSync(files, { recursive: true, force: true });
});

/** `npm start -- --serve --scenario upload-site` on free ports; resolves with the console's and the site's URLs. */
function startUploadSite(): Promise<{ console: string; site: string }> {
  child = spawn(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [
      'scripts/local-loop/start.ts',
      '--serve',
      '--port',
      '0',
      '--site-port',
      '0',
      '--scenario',
      'upload-site',
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
      },
    },
  );
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const consoleUrl = /^Console: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output)?.[1];
      const site = /^Upload site: (http:\/\/localhost:\d+\/)$/m.exec(output)?.[1];
      if (consoleUrl && site) resolve({ console: consoleUrl, site });
    };
    child?.stdout?.on('data', read);
    child?.stderr?.on('data', read);
    child?.on('exit', (code) =>
      reject(new Error(`npm start exited (${code}) before serving the site:\n${output}`)),
    );
  });
}

/** Chooses `file` in the page's file input and waits for the result page to show a final status. */
async function upload(page: Page, file: string): Promise<string> {
  await page.locator('#file').setInputFiles(file);
  const result = page.locator('.result:not([data-status="PENDING"])');
  await result.waitFor({ timeout: 60_000 });
  return (await result.getAttribute('data-status')) as string;
}

test('an analyst signs in, uploads an export and a damaged .csv.gz, reads both results, downloads the scores; S3 expires the uploads', async () => {
  const urls = await startUploadSite();
  // The scenario's own analyst (HTTP, before the site is handed to the console) found nothing wrong.
  expect(output).not.toMatch(/scenario upload-site failed/);
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // A CSP or CORS refusal is reported on the console as an error.
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  // Sign-in: the page sends the browser to the authorization endpoint with a PKCE challenge, and the
  // callback trades the code for tokens.
  await page.goto(urls.site);
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
  await page.getByLabel('Email').fill('analyst@example.org');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.error').textContent()).resolves.toBe('Incorrect username or password.');
  await page.getByLabel('Email').fill('analyst@example.org');
  await page.getByLabel('Password').fill('Local-analyst-1!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#file').waitFor();
  expect(await page.locator('#account').textContent()).toContain('analyst@example.org');
  expect(new URL(page.url()).search).toBe('');

  // A file that is not an export is refused before anything is sent.
  const notes = path.join(files, 'notes.txt');
  fs.writeFileSync(notes, 'not an export');
  await page.locator('#file').setInputFiles(notes);
  await expect(page.locator('#upload-status .error strong').textContent()).resolves.toBe(
    'notes.txt is not a crimes export',
  );

  // The sample export: uploaded, scored, its figures shown, its scores downloadable.
  expect(await upload(page, SAMPLE_EXPORT)).toBe('SUCCEEDED');
  const figures = await page.locator('.figures').textContent();
  expect(figures).toMatch(/Rows read300Scored300Rejected0Mean arrest probability\d+(\.\d)?%Modelarrest-/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the scored rows' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('crimes-sample-scored.ndjson');
  const saved = fs.readFileSync((await download.path()) as string);
  // Chromium undoes S3's Content-Encoding: gzip as it saves; either way, one line per scored row.
  const text = (saved[0] === 0x1f && saved[1] === 0x8b ? gunzipSync(saved) : saved).toString('utf8');
  const rows = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: string; probability: number });
  expect(rows).toHaveLength(300);
  expect(rows.every((row) => row.probability >= 0 && row.probability <= 1)).toBe(true);
  if (!fs.existsSync(SCREENSHOT) || process.env.VIGIL_SCREENSHOTS === '1') {
    await page.screenshot({ path: SCREENSHOT });
  }

  // A damaged .csv.gz: accepted (it is gzip by its header), then the scorer's error in plain words.
  const damaged = path.join(files, 'crimes-damaged.csv.gz');
  fs.writeFileSync(damaged, corruptGzip(fs.readFileSync(SAMPLE_EXPORT)));
  await page.getByRole('link', { name: 'Upload another file' }).click();
  expect(await upload(page, damaged)).toBe('FAILED');
  await expect(page.locator('.result .error strong').textContent()).resolves.toBe(
    'The compressed file is damaged',
  );
  expect(await page.locator('.result .error').textContent()).toMatch(/Compress the export again/);

  // The recent uploads: the scenario's two and these two, newest first, each linking to its result.
  await page.getByRole('link', { name: 'Upload another file' }).click();
  const recent = page.locator('.uploads li');
  await recent.first().waitFor();
  expect(await recent.count()).toBe(4);
  expect(await recent.first().textContent()).toMatch(/^crimes-damaged\.csv\.gz Failed/);
  await recent.nth(1).getByRole('link').click();
  await page.locator('.result[data-status="SUCCEEDED"]').waitFor();
  expect(errors).toEqual([]);

  // Two simulated days on: S3's lifecycle has deleted every upload and kept the results (one per scored
  // file: the scenario's sample and this one; a failed file has none).
  const objects = async () =>
    (
      (await (await fetch(new URL('/api/objects', urls.console))).json()) as { objects: { key: string }[] }
    ).objects.map((object) => object.key.split('/')[0]);
  expect((await objects()).filter((prefix) => prefix === 'uploads')).toHaveLength(2);
  const clock = await fetch(new URL('/api/clock?hours=48', urls.console), { method: 'POST' });
  expect(((await clock.json()) as { expired: string[] }).expired).toHaveLength(2);
  expect((await objects()).sort()).toEqual(['results', 'results']);

  const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
  child?.kill('SIGINT');
  expect(await exited).toBe(0);
}, 240_000);
