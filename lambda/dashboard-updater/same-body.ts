/**
 * Whether the stored body is the one about to be written. The bodies are built deterministically, so
 * an unchanged set of resources makes the same bytes; the comparison is still made on the parsed JSON
 * with keys sorted, because the API reference does not say that GetDashboard returns the body byte for
 * byte as PutDashboard received it (only that it can be used as the template for a new one), and a
 * reformatted copy must not count as a change. A stored body that is not JSON is a change.
 */
export function sameBody(stored: string | undefined, wanted: string): boolean {
  if (stored === undefined) return false;
  if (stored === wanted) return true;
  try {
    return canonical(JSON.parse(stored)) === canonical(JSON.parse(wanted));
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeys(item)]),
    );
  }
  return value;
}
