import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeCostReport } from '../lambda/cost-report/cli/cost-report-cli';
import { launchChromium } from './headless-chromium';

const root = path.join(__dirname, '..');
/** The sample recording (one file per API request), replayed as `npm run cost-report` replays it. */
const SAMPLE = path.join(root, 'lambda', 'cost-report', 'sample', 'recording');
const SCREENSHOT = path.join(root, 'docs', 'cost-report.png');
/** The email is 680 px wide; a little of the grey around it shows where it ends. */
const VIEWPORT_WIDTH = 760;

/** Renders the sample month and photographs the HTML as a reader would see it, for the docs. */
async function main(): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cost-report-'));
  // Generated at the time it was recorded, so the picture changes only with the code.
  const { paths } = await writeCostReport({ fixture: SAMPLE, out });

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: VIEWPORT_WIDTH, height: 1000 } });
    // An email client would not load it either: anything beyond the file is a bug in the report.
    const external: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      external.push(route.request().url());
      return route.abort();
    });
    await page.goto(pathToFileURL(paths.html).href, { waitUntil: 'load' });
    if (external.length > 0) throw new Error(`the report requested ${external.join(', ')}`);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(`${path.relative(root, SCREENSHOT)} (${Math.round(fs.statSync(SCREENSHOT).size / 1024)} KB)`);
}

main().catch((error: Error) => {
  console.error(`screenshot-cost-report: ${error.message}`);
  process.exitCode = 1;
});
