import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../config/load-config';
import { cdkJsonContext } from '../cdk-json-context';
import { parseReviewArgs, ReviewArgsError } from './args';
import { buildReview } from './build-review';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import { readReviewedApp } from './reviewed-app';
import { readAssembly, vigilAppForReview } from './synthesize-for-review';

function main(): void {
  let args: ReturnType<typeof parseReviewArgs>;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = parseReviewArgs(process.argv.slice(2), process.cwd());
    config = loadConfig(args.env ?? (cdkJsonContext().env as string | undefined));
  } catch (error) {
    if (!(error instanceof ReviewArgsError) && !(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(error instanceof ReviewArgsError ? 2 : 1);
  }

  // A temporary assembly, so a review never overwrites the cdk.out a deploy or another synth uses.
  const outdir = args.assembly ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-review-'));
  try {
    const assembly = args.assembly ? readAssembly(args.assembly) : vigilAppForReview(config, outdir).synth();
    const review = buildReview(readReviewedApp(assembly), config);
    fs.mkdirSync(args.outDir, { recursive: true });
    const written: string[] = [];
    if (args.format !== 'html') {
      written.push(path.join(args.outDir, 'review.md'));
      fs.writeFileSync(written.at(-1) as string, renderMarkdown(review));
    }
    if (args.format !== 'md') {
      written.push(path.join(args.outDir, 'review.html'));
      fs.writeFileSync(written.at(-1) as string, renderHtml(review));
    }
    const gaps = review.statements.filter((statement) => statement.status === 'gap');
    console.log(
      `Well-Architected review of "${config.name}": ${review.statements.length} statements, ${gaps.length} with gaps` +
        (gaps.length > 0 ? ` (${gaps.map((statement) => statement.id).join(', ')})` : ''),
    );
    for (const file of written) {
      const relative = path.relative(process.cwd(), file);
      console.log(`  ${relative.startsWith('..') ? file : relative}`);
    }
  } finally {
    if (!args.assembly) fs.rmSync(outdir, { recursive: true, force: true });
  }
}

main();
