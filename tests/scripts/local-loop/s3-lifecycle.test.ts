import { BucketLifecycle } from '../../../scripts/local-loop/s3-lifecycle';
import type { SynthesizedAppReader } from '../../../scripts/local-loop/synthesized-app';

// A bucket with the predictor's rules, as CloudFormation templates carry them.
const reader = {
  resources: () => [
    {
      logicalId: 'DataBucket',
      properties: {
        LifecycleConfiguration: {
          Rules: [
            { Id: 'expire-uploads', Status: 'Enabled', Prefix: 'uploads/', ExpirationInDays: 1 },
            { Id: 'expire-results', Status: 'Enabled', Prefix: 'results/', ExpirationInDays: 30 },
            { Id: 'off', Status: 'Disabled', Prefix: 'other/', ExpirationInDays: 1 },
          ],
        },
      },
    },
  ],
  ref: () => 'data',
} as unknown as SynthesizedAppReader;

test("the S3 user guide's example: created 10:30 on 1 January, a 1-day rule expires it at 00:00 on 3 January", () => {
  const lifecycle = new BucketLifecycle(reader);
  lifecycle.created('data', 'uploads/a.csv', Date.parse('2026-01-01T10:30:00Z'));
  expect(lifecycle.expiryOf('data', 'uploads/a.csv')).toEqual({
    at: Date.parse('2026-01-03T00:00:00Z'),
    rule: 'expire-uploads',
  });
  expect(lifecycle.expire(Date.parse('2026-01-02T23:59:59Z'))).toEqual([]);
  expect(lifecycle.expire(Date.parse('2026-01-03T00:00:00Z'))).toEqual(['data/uploads/a.csv']);
  // Gone once: the caller deleted it.
  expect(lifecycle.expire(Date.parse('2026-02-01T00:00:00Z'))).toEqual([]);
});

test('each prefix has its own days; a disabled rule and an unmatched key never expire', () => {
  const lifecycle = new BucketLifecycle(reader);
  const created = Date.parse('2026-01-01T10:30:00Z');
  for (const key of ['results/a.ndjson.gz', 'other/a', 'elsewhere/a'])
    lifecycle.created('data', key, created);
  expect(lifecycle.daysFor('data', 'uploads/x')).toBe(1);
  expect(lifecycle.expire(Date.parse('2026-01-31T23:59:59Z'))).toEqual([]);
  expect(lifecycle.expire(Date.parse('2026-02-01T00:00:00Z'))).toEqual(['data/results/a.ndjson.gz']);
  expect(lifecycle.expire(Date.parse('2030-01-01T00:00:00Z'))).toEqual([]);
});
