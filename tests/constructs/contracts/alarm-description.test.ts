import fc from 'fast-check';
import { z } from 'zod';
import {
  formatAlarmDescription,
  parseAlarmDescription,
  readAlarmDescription,
} from '../../../constructs/contracts/alarm-description';
import { ALARM_SEVERITIES } from '../../../constructs/contracts/alarm-severity';

/**
 * The description format as a zod schema: the oracle for the hand-written reader, which the
 * published package and the Lambda bundles use so that neither carries a schema library.
 */
const oracle = z.object({
  vigil: z.literal(1),
  service: z.string(),
  resource: z.string(),
  signal: z.string(),
  severity: z.enum(ALARM_SEVERITIES),
  summary: z.string(),
  threshold: z.string(),
  runbook: z.string().optional(),
  playbook: z.string().optional(),
  alias: z.string().optional(),
  logGroup: z.string().optional(),
  partOf: z.string().optional(),
});

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...ALARM_SEVERITIES, 'urgent', 1, 2),
  fc.array(fc.string(), { maxLength: 2 }),
);
const fieldValue = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
const text = fc.string({ maxLength: 30 });

/** Mostly valid descriptions with some fields missing, mistyped or extra. */
const candidate = fc.record(
  {
    vigil: fieldValue(fc.constant(1)),
    service: fieldValue(text),
    resource: fieldValue(text),
    signal: fieldValue(text),
    severity: fieldValue(fc.constantFrom(...ALARM_SEVERITIES)),
    summary: fieldValue(text),
    threshold: fieldValue(text),
    runbook: fieldValue(text),
    playbook: fieldValue(text),
    alias: fieldValue(text),
    logGroup: fieldValue(text),
    partOf: fieldValue(text),
    extra: anyValue,
  },
  { requiredKeys: ['vigil', 'service', 'resource', 'signal', 'severity', 'summary', 'threshold'] },
);

describe('reading an alarm description', () => {
  it('accepts and refuses exactly what the zod schema does, and reads the same fields', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 9, arbitrary: candidate }, { weight: 1, arbitrary: anyValue }),
        (json) => {
          const expected = oracle.safeParse(json);
          const reading = readAlarmDescription(json);
          expect(reading.ok).toBe(expected.success);
          if (reading.ok && expected.success) expect(reading.description).toEqual(expected.data);
          if (!reading.ok && !expected.success) {
            const fields = new Set(expected.error.issues.map((issue) => String(issue.path[0] ?? '')));
            expect(new Set(reading.problems.map((problem) => problem.split(':')[0]))).toEqual(
              fields.has('') ? new Set(['must be a JSON object']) : fields,
            );
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('names every refused field in one reading', () => {
    const reading = readAlarmDescription({ vigil: 2, service: 'predictor', signal: 7, severity: 'urgent' });
    expect(reading).toEqual({
      ok: false,
      problems: [
        'vigil: must be 1 (got 2)',
        'resource: is required',
        'signal: must be text',
        'summary: is required',
        'threshold: is required',
        'severity: must be one of critical, high, warning, info',
      ],
    });
  });

  it('round-trips what the constructs write, and ignores text that is not Vigil’s', () => {
    const description = {
      vigil: 1,
      service: 'predictor',
      resource: 'upload-scorer',
      signal: 'errors',
      severity: 'high',
      summary: 'Uploads fail.',
      threshold: '≥ 1 in 1 of 1 five-minute periods',
      playbook: 'lambda-alias-rollback',
    } as const;
    expect(parseAlarmDescription(formatAlarmDescription(description))).toEqual(description);
    expect(parseAlarmDescription('CPU of the orders database is above 80%')).toBeUndefined();
    expect(parseAlarmDescription('{"vigil":1,"service":')).toBeUndefined();
  });

  it('refuses to write a description CloudWatch would reject, naming the alarm', () => {
    expect(() =>
      formatAlarmDescription({
        vigil: 1,
        service: 'predictor',
        resource: 'api',
        signal: 'errors',
        severity: 'high',
        summary: 'x'.repeat(1100),
        threshold: '≥ 1',
      }),
    ).toThrow(/alarm predictor\/api\/errors: description is \d+ characters, CloudWatch allows 1024/);
  });
});
