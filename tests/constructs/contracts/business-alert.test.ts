import fc from 'fast-check';
import { z } from 'zod';
import { ALARM_SEVERITIES } from '../../../constructs/contracts/alarm-severity';
import {
  BUSINESS_ALERT_FIELDS,
  businessAlertSourceProblem,
  readBusinessAlert,
} from '../../../constructs/contracts/business-alert';

/**
 * The business alert format as a zod schema: the oracle for the hand-written reader, which the
 * published package and the Lambda bundles use so that neither carries a schema library. The one
 * rule across fields (severity may be left out only by a resolution) is stated beside it, in
 * {@link severityMissing}, rather than as a refinement, whose running after other issues is zod's
 * choice and not the format's.
 */
const oracle = z.strictObject({
  severity: z.enum(ALARM_SEVERITIES).optional(),
  title: z
    .string()
    .max(200)
    .refine((text) => text.trim().length > 0),
  message: z
    .string()
    .max(4000)
    .refine((text) => text.trim().length > 0),
  service: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
  runbook: z
    .string()
    .max(2048)
    .regex(/^https:\/\/[^\s/?#]+\S*$/)
    .optional(),
  dedupeKey: z
    .string()
    .max(200)
    .regex(/^[\x21-\x7E]+$/),
  resolved: z.boolean().optional(),
});

function severityMissing(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const record = json as Record<string, unknown>;
  return record.severity === undefined && record.resolved !== true;
}

/** The fields the oracle finds wrong: each issue's field, an unknown key's own name. */
function oracleFields(json: unknown): Set<string> {
  const fields = new Set<string>();
  const result = oracle.safeParse(json);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields.add(key);
      else fields.add(String(issue.path[0] ?? 'detail'));
    }
  }
  if (severityMissing(json)) fields.add('severity');
  return fields;
}

/** The field a problem names: a plain word, or a JSON-quoted name. */
function fieldOf(problem: string): string {
  const match = /^("(?:[^"\\]|\\.)*"|[^:"]+): \S/s.exec(problem);
  if (!match?.[1]) throw new Error(`not a "<field>: <problem>" line: ${problem}`);
  return match[1].startsWith('"') ? (JSON.parse(match[1]) as string) : match[1];
}

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...ALARM_SEVERITIES, 'urgent', 'ok', '', '   ', 'https://runbooks.example.com/x', 'a b'),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.string({ minLength: 190, maxLength: 260 }),
);
const fieldValue = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
const printable = fc.stringMatching(/^[\x21-\x7E]{1,40}$/);

/** Mostly valid alerts with some fields missing, mistyped, too long, or unknown. */
const candidate = fc.record(
  {
    severity: fieldValue(fc.constantFrom(...ALARM_SEVERITIES)),
    title: fieldValue(fc.string({ minLength: 1, maxLength: 40 })),
    message: fieldValue(fc.string({ minLength: 1, maxLength: 80 })),
    service: fieldValue(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/)),
    runbook: fieldValue(printable.map((path) => `https://runbooks.example.com/${path}`)),
    dedupeKey: fieldValue(printable),
    resolved: fieldValue(fc.boolean()),
    runBook: anyValue,
  },
  { requiredKeys: [] },
);

describe('reading a business alert', () => {
  it('accepts and refuses exactly what the zod schema does, naming the same fields, and reads the same alert', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 9, arbitrary: candidate }, { weight: 1, arbitrary: fc.anything() }),
        (json) => {
          const expected = oracle.safeParse(json);
          const valid = expected.success && !severityMissing(json);
          const reading = readBusinessAlert(json);
          expect(reading.ok).toBe(valid);
          if (reading.ok && expected.success) expect(reading.alert).toEqual(expected.data);
          if (!reading.ok) {
            const named = new Set(reading.problems.map(fieldOf));
            const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
            expect(named).toEqual(isObject ? oracleFields(json) : new Set(['detail']));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rejects every malformed value with a specific reason per field, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(candidate, fc.anything(), fc.jsonValue()), (json) => {
        let reading: ReturnType<typeof readBusinessAlert> | undefined;
        expect(() => {
          reading = readBusinessAlert(json);
        }).not.toThrow();
        if (reading?.ok !== false) return;
        expect(reading.problems.length).toBeGreaterThan(0);
        for (const problem of reading.problems) {
          // `<field>: <what is wrong>`, the field a real one or the unknown one named.
          const field = fieldOf(problem);
          const known = field === 'detail' || (BUSINESS_ALERT_FIELDS as readonly string[]).includes(field);
          expect(known || problem.includes('is not a business alert field')).toBe(true);
          expect(problem).not.toMatch(/invalid input|undefined|\[object Object\]/i);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('says what is wrong in words the workload’s owner can act on', () => {
    expect(readBusinessAlert({ title: 'x', message: 'y', service: 'orders', dedupeKey: 'k' })).toEqual({
      ok: false,
      problems: ['severity: is required (only a resolution may leave it out)'],
    });
    expect(
      readBusinessAlert({
        severity: 'urgent',
        title: ' ',
        message: 'm'.repeat(4001),
        service: 'orders team',
        dedupeKey: 'has space',
        runbook: 'http://runbooks.example.com',
        runBook: 'https://x',
      }),
    ).toEqual({
      ok: false,
      problems: [
        'runBook: is not a business alert field (known: severity, title, message, service, runbook, dedupeKey, resolved)',
        'severity: must be one of critical, high, warning, info',
        'title: must not be empty',
        'message: must be at most 4000 characters (got 4001)',
        'service: must be 1 to 64 letters, digits, ".", "_" or "-"',
        'dedupeKey: must be printable ASCII without spaces',
        'runbook: must be an https:// link',
      ],
    });
    expect(readBusinessAlert([])).toEqual({ ok: false, problems: ['detail: must be a JSON object'] });
  });

  it('lets a resolution leave its severity out, and keeps only the fields given', () => {
    expect(
      readBusinessAlert({
        resolved: true,
        title: 'Card payments back',
        message: 'The provider recovered.',
        service: 'orders',
        dedupeKey: 'payments/provider-down',
      }),
    ).toEqual({
      ok: true,
      alert: {
        resolved: true,
        title: 'Card payments back',
        message: 'The provider recovered.',
        service: 'orders',
        dedupeKey: 'payments/provider-down',
      },
    });
  });
});

describe('a business alert’s event source', () => {
  it.each([
    ['myapp.alerts', undefined],
    ['com.example.orders', undefined],
    ['aws.health', 'must not start with "aws." (reserved for AWS services)'],
    ['', 'must be 1 to 256 characters'],
    ['x'.repeat(257), 'must be 1 to 256 characters'],
    [' orders', 'must start with a letter, digit, "/", ".", "-" or "_"'],
    [undefined, 'is required'],
    [42, 'must be text'],
  ])('%j: %s', (source, problem) => {
    expect(businessAlertSourceProblem(source)).toBe(problem);
  });
});
