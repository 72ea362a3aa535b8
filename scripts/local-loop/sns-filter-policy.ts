import { matchesEventPattern } from './event-pattern';

/**
 * Amazon SNS subscription filter policies, matched offline as the SNS developer guide documents them
 * ("Amazon SNS message filtering", https://docs.aws.amazon.com/sns/latest/dg/message-filtering.html,
 * and its pages):
 * - "Amazon SNS subscription filter policies" (sns-subscription-filter-policies.html): each property
 *   the policy names must match (AND); for each, at least one of its values must (OR); properties the
 *   policy does not name are ignored.
 * - "AND/OR logic" (and-or-logic.html): `$or` is an operator only when its value is an array of at
 *   least two objects none of whose field names is a reserved keyword; otherwise it is an ordinary
 *   property name.
 * - "Key matching" (attribute-key-matching.html): `exists` works on leaves; `"exists": true` needs a
 *   non-null, non-empty value; `"exists": false` matches only if at least one attribute is present.
 * - "String value matching" (string-value-matching.html): exact (case-sensitive), `anything-but`
 *   (with a list, or with a `prefix`), `prefix`, `suffix`, `equals-ignore-case`, `cidr`; each element
 *   of a `String.Array` attribute is matched as a separate string, and `anything-but` matches an array
 *   holding a value it does not list.
 * - "Numeric value matching" (numeric-value-matching.html): `numeric` with `=`, `<`, `<=`, `>`, `>=`
 *   (one or two comparisons, a range), `anything-but` with numbers.
 * - "Filter policy constraints" (subscription-filter-policy-constraints.html): attribute policies are
 *   flat (nesting is for the MessageBody scope) and compare String and String.Array attributes (and
 *   numbers by value, above); a Binary attribute takes no part.
 *
 * Where the semantics are EventBridge's, the operators are matched by event-pattern.ts (exact values,
 * prefix, suffix, equals-ignore-case, anything-but, numeric, cidr). Where SNS differs, this module
 * decides before handing over:
 * - `exists` is decided here: SNS's `"exists": true` rejects null and empty values (EventBridge's
 *   matches any leaf, null included), and `"exists": false` is read as its complement.
 * - A message with no attributes matches no policy under the MessageAttributes scope (`exists: false`
 *   included); EventBridge has no such rule.
 * - `$or` that does not meet SNS's conditions is a property name here; event-pattern.ts throws for it.
 * - Operators SNS does not document are refused (throw), though EventBridge has them: `wildcard`,
 *   `anything-but` with `suffix`, `wildcard` or `equals-ignore-case`, and `prefix`/`suffix` with
 *   `equals-ignore-case`.
 * - Not modelled: SNS compares numbers to five decimal places within ±10^9 (event-pattern.ts compares
 *   them exactly), and the limits on a policy's size, keys and value combinations.
 */

/** A filter policy as a subscription's `FilterPolicy` holds it. */
export type FilterPolicy = { readonly [property: string]: unknown };

/** What a subscription's filter policy is matched against. @default MessageAttributes (the API's default) */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** A message attribute as Publish takes it (`MessageAttributes` of the Publish request). */
export interface PublishedAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

/** The parts of a published message a filter policy reads. */
export interface FilteredMessage {
  readonly attributes?: Readonly<Record<string, PublishedAttribute>>;
  /** The message body, read as JSON under the MessageBody scope. */
  readonly body: string;
}

/** The operators SNS documents; an object holding one of them as a field name is a matcher, not a policy. */
const RESERVED = new Set([
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exists',
  'numeric',
  'prefix',
  'suffix',
]);

/** Whether `message` passes `policy`, as SNS decides whether a subscription receives it. */
export function matchesFilterPolicy(
  policy: FilterPolicy,
  message: FilteredMessage,
  scope: FilterPolicyScope = 'MessageAttributes',
): boolean {
  if (!isPlainObject(policy)) throw new Error('a filter policy must be a JSON object');
  if (scope === 'MessageAttributes') {
    const values = attributeValues(message.attributes ?? {});
    // "exists": false only matches if at least one attribute is present (Key matching).
    if (Object.keys(values).length === 0) return Object.keys(policy).length === 0;
    return matchLevel(policy, values, scope, '');
  }
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    return false; // body policies "assume that the message payload is a well-formed JSON object"
  }
  return isPlainObject(body) && matchLevel(policy, body, scope, '');
}

/** Attributes as values: String as text, Number as a number, String.Array as its elements; Binary left out. */
function attributeValues(attributes: Readonly<Record<string, PublishedAttribute>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    const text = attribute.StringValue;
    if (text === undefined || attribute.DataType.startsWith('Binary')) continue;
    if (attribute.DataType === 'String.Array') {
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new Error(`attribute ${name}: a String.Array must be a JSON array`);
      values[name] = parsed;
    } else if (attribute.DataType.startsWith('Number')) {
      values[name] = Number(text);
    } else {
      values[name] = text;
    }
  }
  return values;
}

function matchLevel(
  policy: Readonly<Record<string, unknown>>,
  node: Readonly<Record<string, unknown>>,
  scope: FilterPolicyScope,
  path: string,
): boolean {
  for (const [key, condition] of Object.entries(policy)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or' && isOrOperator(condition)) {
      if (!condition.some((alternative) => matchLevel(alternative, node, scope, path))) return false;
      continue;
    }
    const value = Object.hasOwn(node, key) ? node[key] : undefined;
    if (Array.isArray(condition)) {
      if (!matchProperty(condition, value, at)) return false;
    } else if (isPlainObject(condition)) {
      if (scope === 'MessageAttributes') {
        throw new Error(`${at}: nested policies are for the MessageBody scope only`);
      }
      const objects = (Array.isArray(value) ? value : [value]).filter(isPlainObject);
      const candidates = objects.length > 0 ? objects : [{}];
      if (!candidates.some((object) => matchLevel(condition, object, scope, at))) return false;
    } else {
      throw new Error(`${at}: a policy property takes an array of values or (MessageBody) an object`);
    }
  }
  return true;
}

/** AND/OR logic: `$or` is the operator only with at least two objects, none naming a reserved keyword. */
function isOrOperator(condition: unknown): condition is Record<string, unknown>[] {
  return (
    Array.isArray(condition) &&
    condition.length >= 2 &&
    condition.every(
      (alternative) => isPlainObject(alternative) && !Object.keys(alternative).some((k) => RESERVED.has(k)),
    )
  );
}

type Leaf = string | number | boolean | null;

/** One property's values: at least one must match. */
function matchProperty(matchers: readonly unknown[], value: unknown, at: string): boolean {
  if (matchers.length === 0) throw new Error(`${at}: the list of values is empty`);
  const values = leaves(value);
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && Object.hasOwn(matcher, 'exists')) return exists(matcher, values, at);
    checkSnsOperator(matcher, at);
    return matchesEventPattern({ value: [matcher] }, { value: values });
  });
}

function exists(matcher: Record<string, unknown>, values: readonly Leaf[], at: string): boolean {
  const wanted = matcher.exists;
  if (Object.keys(matcher).length !== 1 || typeof wanted !== 'boolean') {
    throw new Error(`${at}: exists takes true or false`);
  }
  const present = values.some((value) => value !== null && value !== '');
  return wanted === present;
}

/** Refuses what EventBridge matches and the SNS guide does not document. */
function checkSnsOperator(matcher: unknown, at: string): void {
  if (!isPlainObject(matcher)) return;
  const [operator, ...more] = Object.keys(matcher);
  if (operator === undefined || more.length > 0) throw new Error(`${at}: a matcher takes one operator`);
  const operand = matcher[operator];
  const string = (what: unknown) => typeof what === 'string';
  const documented =
    (operator === 'prefix' || operator === 'suffix' || operator === 'equals-ignore-case') && string(operand)
      ? true
      : operator === 'numeric' || operator === 'cidr'
        ? true
        : operator === 'anything-but' &&
          (string(operand) ||
            typeof operand === 'number' ||
            Array.isArray(operand) ||
            (isPlainObject(operand) &&
              Object.keys(operand).length === 1 &&
              string((operand as Record<string, unknown>).prefix)));
  if (!documented) {
    throw new Error(
      `${at}: ${JSON.stringify(matcher)} is not a filter operator the SNS developer guide documents`,
    );
  }
}

/** A property's values: leaves only; an array gives each leaf element (String.Array, body arrays). */
function leaves(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((element) => leaves(element));
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return [value as Leaf];
  return [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
