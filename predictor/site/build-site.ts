import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

const SOURCE = __dirname;
/** The page's browsers: those with ES2022 modules, `fetch` and `crypto.subtle` (PKCE). */
const TARGETS = ['chrome109', 'firefox115', 'safari16', 'edge109'];

/** The files of the built site, relative to its root. */
export interface BuiltSite {
  /** `index.html`: served briefly cached, it names the hashed files. */
  readonly page: string;
  /** `assets/<name>.<hash>.<ext>`: content-addressed, so cached for a year. */
  readonly assets: readonly string[];
}

/**
 * Builds the upload site into `outputDir`: the script (app.ts and what it imports) and the style
 * sheet, each named by a hash of its content, and index.html naming them. A new build never reuses a
 * name for other content, so CloudFront and browsers can keep `assets/` for a year while index.html
 * is revalidated. `config.json` is not part of the build: each deployment writes its own.
 */
export function buildSite(outputDir: string): BuiltSite {
  const script = buildSync({
    entryPoints: [path.join(SOURCE, 'app.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: TARGETS,
    write: false,
    legalComments: 'none',
  }).outputFiles[0]?.contents;
  if (script === undefined) throw new Error('esbuild wrote no script for the upload site');
  const style = fs.readFileSync(path.join(SOURCE, 'site.css'));
  const assets = [write(outputDir, 'app', 'js', script), write(outputDir, 'site', 'css', style)];
  const [scriptFile, styleFile] = assets;
  const page = fs
    .readFileSync(path.join(SOURCE, 'index.html'), 'utf8')
    .replace('%SCRIPT%', `/${scriptFile}`)
    .replace('%STYLE%', `/${styleFile}`);
  fs.writeFileSync(path.join(outputDir, 'index.html'), page);
  return { page: 'index.html', assets };
}

function write(outputDir: string, name: string, extension: string, content: Uint8Array): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const file = `assets/${name}.${hash}.${extension}`;
  fs.mkdirSync(path.join(outputDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(outputDir, file), content);
  return file;
}
