/**
 * EventBridge event-pattern matching, offline, for tests of the rules Vigil synthesizes. Test-only:
 * no npm package implements the current operator set (wildcard, anything-but with suffix/wildcard,
 * `$or`), so this follows AWS's documentation, and tests/support/event-pattern.test.ts checks it
 * against the documented examples:
 * - "Content filtering in Amazon EventBridge event patterns" and "Comparison operators for use in
 *   event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html),
 * - "Arrays in Amazon EventBridge event patterns", "Matching null values and empty strings",
 * - where those pages are silent, the README of AWS's Event Ruler (github.com/aws/event-ruler), the
 *   matcher EventBridge runs: wildcard escaping, `exists` on a field holding an object.
 *
 * Semantics:
 * - A pattern object matches when every field in it matches (`$or`: when at least one of its
 *   alternatives, each a pattern object at the same level, matches). Fields of the event the pattern
 *   does not name are ignored.
 * - A field's array of matchers matches when any matcher matches any of the field's values. An event
 *   array gives several values (the pattern matches if any element does); a nested pattern object
 *   applied to an array of objects matches if one element matches it as a whole.
 * - Only leaf values (strings, numbers, booleans, null) are values: a field that is missing, or holds
 *   an object, has none. `{ "exists": false }` is the one matcher that matches a field with no value;
 *   every other matcher, `anything-but` included, needs a value.
 * - `anything-but` with strings (and its prefix, suffix, wildcard and equals-ignore-case forms)
 *   matches string values only; with numbers, numeric values only. AWS does not document what it does
 *   with other types (such as null), so this matcher does not match them.
 * - Anything else the documentation does not define (an unknown operator, an empty matcher list,
 *   mixed anything-but lists, consecutive wildcards) throws, so a pattern this cannot judge fails the
 *   test instead of passing it.
 */

export type EventPattern = { readonly [field: string]: unknown };

/** Whether `event` matches `pattern`, as EventBridge documents matching. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event, '');
}

function matchObject(pattern: EventPattern, node: unknown, path: string): boolean {
  if (!isPlainObject(pattern)) throw new Error(`pattern at ${path || '(root)'} must be an object`);
  if (Array.isArray(node)) return node.some((element) => matchObject(pattern, element, path));
  const object = isPlainObject(node) ? node : undefined;
  for (const [key, sub] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isPlainObject)) {
        throw new Error(`$or at ${at} must be an array of at least two pattern objects`);
      }
      if (!sub.some((alternative) => matchObject(alternative, node, path))) return false;
      continue;
    }
    const value = object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchField(sub, leafValues(value), at)) return false;
    } else if (isPlainObject(sub)) {
      if (!matchObject(sub, value, at)) return false;
    } else {
      throw new Error(`pattern field ${at} must be an array of matchers or an object`);
    }
  }
  return true;
}

type Leaf = string | number | boolean | null;

/** The values a field has for matching: leaves only; arrays give each leaf element. */
function leafValues(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((element) => leafValues(element));
  if (isLeaf(value)) return [value];
  return []; // an object is not a value (Event Ruler: exists matches leaf nodes only)
}

function matchField(matchers: readonly unknown[], values: readonly Leaf[], at: string): boolean {
  if (matchers.length === 0) throw new Error(`matcher list at ${at} is empty`);
  return matchers.some((matcher) => matchOne(matcher, values, at));
}

function matchOne(matcher: unknown, values: readonly Leaf[], at: string): boolean {
  if (isLeaf(matcher)) return values.some((value) => equalLeaf(matcher, value));
  if (!isPlainObject(matcher)) throw new Error(`matcher at ${at} must be a value or an object`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1)
    throw new Error(`matcher at ${at} must have exactly one operator (got ${keys.join(', ')})`);
  const operator = keys[0] as string;
  const operand = matcher[operator];
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new Error(`exists at ${at} must be true or false`);
      return operand ? values.length > 0 : values.length === 0;
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard': {
      const test = stringTest(operator, operand, at);
      return values.some((value) => typeof value === 'string' && test(value));
    }
    case 'anything-but':
      return values.some((value) => anythingBut(operand, value, at));
    case 'numeric': {
      const test = numericTest(operand, at);
      return values.some((value) => typeof value === 'number' && test(value));
    }
    case 'cidr': {
      const test = cidrTest(operand, at);
      return values.some((value) => typeof value === 'string' && test(value));
    }
    default:
      throw new Error(`unknown operator ${JSON.stringify(operator)} at ${at}`);
  }
}

/** Exact matching: same type and value (numbers by value, so 3.018e2 is 301.8). */
function equalLeaf(expected: Leaf, value: Leaf): boolean {
  return expected === value;
}

/** prefix, suffix, equals-ignore-case and wildcard, each on string values. */
function stringTest(operator: string, operand: unknown, at: string): (value: string) => boolean {
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      // { "prefix": "x" } or { "prefix": { "equals-ignore-case": "x" } }
      const ignoreCase = isPlainObject(operand);
      const text = ignoreCase ? single(operand, 'equals-ignore-case', at) : operand;
      if (typeof text !== 'string') throw new Error(`${operator} at ${at} must be a string`);
      const fold = (value: string) => (ignoreCase ? value.toLowerCase() : value);
      const wanted = fold(text);
      return operator === 'prefix'
        ? (value) => fold(value).startsWith(wanted)
        : (value) => fold(value).endsWith(wanted);
    }
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') throw new Error(`equals-ignore-case at ${at} must be a string`);
      const wanted = operand.toLowerCase();
      return (value) => value.toLowerCase() === wanted;
    }
    case 'wildcard': {
      if (typeof operand !== 'string') throw new Error(`wildcard at ${at} must be a string`);
      const regex = wildcardRegex(operand, at);
      return (value) => regex.test(value);
    }
    default:
      throw new Error(`unknown string operator ${operator} at ${at}`);
  }
}

/**
 * `*` matches any run of characters, including none. Event Ruler's README: consecutive wildcards are
 * not allowed, `\*` is a literal asterisk, `\\` a literal backslash, and a backslash before anything
 * else is not allowed.
 */
function wildcardRegex(pattern: string, at: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\')
        throw new Error(`wildcard at ${at}: "\\" may escape only "*" or "\\"`);
      source += escapeRegex(next);
      i++;
    } else if (char === '*') {
      if (pattern[i + 1] === '*') throw new Error(`wildcard at ${at}: consecutive "*" are not allowed`);
      source += '[\\s\\S]*';
    } else {
      source += escapeRegex(char);
    }
  }
  return new RegExp(`^${source}$`);
}

function anythingBut(operand: unknown, value: Leaf, at: string): boolean {
  if (typeof operand === 'string') return typeof value === 'string' && value !== operand;
  if (typeof operand === 'number') return typeof value === 'number' && value !== operand;
  if (Array.isArray(operand)) {
    if (operand.length > 0 && operand.every((item) => typeof item === 'string')) {
      return typeof value === 'string' && !operand.includes(value);
    }
    if (operand.length > 0 && operand.every((item) => typeof item === 'number')) {
      return typeof value === 'number' && !operand.includes(value);
    }
    throw new Error(`anything-but list at ${at} must hold only strings or only numbers`);
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const operator = keys[0];
    if (keys.length !== 1 || operator === undefined)
      throw new Error(`anything-but at ${at} takes one operator`);
    if (typeof value !== 'string') return false;
    if (operator === 'equals-ignore-case') {
      const excluded = operand[operator];
      const list = Array.isArray(excluded) ? excluded : [excluded];
      if (!list.every((item) => typeof item === 'string')) {
        throw new Error(`anything-but equals-ignore-case at ${at} takes strings`);
      }
      return !list.some((item) => item.toLowerCase() === value.toLowerCase());
    }
    if (operator === 'prefix' || operator === 'suffix' || operator === 'wildcard') {
      return !stringTest(operator, operand[operator], at)(value);
    }
    throw new Error(`anything-but at ${at} does not take ${JSON.stringify(operator)}`);
  }
  throw new Error(`anything-but at ${at} must be a string, a number, a list or an operator object`);
}

/** `[op, n]` or `[op, n, op, n]`, ops `=`, `<`, `<=`, `>`, `>=`; all must hold. */
function numericTest(operand: unknown, at: string): (value: number) => boolean {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new Error(`numeric at ${at} must be [op, n] or [op, n, op, n]`);
  }
  const checks: ((value: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    if (typeof bound !== 'number')
      throw new Error(`numeric at ${at}: ${JSON.stringify(bound)} is not a number`);
    const compare: Record<string, (value: number) => boolean> = {
      '=': (value) => value === bound,
      '<': (value) => value < bound,
      '<=': (value) => value <= bound,
      '>': (value) => value > bound,
      '>=': (value) => value >= bound,
    };
    const check = typeof op === 'string' ? compare[op] : undefined;
    if (check === undefined) throw new Error(`numeric at ${at}: unknown comparison ${JSON.stringify(op)}`);
    checks.push(check);
  }
  return (value) => checks.every((check) => check(value));
}

/** IPv4 CIDR blocks (the documentation also allows IPv6, which no Vigil rule uses). */
function cidrTest(operand: unknown, at: string): (value: string) => boolean {
  const match = typeof operand === 'string' ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(operand) : null;
  const base = match?.[1] === undefined ? undefined : ipv4(match[1]);
  const bits = Number(match?.[2]);
  if (base === undefined || !(bits >= 0 && bits <= 32)) {
    throw new Error(`cidr at ${at} must be an IPv4 block such as 10.0.0.0/24 (this matcher has no IPv6)`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (value) => {
    const address = ipv4(value);
    return address !== undefined && (address & mask) >>> 0 === (base & mask) >>> 0;
  };
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return parts.reduce((address, part) => ((address << 8) | Number(part)) >>> 0, 0);
}

function single(operand: Record<string, unknown>, key: string, at: string): unknown {
  const keys = Object.keys(operand);
  if (keys.length !== 1 || keys[0] !== key) throw new Error(`expected { "${key}": … } at ${at}`);
  return operand[key];
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
