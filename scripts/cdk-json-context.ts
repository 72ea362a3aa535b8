import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The context of `cdk.json` (feature flags, default environment), so an app synthesized in-process by
 * `npm start` or a test behaves exactly as one synthesized by the CDK CLI.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}
