import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeCostReport } from '../lambda/cost-report/cli/cost-report-cli';
import { launchChromium } from './headless-chromium';

const root = path.join(__dirname, '..');
const SAMPLE = path.join(root, 'lambda', 'cost-report', 'sample', 'recorded-cost-data.json');
const SCREENSHOT = path.join(root, 'docs', 'cost-report.png');
/** The email is 680 px wide; a little of the grey around it shows where it ends. */
const VIEWPORT_WIDTH = 760;

/** Renders the sample month and photographs the HTML as a reader would see it, for the docs. */
async function main(): Promise<void> {
  const sample = JSON.parse(fs.readFileSync(SAMPLE, 'utf8')) as { period: { end: string } };
  // Generated on the morning after the month closed, so the picture changes only with the code.
  const now = new Date(`${sample.period.end}T06:00:00Z`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cost-report-'));
  const { paths } = await writeCostReport({ fixture: SAMPLE, out, now });

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
