import * as path from 'node:path';
import { parseReviewArgs, ReviewArgsError } from '../../../scripts/review/args';

describe('npm run review arguments', () => {
  test('defaults: both formats into cdk.out/review, cdk.json’s environment', () => {
    expect(parseReviewArgs([], '/repo')).toEqual({
      outDir: path.join('/repo', 'cdk.out', 'review'),
      format: 'both',
    });
  });

  test('environment, folder, format and an existing assembly, after npm’s --', () => {
    expect(
      parseReviewArgs(
        ['--', '--env', 'prod', '--out', 'docs/review', '--format', 'md', '--assembly', 'cdk.out'],
        '/repo',
      ),
    ).toEqual({
      env: 'prod',
      outDir: path.join('/repo', 'docs', 'review'),
      format: 'md',
      assembly: path.join('/repo', 'cdk.out'),
    });
  });

  test('an unknown format or option is refused with the usage', () => {
    expect(() => parseReviewArgs(['--format', 'pdf'], '/repo')).toThrow(ReviewArgsError);
    expect(() => parseReviewArgs(['--format', 'pdf'], '/repo')).toThrow(/expected md, html or both/);
    expect(() => parseReviewArgs(['--verbose'], '/repo')).toThrow(/usage: npm run review/);
  });
});
