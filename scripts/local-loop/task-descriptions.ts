/** One Task of a remediation run, as a timeline line. */
export function describeTask(state: string, payload: unknown, result: unknown): string {
  const op = (payload as { op?: string }).op ?? state;
  const out = (result ?? {}) as Record<string, unknown>;
  if (op === 'verify') {
    const v = (out.verification ?? out) as {
      checks?: number;
      lastState?: string;
      consecutiveOk?: number;
      stable?: boolean;
      expired?: boolean;
    };
    const end = v.stable ? ' — stable' : v.expired ? ' — deadline passed' : '';
    return `verify check ${v.checks}: alarm ${v.lastState}, ${v.consecutiveOk} OK in a row${end}`;
  }
  const calls = (out.calls ?? (out.action as { calls?: unknown } | undefined)?.calls) as
    | { service?: string; action?: string; parameters?: Record<string, unknown> }[]
    | undefined;
  if (Array.isArray(calls)) {
    const listed = calls.map((call) => {
      const scalars = Object.entries(call.parameters ?? {}).filter(([, value]) => typeof value !== 'object');
      return `${call.service}:${call.action}(${scalars.map(([key, value]) => `${key}=${value}`).join(', ')})`;
    });
    return `${state}: ${listed.join('; ') || 'no calls'}`;
  }
  return `${state}: ${summaryOf(out)}`;
}

/** A result's plain fields (`exists=true, functionVersion=2`); ARNs and nested parts left out. */
function summaryOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? '';
  return Object.entries(value)
    .filter(([, field]) => typeof field !== 'object' && !String(field).startsWith('arn:'))
    .map(([key, field]) => `${key}=${field}`)
    .join(', ');
}

/** The states a run went through, repeated loops folded (`Verify ×12`), choices left out. */
export function pathOf(states: readonly string[]): string {
  const steps = states.filter((state) => !state.endsWith('?') && !state.startsWith('Wait for'));
  const folded: string[] = [];
  const counts: number[] = [];
  for (const step of steps) {
    if (folded.at(-1) === step) counts[counts.length - 1] = (counts.at(-1) ?? 1) + 1;
    else {
      folded.push(step);
      counts.push(1);
    }
  }
  return folded.map((step, i) => ((counts[i] ?? 1) > 1 ? `${step} ×${counts[i]}` : step)).join(' → ');
}
