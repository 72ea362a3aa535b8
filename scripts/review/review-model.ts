/**
 * The six pillars of the AWS Well-Architected Framework, in the framework's order. The framework's
 * pillar page is not in the stored documentation; the stored best-practice pages the checks cite
 * (SEC03-BP02 in the Security pillar, for one) use these names.
 */
export const PILLARS = [
  'Operational excellence',
  'Security',
  'Reliability',
  'Performance efficiency',
  'Cost optimization',
  'Sustainability',
] as const;

export type Pillar = (typeof PILLARS)[number];

/** `met`: the templates show it; `gap`: they show it is missing; `customer`: no template can show it. */
export type Status = 'met' | 'gap' | 'customer';

/** One resource behind a statement, with what the review found on it. */
export interface EvidenceItem {
  /** `Stack/LogicalId`; for things outside the templates (config, account settings), what they are. */
  readonly resource: string;
  readonly kind: string;
  readonly detail: string;
  readonly status: Status;
  /** The recorded reason that accepts an exception (an acknowledgement), when there is one. */
  readonly reason?: string;
}

/** A count the statement rests on; `key` is stable for tests and tooling, `label` is for people. */
export interface EvidenceNumber {
  readonly key: string;
  readonly label: string;
  readonly value: number;
}

/** One claim of the review, the numbers and resources behind it, and for a gap the fix. */
export interface Statement {
  readonly id: string;
  readonly pillar: Pillar;
  readonly claim: string;
  /** A Well-Architected best practice the statement bears on, with its page. */
  readonly bestPractice?: { readonly id: string; readonly title: string; readonly url: string };
  readonly status: Status;
  readonly numbers: readonly EvidenceNumber[];
  readonly items: readonly EvidenceItem[];
  /** For a gap: what to change, concretely. */
  readonly fix?: string;
  /** Where the evidence comes from and what it cannot show. */
  readonly note?: string;
}

export interface Review {
  readonly environment: string;
  readonly stacks: readonly string[];
  readonly statements: readonly Statement[];
}

/** A statement is a gap when any of its items is. */
export function statusOf(items: readonly EvidenceItem[]): Status {
  return items.some((item) => item.status === 'gap') ? 'gap' : 'met';
}

/** The number of items with each value of `pick`, as evidence numbers under `prefix`. */
export function countBy<T>(
  prefix: string,
  items: readonly T[],
  pick: (item: T) => string,
  label: (value: string) => string,
): EvidenceNumber[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(pick(item), (counts.get(pick(item)) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([value, count]) => ({ key: `${prefix}.${value}`, label: label(value), value: count }));
}
