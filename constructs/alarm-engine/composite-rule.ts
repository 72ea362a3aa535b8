/**
 * Composite alarm rules (`AlarmRule`): parsing, printing and evaluation as CloudWatch documents them.
 *
 * Sources:
 * - CloudWatch User Guide, "Create a composite alarm" (Create_Composite_Alarm.md): the ALARM, OK and
 *   INSUFFICIENT_DATA functions, TRUE and FALSE, AND, OR, NOT and parentheses, the example rules, and
 *   that a cycle of composite alarms stops being evaluated.
 * - CloudWatch API Reference, PutCompositeAlarm, `AlarmRule`: names or ARNs, "Alarm names specified in
 *   AlarmRule can be surrounded with double-quotes ("), but do not have to be", up to 100 children and
 *   500 elements; CloudFormation's AWS::CloudWatch::CompositeAlarm: at most 10240 characters.
 * - AT_LEAST: `AT_LEAST(M, STATE, (alarm, ...))` with M a count or a percentage (`60%`) and STATE one
 *   of ALARM, OK, INSUFFICIENT_DATA, each optionally preceded by NOT. Taken from the CDK API reference
 *   (aws-cdk-lib.aws_cloudwatch.AtLeastThreshold / AtLeastOptions), which renders exactly this form,
 *   and from aws/aws-cdk#37692, which quotes CloudWatch's syntax. The user-guide section on AT_LEAST
 *   (added November 2025) was not in the stored documentation, so its finer points are assumptions
 *   marked below.
 */
import type { AlarmState } from './alarm-definition';
import { MAX_ALARM_RULE_ELEMENTS, MAX_ALARM_RULE_LENGTH, MAX_COMPOSITE_CHILDREN } from './composite-limits';

/** AT_LEAST's M: an absolute number of alarms, or a percentage of the listed alarms. */
export type AtLeastThreshold =
  | { readonly kind: 'count'; readonly value: number }
  | { readonly kind: 'percent'; readonly value: number };

/** One node of a parsed rule. Grouping parentheses leave no node: they only shape the tree. */
export type RuleNode =
  | { readonly kind: 'state'; readonly state: AlarmState; readonly alarm: string }
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'not'; readonly operand: RuleNode }
  | { readonly kind: 'and'; readonly operands: readonly RuleNode[] }
  | { readonly kind: 'or'; readonly operands: readonly RuleNode[] }
  | {
      readonly kind: 'atLeast';
      readonly threshold: AtLeastThreshold;
      readonly state: AlarmState;
      /** `NOT ALARM` and the like: counts the alarms that are not in `state`. */
      readonly negated: boolean;
      readonly alarms: readonly string[];
    };

/** A parsed `AlarmRule`. */
export interface CompositeRule {
  readonly text: string;
  readonly root: RuleNode;
  /** The alarms the rule names, as written (name or ARN), each once, in order of first mention. */
  children(): string[];
}

/** A malformed rule: the message names the problem and the 1-based character where it is. */
export class CompositeRuleError extends Error {
  /** 0-based offset into the rule text. */
  readonly position: number;

  constructor(problem: string, position: number) {
    super(`${problem} at character ${position + 1}`);
    this.name = 'CompositeRuleError';
    this.position = position;
  }
}

/**
 * A composite alarm's state before its first evaluation. PutCompositeAlarm: "When this operation
 * creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA ... For a composite
 * alarm, this initial time after creation is the only time that the alarm can be in
 * INSUFFICIENT_DATA state."
 */
export const COMPOSITE_INITIAL_STATE: AlarmState = 'INSUFFICIENT_DATA';

const STATE_FUNCTIONS: readonly AlarmState[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/** Parses `AlarmRule` text; throws CompositeRuleError on anything CloudWatch would reject. */
export function parseCompositeRule(text: string): CompositeRule {
  if (text.length > MAX_ALARM_RULE_LENGTH) {
    throw new CompositeRuleError(
      `the rule is ${text.length} characters long, over CloudWatch's limit of ${MAX_ALARM_RULE_LENGTH}`,
      MAX_ALARM_RULE_LENGTH,
    );
  }
  const parser = new Parser(text);
  const root = parser.parse();
  const children = [...new Set(referencesOf(root))];
  return { text, root, children: () => [...children] };
}

/** Whether the rule is TRUE, given each named alarm's state. Throws when an alarm is unknown. */
export function evaluateCompositeRule(
  rule: CompositeRule,
  stateOf: (nameOrArn: string) => AlarmState | undefined,
): boolean {
  const known = (alarm: string): AlarmState => {
    const state = stateOf(alarm);
    // Not documented: PutCompositeAlarm's reference does not say what a rule naming a missing alarm
    // does. We refuse to guess a state for it.
    if (state === undefined) throw new Error(`the composite rule names alarm "${alarm}", which is not known`);
    return state;
  };
  const evaluate = (node: RuleNode): boolean => {
    switch (node.kind) {
      case 'state':
        return known(node.alarm) === node.state;
      case 'constant':
        return node.value;
      case 'not':
        return !evaluate(node.operand);
      case 'and':
        return node.operands.every(evaluate);
      case 'or':
        return node.operands.some(evaluate);
      case 'atLeast': {
        const matching = node.alarms.filter((alarm) => (known(alarm) === node.state) !== node.negated).length;
        return node.threshold.kind === 'count'
          ? matching >= node.threshold.value
          : // Not documented: how a percentage rounds. We require the exact share, no rounding.
            matching * 100 >= node.threshold.value * node.alarms.length;
      }
    }
  };
  return evaluate(rule.root);
}

/**
 * A composite alarm's state after an evaluation: ALARM when its rule is TRUE, else OK. Children in
 * INSUFFICIENT_DATA make only `INSUFFICIENT_DATA(...)` true; they never make the composite
 * INSUFFICIENT_DATA, which it is only before its first evaluation (COMPOSITE_INITIAL_STATE).
 */
export function compositeState(
  rule: CompositeRule,
  stateOf: (nameOrArn: string) => AlarmState | undefined,
): 'ALARM' | 'OK' {
  return evaluateCompositeRule(rule, stateOf) ? 'ALARM' : 'OK';
}

/** A composite alarm to evaluate with others: its name and parsed rule. */
export interface NamedCompositeRule {
  readonly name: string;
  readonly rule: CompositeRule;
}

/**
 * Every composite's state at one evaluation, composites over composites included. A composite in a
 * dependency cycle keeps its previous state: "your composite alarms stop being evaluated"
 * (Create_Composite_Alarm.md); "the evaluation of composite alarms stops if CloudWatch detects a
 * cycle in the evaluation path" (DeleteAlarms, API Reference). Not documented: whether a composite
 * that only depends on a cycle stops too; we assume it does, as the cycle is in its evaluation path.
 */
export function compositeStates(
  composites: readonly NamedCompositeRule[],
  metricStateOf: (name: string) => AlarmState | undefined,
  previous: (name: string) => AlarmState = () => COMPOSITE_INITIAL_STATE,
): Map<string, AlarmState> {
  const byName = new Map(composites.map((composite) => [composite.name, composite]));
  const states = new Map<string, AlarmState>();
  const stalled = new Set<string>();
  const visiting = new Set<string>();

  const visit = (name: string): void => {
    if (states.has(name) || stalled.has(name)) return;
    const composite = byName.get(name);
    if (composite === undefined) return;
    if (visiting.has(name)) {
      for (const member of visiting) stalled.add(member);
      return;
    }
    visiting.add(name);
    for (const child of composite.rule.children()) visit(referencedAlarmName(child));
    visiting.delete(name);
    const blocked = composite.rule.children().some((child) => stalled.has(referencedAlarmName(child)));
    if (stalled.has(name) || blocked) {
      stalled.add(name);
      return;
    }
    states.set(
      name,
      compositeState(composite.rule, (reference) => {
        const child = referencedAlarmName(reference);
        return states.get(child) ?? metricStateOf(child);
      }),
    );
  };

  for (const composite of composites) visit(composite.name);
  for (const name of stalled) states.set(name, previous(name));
  return states;
}

const ALARM_ARN = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/;

/**
 * The alarm name a rule reference denotes: the reference itself, or the name at the end of an alarm
 * ARN. Sound because "All of the underlying alarms in your composite alarm must be in the same
 * account and the same Region as your composite alarm" (Create_Composite_Alarm.md).
 */
export function referencedAlarmName(reference: string): string {
  return ALARM_ARN.exec(reference)?.[1] ?? reference;
}

/** An alarm's ARN, `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`. */
export function alarmArn(name: string, region: string, account: string, partition = 'aws'): string {
  return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`;
}

/** Canonical text of a rule: functions upper-case, names quoted, parentheses only where needed. */
export function printCompositeRule(node: RuleNode): string {
  switch (node.kind) {
    case 'state':
      return `${node.state}("${node.alarm}")`;
    case 'constant':
      return node.value ? 'TRUE' : 'FALSE';
    case 'not':
      return `NOT ${grouped(node.operand)}`;
    case 'and':
    case 'or':
      return node.operands.map(grouped).join(node.kind === 'and' ? ' AND ' : ' OR ');
    case 'atLeast': {
      const threshold =
        node.threshold.kind === 'count' ? `${node.threshold.value}` : `${node.threshold.value}%`;
      const state = node.negated ? `NOT ${node.state}` : node.state;
      return `AT_LEAST(${threshold}, ${state}, (${node.alarms.map((alarm) => `"${alarm}"`).join(', ')}))`;
    }
  }
}

function grouped(node: RuleNode): string {
  return node.kind === 'and' || node.kind === 'or'
    ? `(${printCompositeRule(node)})`
    : printCompositeRule(node);
}

function referencesOf(node: RuleNode): string[] {
  switch (node.kind) {
    case 'state':
      return [node.alarm];
    case 'constant':
      return [];
    case 'not':
      return referencesOf(node.operand);
    case 'and':
    case 'or':
      return node.operands.flatMap(referencesOf);
    case 'atLeast':
      return [...node.alarms];
  }
}

/** Recursive descent over the rule text, tracking positions for error messages. */
class Parser {
  private index = 0;
  private elements = 0;
  private readonly children = new Set<string>();

  constructor(private readonly text: string) {}

  parse(): RuleNode {
    this.skipSpace();
    if (this.index === this.text.length) throw new CompositeRuleError('the rule is empty', 0);
    const root = this.expression();
    this.skipSpace();
    if (this.index < this.text.length) {
      const problem = this.peek() === ')' ? 'a ")" with no matching "("' : `unexpected "${this.peek()}"`;
      throw new CompositeRuleError(problem, this.index);
    }
    return root;
  }

  /**
   * Operands joined by AND or OR. Not documented: the precedence of AND over OR (the docs' examples
   * always parenthesize a mix), so a mix at one level is rejected rather than read one way or the other.
   */
  private expression(): RuleNode {
    const operands = [this.unary()];
    let operator: 'AND' | 'OR' | undefined;
    for (;;) {
      this.skipSpace();
      const start = this.index;
      const word = this.peekWord();
      if (word !== 'AND' && word !== 'OR') break;
      if (operator !== undefined && word !== operator) {
        throw new CompositeRuleError(
          `"${word}" after "${operator}" without parentheses (CloudWatch does not document which binds ` +
            'tighter; group them with parentheses)',
          start,
        );
      }
      operator = word;
      this.index += word.length;
      operands.push(this.unary());
    }
    if (operator === undefined) return operands[0] as RuleNode;
    return { kind: operator === 'AND' ? 'and' : 'or', operands };
  }

  /** NOT applies to what follows it directly: the docs read "ALARM(A) AND NOT ALARM(B)" as A and (not B). */
  private unary(): RuleNode {
    this.skipSpace();
    if (this.peekWord() === 'NOT') {
      this.index += 3;
      return { kind: 'not', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): RuleNode {
    this.skipSpace();
    const start = this.index;
    if (this.index === this.text.length)
      throw new CompositeRuleError('the rule ends where a condition belongs', start);
    if (this.peek() === '(') {
      this.index++;
      this.countElement(start);
      const inner = this.expression();
      this.skipSpace();
      if (this.peek() !== ')') throw new CompositeRuleError('a "(" that is never closed', start);
      this.index++;
      return inner;
    }
    const word = this.readWord();
    if (word === '') throw new CompositeRuleError(`expected a condition but found "${this.peek()}"`, start);
    if (word === 'TRUE' || word === 'FALSE') {
      this.countElement(start);
      return { kind: 'constant', value: word === 'TRUE' };
    }
    const state = STATE_FUNCTIONS.find((candidate) => candidate === word);
    if (state !== undefined) {
      this.expect('(', `"(" after ${word}`);
      const alarm = this.reference(')');
      this.expect(')', `")" to close ${word}(`);
      return { kind: 'state', state, alarm };
    }
    if (word === 'AT_LEAST') return this.atLeast();
    throw new CompositeRuleError(
      `unknown function or keyword "${this.text.slice(start, this.index)}" (expected ALARM, OK, ` +
        'INSUFFICIENT_DATA, AT_LEAST, TRUE, FALSE or NOT)',
      start,
    );
  }

  private atLeast(): RuleNode {
    this.expect('(', '"(" after AT_LEAST');
    this.skipSpace();
    const thresholdAt = this.index;
    const digits = /^\d+(%?)/.exec(this.text.slice(this.index));
    if (digits === null)
      throw new CompositeRuleError('AT_LEAST needs a count or a percentage first', thresholdAt);
    this.index += digits[0].length;
    const value = Number.parseInt(digits[0], 10);
    const threshold: AtLeastThreshold =
      digits[1] === '%' ? { kind: 'percent', value } : { kind: 'count', value };
    this.expect(',', '"," after the AT_LEAST threshold');
    this.skipSpace();
    let negated = false;
    if (this.peekWord() === 'NOT') {
      negated = true;
      this.index += 3;
      this.skipSpace();
    }
    const stateAt = this.index;
    const stateWord = this.readWord();
    const state = STATE_FUNCTIONS.find((candidate) => candidate === stateWord);
    if (state === undefined) {
      throw new CompositeRuleError(
        'AT_LEAST needs ALARM, OK or INSUFFICIENT_DATA (optionally NOT) second',
        stateAt,
      );
    }
    this.expect(',', '"," after the AT_LEAST state');
    this.expect('(', '"(" opening the AT_LEAST list of alarms');
    const alarms = [this.reference(',)')];
    for (;;) {
      this.skipSpace();
      if (this.peek() !== ',') break;
      this.index++;
      alarms.push(this.reference(',)'));
    }
    this.expect(')', '")" closing the AT_LEAST list of alarms');
    this.expect(')', `")" to close AT_LEAST(`);
    // Not in the stored AWS docs: the range of M. We apply what the CDK enforces before CloudWatch
    // sees the rule: a count from 1 to the number of alarms listed, a percentage from 1 to 100.
    const limit = threshold.kind === 'count' ? alarms.length : 100;
    if (value < 1 || value > limit) {
      const what = threshold.kind === 'count' ? `count ${value}` : `percentage ${value}%`;
      const range =
        threshold.kind === 'count' ? `1 to ${alarms.length}, the number of alarms listed` : '1% to 100%';
      throw new CompositeRuleError(`AT_LEAST ${what} is out of range (${range})`, thresholdAt);
    }
    return { kind: 'atLeast', threshold, state, negated, alarms };
  }

  /**
   * An alarm name or ARN, in double quotes or bare. Not documented: escapes inside quotes (we take
   * none: a quoted name ends at the next `"`), and what a bare name may hold (we read up to the
   * first of `stops`, trimmed, so a name with a parenthesis or comma must be quoted).
   */
  private reference(stops: string): string {
    this.skipSpace();
    const start = this.index;
    let name: string;
    if (this.peek() === '"') {
      const end = this.text.indexOf('"', start + 1);
      if (end < 0) throw new CompositeRuleError('a quoted alarm name that is never closed', start);
      name = this.text.slice(start + 1, end);
      this.index = end + 1;
    } else {
      while (this.index < this.text.length && !stops.includes(this.peek())) this.index++;
      name = this.text.slice(start, this.index).trim();
    }
    if (name === '') throw new CompositeRuleError('an alarm name or ARN is missing', start);
    this.countElement(start);
    this.children.add(name);
    if (this.children.size > MAX_COMPOSITE_CHILDREN) {
      throw new CompositeRuleError(
        `alarm "${name}" is child number ${this.children.size}, ` +
          `over CloudWatch's limit of ${MAX_COMPOSITE_CHILDREN}`,
        start,
      );
    }
    return name;
  }

  /**
   * PutCompositeAlarm: "Elements are child alarms, TRUE or FALSE statements, and parentheses." Not
   * documented: whether a pair of parentheses is one element or two, and whether a function's own
   * parentheses count. We count each grouping pair once and function parentheses not at all, the
   * reading that rejects fewest rules.
   */
  private countElement(at: number): void {
    this.elements++;
    if (this.elements > MAX_ALARM_RULE_ELEMENTS) {
      throw new CompositeRuleError(
        `the rule has more than CloudWatch's limit of ${MAX_ALARM_RULE_ELEMENTS} elements`,
        at,
      );
    }
  }

  private expect(char: string, what: string): void {
    this.skipSpace();
    if (this.peek() !== char) {
      const found = this.index === this.text.length ? 'the end of the rule' : `"${this.peek()}"`;
      throw new CompositeRuleError(`expected ${what} but found ${found}`, this.index);
    }
    this.index++;
  }

  /**
   * Not documented: whether keywords are case-sensitive. The docs spell them in upper case but tell
   * users to break a cycle by setting the rule to `False` (user guide) or `false` (API reference), so
   * we accept any case.
   */
  private peekWord(): string {
    return (/^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.index))?.[0] ?? '').toUpperCase();
  }

  private readWord(): string {
    const word = this.peekWord();
    this.index += word.length;
    return word;
  }

  private peek(): string {
    return this.text.charAt(this.index);
  }

  private skipSpace(): void {
    while (this.index < this.text.length && /\s/.test(this.peek())) this.index++;
  }
}
