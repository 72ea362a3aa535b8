import { deployedValue } from './deployed-values';
import type { SynthesizedAppReader } from './synthesized-app';

/** One CORSRule of a bucket (`AWS::S3::Bucket` `CorsConfiguration.CorsRules`). */
export interface CorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAge?: number;
}

/**
 * Each bucket's CORS rules as its template sets them, by bucket name. `localOrigin` maps an origin
 * the template names to the one it stands for on this machine (the site's deployed origin is the
 * local site server's).
 */
export function bucketCorsRules(
  reader: SynthesizedAppReader,
  localOrigin: (origin: string) => string,
): Map<string, CorsRule[]> {
  const rules = new Map<string, CorsRule[]>();
  for (const bucket of reader.resources('AWS::S3::Bucket')) {
    const configuration = bucket.properties.CorsConfiguration as
      | { CorsRules?: Record<string, unknown>[] }
      | undefined;
    if (!configuration?.CorsRules) continue;
    const list = (value: unknown) =>
      ((value ?? []) as unknown[]).map((entry) => String(deployedValue(entry, bucket.stack)));
    rules.set(
      reader.ref(bucket),
      configuration.CorsRules.map((rule) => ({
        allowedOrigins: list(rule.AllowedOrigins).map(localOrigin),
        allowedMethods: list(rule.AllowedMethods),
        allowedHeaders: list(rule.AllowedHeaders),
        exposedHeaders: list(rule.ExposedHeaders),
        ...(typeof rule.MaxAge === 'number' && { maxAge: rule.MaxAge }),
      })),
    );
  }
  return rules;
}

/**
 * The first rule that allows a request, as S3 evaluates them (S3 user guide, "Using cross-origin
 * resource sharing (CORS)", "How does Amazon S3 evaluate the CORS configuration on a bucket?"): the
 * origin matches an AllowedOrigin (one `*` wildcard allowed), the method (for a preflight, the one in
 * Access-Control-Request-Method) is an AllowedMethod, and every header a preflight asks for in
 * Access-Control-Request-Headers matches an AllowedHeader (one `*` wildcard allowed; names are
 * case-insensitive).
 */
export function corsRuleFor(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  requestedHeaders: readonly string[],
): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedOrigins.some((allowed) => wildcardMatch(allowed, origin, false)) &&
      rule.allowedMethods.includes(method.toUpperCase()) &&
      requestedHeaders.every((name) =>
        rule.allowedHeaders.some((allowed) => wildcardMatch(allowed, name, true)),
      ),
  );
}

function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const [a = '', b] = (ignoreCase ? pattern.toLowerCase() : pattern).split('*', 2);
  const subject = ignoreCase ? value.toLowerCase() : value;
  if (b === undefined) return subject === a;
  return subject.length >= a.length + b.length && subject.startsWith(a) && subject.endsWith(b);
}
