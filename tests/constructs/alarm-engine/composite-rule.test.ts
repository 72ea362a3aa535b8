import fc from 'fast-check';
import type { AlarmState } from '../../../constructs/alarm-engine/alarm-definition';
import {
  alarmArn,
  COMPOSITE_INITIAL_STATE,
  CompositeRuleError,
  compositeState,
  compositeStates,
  evaluateCompositeRule,
  parseCompositeRule,
  printCompositeRule,
  type RuleNode,
  referencedAlarmName,
} from '../../../constructs/alarm-engine/composite-rule';

const states = (entries: Record<string, AlarmState>) => (name: string) => entries[name];

function errorOf(text: string): CompositeRuleError {
  try {
    parseCompositeRule(text);
  } catch (error) {
    if (error instanceof CompositeRuleError) return error;
    throw error;
  }
  throw new Error(`expected "${text.slice(0, 40)}" to be rejected`);
}

describe('documented example rules', () => {
  it('Create_Composite_Alarm.md and PutCompositeAlarm: ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)', () => {
    const rule = parseCompositeRule('ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)');
    expect(rule.children()).toEqual(['CPUUtilizationTooHigh', 'DiskReadOpsTooHigh']);
    const both = states({ CPUUtilizationTooHigh: 'ALARM', DiskReadOpsTooHigh: 'ALARM' });
    const one = states({ CPUUtilizationTooHigh: 'ALARM', DiskReadOpsTooHigh: 'OK' });
    expect(evaluateCompositeRule(rule, both)).toBe(true);
    expect(evaluateCompositeRule(rule, one)).toBe(false);
  });

  it('Create_Composite_Alarm.md and PutCompositeAlarm: ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)', () => {
    const rule = parseCompositeRule('ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)');
    expect(
      evaluateCompositeRule(rule, states({ CPUUtilizationTooHigh: 'ALARM', DeploymentInProgress: 'OK' })),
    ).toBe(true);
    expect(
      evaluateCompositeRule(rule, states({ CPUUtilizationTooHigh: 'ALARM', DeploymentInProgress: 'ALARM' })),
    ).toBe(false);
    expect(
      evaluateCompositeRule(
        rule,
        states({ CPUUtilizationTooHigh: 'ALARM', DeploymentInProgress: 'INSUFFICIENT_DATA' }),
      ),
    ).toBe(true);
  });

  it('Create_Composite_Alarm.md and PutCompositeAlarm: (ALARM(CPU...) OR ALARM(DiskReadOps...)) AND OK(NetworkOutTooHigh)', () => {
    const rule = parseCompositeRule(
      '(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)',
    );
    const network = (state: AlarmState) =>
      states({ CPUUtilizationTooHigh: 'OK', DiskReadOpsTooHigh: 'ALARM', NetworkOutTooHigh: state });
    expect(evaluateCompositeRule(rule, network('OK'))).toBe(true);
    expect(evaluateCompositeRule(rule, network('ALARM'))).toBe(false);
    expect(evaluateCompositeRule(rule, network('INSUFFICIENT_DATA'))).toBe(false);
  });

  it('Create_Composite_Alarm.md console example: quoted names across several lines', () => {
    const rule = parseCompositeRule(
      '(ALARM("CPUUtilizationTooHigh") OR \nALARM("DiskReadOpsTooHigh")) AND \nOK("NetworkOutTooHigh")',
    );
    expect(rule.root).toEqual(
      parseCompositeRule(
        '(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)',
      ).root,
    );
  });

  it('Create_Composite_Alarm.md: INSUFFICIENT_DATA(...) is TRUE only when the alarm is in INSUFFICIENT_DATA', () => {
    const rule = parseCompositeRule('INSUFFICIENT_DATA("QueueDepth")');
    expect(evaluateCompositeRule(rule, states({ QueueDepth: 'INSUFFICIENT_DATA' }))).toBe(true);
    expect(evaluateCompositeRule(rule, states({ QueueDepth: 'OK' }))).toBe(false);
    expect(evaluateCompositeRule(rule, states({ QueueDepth: 'ALARM' }))).toBe(false);
  });

  it('PutCompositeAlarm: TRUE always evaluates to TRUE and FALSE to FALSE; Create_Composite_Alarm.md breaks a cycle with False', () => {
    expect(evaluateCompositeRule(parseCompositeRule('TRUE'), states({}))).toBe(true);
    expect(evaluateCompositeRule(parseCompositeRule('FALSE'), states({}))).toBe(false);
    expect(evaluateCompositeRule(parseCompositeRule('False'), states({}))).toBe(false);
    expect(parseCompositeRule('TRUE AND FALSE').children()).toEqual([]);
  });
});

describe('names and ARNs', () => {
  const arn = alarmArn('cpu-high', 'eu-west-1', '111122223333');

  it('reads a rule that mixes a name and an ARN, and reports each as written', () => {
    const rule = parseCompositeRule(`ALARM("${arn}") OR ALARM(disk-high)`);
    expect(arn).toBe('arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cpu-high');
    expect(rule.children()).toEqual([arn, 'disk-high']);
    expect(rule.children().map(referencedAlarmName)).toEqual(['cpu-high', 'disk-high']);
  });

  it('keeps an alarm name containing colons whole inside its ARN', () => {
    expect(referencedAlarmName('arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:team:api:5xx')).toBe(
      'team:api:5xx',
    );
    expect(referencedAlarmName('not-an-arn')).toBe('not-an-arn');
  });

  it('keeps spaces inside a quoted name and trims them around a bare one', () => {
    expect(parseCompositeRule('ALARM("api 5xx rate ")').children()).toEqual(['api 5xx rate ']);
    expect(parseCompositeRule('ALARM(  api-5xx  )').children()).toEqual(['api-5xx']);
  });

  it('lists an alarm named twice once', () => {
    expect(parseCompositeRule('ALARM(a) OR (OK(a) AND ALARM(b))').children()).toEqual(['a', 'b']);
  });

  it('refuses to evaluate a rule naming an alarm it has no state for', () => {
    expect(() => evaluateCompositeRule(parseCompositeRule('ALARM(ghost)'), states({}))).toThrow(
      'the composite rule names alarm "ghost", which is not known',
    );
  });
});

describe('operators', () => {
  it('NOT binds to the condition right after it', () => {
    const rule = parseCompositeRule('NOT ALARM(a) AND ALARM(b)');
    expect(rule.root).toEqual({
      kind: 'and',
      operands: [
        { kind: 'not', operand: { kind: 'state', state: 'ALARM', alarm: 'a' } },
        { kind: 'state', state: 'ALARM', alarm: 'b' },
      ],
    });
    expect(evaluateCompositeRule(rule, states({ a: 'ALARM', b: 'ALARM' }))).toBe(false);
  });

  it('rejects AND and OR mixed without parentheses, as their precedence is undocumented', () => {
    const error = errorOf('ALARM(a) OR ALARM(b) AND ALARM(c)');
    expect(error.message).toBe(
      '"AND" after "OR" without parentheses (CloudWatch does not document which binds tighter; group them ' +
        'with parentheses) at character 22',
    );
    expect(parseCompositeRule('ALARM(a) OR (ALARM(b) AND ALARM(c))').children()).toEqual(['a', 'b', 'c']);
  });

  it('accepts a chain of one operator and NOT over a group', () => {
    const rule = parseCompositeRule('NOT (OK(a) OR OK(b) OR OK(c))');
    expect(evaluateCompositeRule(rule, states({ a: 'ALARM', b: 'INSUFFICIENT_DATA', c: 'ALARM' }))).toBe(
      true,
    );
    expect(evaluateCompositeRule(rule, states({ a: 'ALARM', b: 'OK', c: 'ALARM' }))).toBe(false);
  });
});

describe('AT_LEAST', () => {
  const three = { a: 'ALARM', b: 'OK', c: 'ALARM' } as const;

  it('with a count: at least M of the listed alarms are in the state (the CDK AtLeastThreshold.count form)', () => {
    const rule = parseCompositeRule('AT_LEAST(2, ALARM, ("a", "b", "c"))');
    expect(rule.root).toEqual({
      kind: 'atLeast',
      threshold: { kind: 'count', value: 2 },
      state: 'ALARM',
      negated: false,
      alarms: ['a', 'b', 'c'],
    });
    expect(evaluateCompositeRule(rule, states(three))).toBe(true);
    expect(evaluateCompositeRule(rule, states({ ...three, c: 'OK' }))).toBe(false);
  });

  it('with a percentage and NOT: at least P% of the alarms are not in the state (the CDK atLeastNot form)', () => {
    const rule = parseCompositeRule('AT_LEAST(60%, NOT OK, (a, b, c))');
    // 2 of 3 are not OK: 66.7% >= 60%.
    expect(evaluateCompositeRule(rule, states(three))).toBe(true);
    // 1 of 3: 33.3% < 60%.
    expect(evaluateCompositeRule(rule, states({ a: 'ALARM', b: 'OK', c: 'OK' }))).toBe(false);
  });

  it('a percentage needs the exact share, without rounding up', () => {
    const rule = parseCompositeRule('AT_LEAST(50%, ALARM, (a, b, c, d))');
    expect(evaluateCompositeRule(rule, states({ a: 'ALARM', b: 'ALARM', c: 'OK', d: 'OK' }))).toBe(true);
    expect(evaluateCompositeRule(rule, states({ a: 'ALARM', b: 'OK', c: 'OK', d: 'OK' }))).toBe(false);
    const thirds = parseCompositeRule('AT_LEAST(34%, ALARM, (a, b, c))');
    expect(evaluateCompositeRule(thirds, states({ a: 'ALARM', b: 'OK', c: 'OK' }))).toBe(false);
  });

  it('counts INSUFFICIENT_DATA like any other state, and combines with other conditions', () => {
    const rule = parseCompositeRule('AT_LEAST(1, INSUFFICIENT_DATA, (a, b)) OR ALARM(c)');
    expect(evaluateCompositeRule(rule, states({ a: 'OK', b: 'INSUFFICIENT_DATA', c: 'OK' }))).toBe(true);
    expect(evaluateCompositeRule(rule, states({ a: 'OK', b: 'OK', c: 'OK' }))).toBe(false);
  });

  it('rejects M out of range: a count above the number of alarms, zero, or a percentage over 100', () => {
    expect(errorOf('AT_LEAST(4, ALARM, (a, b, c))').message).toBe(
      'AT_LEAST count 4 is out of range (1 to 3, the number of alarms listed) at character 10',
    );
    expect(errorOf('AT_LEAST(0, ALARM, (a))').message).toMatch(/^AT_LEAST count 0 is out of range/);
    expect(errorOf('AT_LEAST(101%, ALARM, (a))').message).toBe(
      'AT_LEAST percentage 101% is out of range (1% to 100%) at character 10',
    );
  });

  it('rejects a missing state or list', () => {
    expect(errorOf('AT_LEAST(1, BROKEN, (a))').message).toBe(
      'AT_LEAST needs ALARM, OK or INSUFFICIENT_DATA (optionally NOT) second at character 13',
    );
    expect(errorOf('AT_LEAST(1, ALARM, a)').message).toBe(
      'expected "(" opening the AT_LEAST list of alarms but found "a" at character 20',
    );
  });
});

describe('rejections', () => {
  it('an empty rule', () => {
    expect(errorOf('').message).toBe('the rule is empty at character 1');
    expect(errorOf('   \n').message).toBe('the rule is empty at character 1');
  });

  it('unbalanced parentheses, either way', () => {
    expect(errorOf('(ALARM(a) OR ALARM(b)').message).toBe('a "(" that is never closed at character 1');
    expect(errorOf('ALARM(a) OR ALARM(b))').message).toBe('a ")" with no matching "(" at character 21');
    expect(errorOf('ALARM(a').message).toBe(
      'expected ")" to close ALARM( but found the end of the rule at character 8',
    );
  });

  it('an unknown function', () => {
    expect(errorOf('ALARM(a) AND WARNING(b)').message).toBe(
      'unknown function or keyword "WARNING" (expected ALARM, OK, INSUFFICIENT_DATA, AT_LEAST, TRUE, FALSE or NOT) ' +
        'at character 14',
    );
  });

  it('an operator with nothing after it, and a quoted name never closed', () => {
    expect(errorOf('ALARM(a) AND').message).toBe('the rule ends where a condition belongs at character 13');
    expect(errorOf('ALARM("a) OR ALARM(b)').message).toBe(
      'a quoted alarm name that is never closed at character 7',
    );
    expect(errorOf('ALARM("")').message).toBe('an alarm name or ARN is missing at character 7');
  });

  it('over 100 children (PutCompositeAlarm), naming the first one too many', () => {
    const rule = (count: number) =>
      Array.from({ length: count }, (_, index) => `ALARM(child-${index})`).join(' OR ');
    expect(parseCompositeRule(rule(100)).children()).toHaveLength(100);
    const error = errorOf(rule(101));
    expect(error.message).toBe(
      `alarm "child-100" is child number 101, over CloudWatch's limit of 100 at character ${rule(100).length + 11}`,
    );
  });

  it('over 500 elements (PutCompositeAlarm), even with few distinct children', () => {
    const many = (count: number) => Array.from({ length: count }, () => 'ALARM(a)').join(' OR ');
    expect(parseCompositeRule(many(500)).children()).toEqual(['a']);
    expect(errorOf(many(501)).message).toMatch(/^the rule has more than CloudWatch's limit of 500 elements/);
  });

  it('over 10,240 characters', () => {
    const name = 'x'.repeat(10_240 - 'ALARM()'.length);
    expect(parseCompositeRule(`ALARM(${name})`).children()).toEqual([name]);
    expect(errorOf(`ALARM(${name}y)`).message).toBe(
      "the rule is 10241 characters long, over CloudWatch's limit of 10240 at character 10241",
    );
  });
});

describe('composite state', () => {
  it('is ALARM when the rule is TRUE and OK otherwise, never INSUFFICIENT_DATA after an evaluation', () => {
    const rule = parseCompositeRule('ALARM(a) OR ALARM(b)');
    expect(compositeState(rule, states({ a: 'INSUFFICIENT_DATA', b: 'INSUFFICIENT_DATA' }))).toBe('OK');
    expect(compositeState(rule, states({ a: 'INSUFFICIENT_DATA', b: 'ALARM' }))).toBe('ALARM');
    expect(COMPOSITE_INITIAL_STATE).toBe('INSUFFICIENT_DATA');
  });

  it('evaluates composites over composites in dependency order, by name or ARN', () => {
    const innerArn = alarmArn('inner', 'us-east-1', '123456789012');
    const result = compositeStates(
      [
        { name: 'outer', rule: parseCompositeRule(`ALARM("${innerArn}") AND OK(metric-b)`) },
        { name: 'inner', rule: parseCompositeRule('ALARM(metric-a)') },
      ],
      states({ 'metric-a': 'ALARM', 'metric-b': 'OK' }),
    );
    expect(Object.fromEntries(result)).toEqual({ inner: 'ALARM', outer: 'ALARM' });
  });

  it('stops evaluating a cycle (Create_Composite_Alarm.md): its members and dependants keep their state', () => {
    const result = compositeStates(
      [
        { name: 'x', rule: parseCompositeRule('ALARM(y) OR ALARM(metric)') },
        { name: 'y', rule: parseCompositeRule('ALARM(x)') },
        { name: 'z', rule: parseCompositeRule('ALARM(y)') },
        { name: 'free', rule: parseCompositeRule('ALARM(metric)') },
      ],
      states({ metric: 'ALARM' }),
      (name) => (name === 'x' ? 'OK' : COMPOSITE_INITIAL_STATE),
    );
    expect(Object.fromEntries(result)).toEqual({
      x: 'OK',
      y: 'INSUFFICIENT_DATA',
      z: 'INSUFFICIENT_DATA',
      free: 'ALARM',
    });
  });
});

describe('printing and parsing back', () => {
  const name = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,20}$/),
    fc
      .stringMatching(/^[A-Za-z0-9_-]{1,20}$/)
      .map((alarm) => alarmArn(alarm, 'eu-central-1', '111122223333')),
  );
  const state = fc.constantFrom<AlarmState>('ALARM', 'OK', 'INSUFFICIENT_DATA');
  const atLeast = fc
    .tuple(fc.array(name, { minLength: 1, maxLength: 5 }), state, fc.boolean(), fc.boolean(), fc.nat())
    .map(
      ([alarms, atState, negated, percent, seed]): RuleNode => ({
        kind: 'atLeast',
        threshold: percent
          ? { kind: 'percent', value: (seed % 100) + 1 }
          : { kind: 'count', value: (seed % alarms.length) + 1 },
        state: atState,
        negated,
        alarms,
      }),
    );
  const tree = fc.letrec<{ node: RuleNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ kind: fc.constant('state' as const), state, alarm: name }),
      fc.record({ kind: fc.constant('constant' as const), value: fc.boolean() }),
      atLeast,
      fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
      fc.record({
        kind: fc.constantFrom('and' as const, 'or' as const),
        operands: fc.array(tie('node'), { minLength: 2, maxLength: 4 }),
      }),
    ),
  })).node;

  it('yields the same tree', () => {
    fc.assert(
      fc.property(tree, (node) => {
        expect(parseCompositeRule(printCompositeRule(node)).root).toEqual(node);
      }),
      { numRuns: 300 },
    );
  });
});
