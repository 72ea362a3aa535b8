import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadConfig } from '../../../config/load-config';
import { buildReview } from '../../../scripts/review/build-review';
import { ENCRYPTION_EXCEPTION_RULE } from '../../../scripts/review/checks/encryption-at-rest';
import { renderHtml } from '../../../scripts/review/render-html';
import { renderMarkdown } from '../../../scripts/review/render-markdown';
import type { EvidenceItem, Review, Statement } from '../../../scripts/review/review-model';
import { readReviewedApp } from '../../../scripts/review/reviewed-app';
import { vigilAppForReview } from '../../../scripts/review/synthesize-for-review';
import { WITHOUT_CFN_VALIDATION } from '../../support/synth-vigil';

const REPOSITORY = path.join(__dirname, '..', '..', '..');
const BROKEN = 'vigil-dev-broken';

let outdir: string;
let review: Review;

/** The dev app plus a stack of plain CDK constructs that break what the review checks. */
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-review-broken-'));
  const app = vigilAppForReview(loadConfig('dev'), outdir, WITHOUT_CFN_VALIDATION);
  const stack = new Stack(app, 'Broken', { stackName: BROKEN });
  new s3.CfnBucket(stack, 'PlainBucket');
  new sns.Topic(stack, 'PlainTopic');
  const acknowledged = new s3.CfnBucket(stack, 'AcknowledgedBucket', {
    bucketEncryption: {
      serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    },
  });
  Validations.of(acknowledged).acknowledge({
    id: ENCRYPTION_EXCEPTION_RULE,
    reason: 'Public static files only.',
  });
  const fn = new lambda.Function(stack, 'Unwatched', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] }));
  review = buildReview(readReviewedApp(app.synth()), loadConfig('dev'));
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

function statement(id: string): Statement {
  const found = review.statements.find((entry) => entry.id === id);
  if (!found) throw new Error(`no statement ${id}`);
  return found;
}

function item(id: string, prefix: string): EvidenceItem {
  const found = statement(id).items.filter((entry) => entry.resource.startsWith(`${BROKEN}/${prefix}`));
  expect(found).toHaveLength(1);
  return found[0] as EvidenceItem;
}

describe('npm run review on an app with an unencrypted bucket, an unmonitored function and a bare wildcard', () => {
  test('the bucket without encryption settings and the topic without a key are encryption gaps, with the fix', () => {
    expect(statement('encryption-at-rest').status).toBe('gap');
    expect(item('encryption-at-rest', 'PlainBucket')).toMatchObject({
      status: 'gap',
      detail: 'not declared: the service default applies: S3 applies SSE-S3',
    });
    expect(item('encryption-at-rest', 'PlainTopic')).toMatchObject({
      status: 'gap',
      detail: 'not encrypted: no KmsMasterKeyId',
    });
    expect(statement('encryption-at-rest').fix).toContain(ENCRYPTION_EXCEPTION_RULE);
  });

  test('an SSE-S3 bucket acknowledged with a reason is an accepted exception, its reason shown', () => {
    expect(item('encryption-at-rest', 'AcknowledgedBucket')).toMatchObject({
      status: 'met',
      reason: 'Public static files only.',
      detail: 'key owned by the service (declared): SSE-S3 (AES256)',
    });
  });

  test('the function no alarm watches is a monitoring gap, with the fix', () => {
    expect(statement('monitoring-coverage').status).toBe('gap');
    expect(item('monitoring-coverage', 'Unwatched')).toMatchObject({
      status: 'gap',
      kind: 'Lambda function',
      detail: 'no alarm watches it',
    });
    expect(statement('monitoring-coverage').fix).toContain('ServiceMonitoring');
  });

  test('the unacknowledged Resource "*" statement is a least-privilege gap; cdk-nag’s findings are gaps too', () => {
    const wildcard = statement('least-privilege').items.filter(
      (entry) => entry.resource.startsWith(`${BROKEN}/`) && entry.detail.includes('s3:ListAllMyBuckets'),
    );
    expect(wildcard).toEqual([
      expect.objectContaining({ status: 'gap', detail: 'Allow s3:ListAllMyBuckets on *' }),
    ]);
    expect(wildcard[0]?.reason).toBeUndefined();
    expect(statement('compliance-gate').status).toBe('gap');
    expect(statement('compliance-gate').items.some((entry) => entry.resource.startsWith('Broken/'))).toBe(
      true,
    );
  });

  test('the bucket without lifecycle or versioning and the function without a failure path are gaps', () => {
    expect(item('data-lifecycle', 'PlainBucket').status).toBe('gap');
    expect(item('backups', 'PlainBucket').status).toBe('gap');
    expect(item('function-failures', 'Unwatched').status).toBe('gap');
    expect(item('function-architecture', 'Unwatched')).toMatchObject({
      status: 'gap',
      detail: 'x86_64, default memory (128 MB)',
    });
  });

  test('both renderings list the gaps and their fixes', () => {
    const markdown = renderMarkdown(review);
    const html = renderHtml(review);
    const unwatched = item('monitoring-coverage', 'Unwatched').resource;
    const gapsSection = markdown.slice(
      markdown.indexOf('## Gaps'),
      markdown.indexOf('## Operational excellence'),
    );
    expect(gapsSection).toContain('Every resource of a kind CloudWatch can alarm on is watched');
    expect(markdown).toContain(`| \`${unwatched}\` | Lambda function | no alarm watches it | GAP |`);
    expect(html).toContain(`<code>${unwatched}</code>`);
    expect(html).toContain('<b>Fix:</b>');
  });

  test('the command writes review.md and review.html from an assembly on disk and prints where', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-review-out-'));
    try {
      const printed = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(REPOSITORY, 'scripts', 'review', 'cli.ts'),
          '--env',
          'dev',
          '--assembly',
          outdir,
          '--out',
          out,
        ],
        { cwd: REPOSITORY, encoding: 'utf8' },
      );
      expect(printed).toContain('Well-Architected review of "dev"');
      expect(printed).toContain('monitoring-coverage');
      expect(fs.readFileSync(path.join(out, 'review.md'), 'utf8')).toBe(renderMarkdown(review));
      expect(fs.readFileSync(path.join(out, 'review.html'), 'utf8')).toBe(renderHtml(review));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
