import { lifecycleExpiry } from '../../lambda/shared/s3-expiry';
import type { SynthesizedAppReader } from './synthesized-app';

/** An expiration rule of a bucket's `LifecycleConfiguration`. */
interface ExpirationRule {
  readonly id: string;
  readonly prefix: string;
  readonly days: number;
}

/**
 * The current-version expiration of the app's buckets, from their templates' lifecycle rules, on the
 * simulated clock, by S3's rule (`lifecycleExpiry`: an object created at 10:30 on 1 January with a
 * 1-day rule expires at 00:00 on 3 January). S3 removes expired objects asynchronously some time after; here
 * they go the moment {@link expire} sees them due, so the local run shows the earliest S3 may.
 * Transitions and noncurrent versions are not modelled: the stand-in keeps one version per key.
 */
export class BucketLifecycle {
  private readonly rules = new Map<string, ExpirationRule[]>();
  private readonly createdAt = new Map<string, number>();

  constructor(reader: SynthesizedAppReader) {
    for (const bucket of reader.resources('AWS::S3::Bucket')) {
      const configuration = bucket.properties.LifecycleConfiguration as
        | {
            Rules?: {
              Id?: string;
              Status?: string;
              Prefix?: string;
              Filter?: { Prefix?: string };
              ExpirationInDays?: number;
            }[];
          }
        | undefined;
      const expirations = (configuration?.Rules ?? [])
        .filter((rule) => rule.Status === 'Enabled' && typeof rule.ExpirationInDays === 'number')
        .map((rule) => ({
          id: rule.Id ?? '',
          prefix: rule.Prefix ?? rule.Filter?.Prefix ?? '',
          days: rule.ExpirationInDays as number,
        }));
      if (expirations.length > 0) this.rules.set(reader.ref(bucket), expirations);
    }
  }

  /** The days after which the rule for `key`'s prefix expires objects in `bucket`, if one does. */
  daysFor(bucket: string, key: string): number | undefined {
    return (this.rules.get(bucket) ?? []).find((rule) => key.startsWith(rule.prefix))?.days;
  }

  /** Records when an object was created (its LastModified), from which its expiry counts. */
  created(bucket: string, key: string, at: number): void {
    this.createdAt.set(`${bucket}/${key}`, at);
  }

  /** When S3 expires the object, and by which rule; undefined when no rule applies. */
  expiryOf(bucket: string, key: string): { at: number; rule: string } | undefined {
    const created = this.createdAt.get(`${bucket}/${key}`);
    if (created === undefined) return undefined;
    const due = (this.rules.get(bucket) ?? [])
      .filter((rule) => key.startsWith(rule.prefix))
      .map((rule) => ({ at: lifecycleExpiry(created, rule.days), rule: rule.id }))
      .sort((a, b) => a.at - b.at);
    return due[0];
  }

  /** The objects due by `now`, as `bucket/key`, forgotten here: the caller deletes them. */
  expire(now: number): string[] {
    const due: string[] = [];
    for (const object of this.createdAt.keys()) {
      const slash = object.indexOf('/');
      const expiry = this.expiryOf(object.slice(0, slash), object.slice(slash + 1));
      if (expiry !== undefined && expiry.at <= now) due.push(object);
    }
    for (const object of due) this.createdAt.delete(object);
    return due;
  }
}
