import {
  firstDayAfter,
  firstDayOf,
  lastDayOf,
  reportPeriod,
} from '../../../lambda/cost-report/report-period';

test('run on the 3rd: the last full month, the one before, a 12-month trend, the current month', () => {
  expect(reportPeriod(new Date('2026-03-03T06:00:00.000Z'))).toEqual({
    month: '2026-02',
    previousMonth: '2026-01',
    trendStart: '2025-03-01',
    end: '2026-03-01',
    currentMonth: '2026-03',
  });
});

test('in January the months are last year’s', () => {
  expect(reportPeriod(new Date('2027-01-03T06:00:00.000Z'))).toEqual({
    month: '2026-12',
    previousMonth: '2026-11',
    trendStart: '2026-01-01',
    end: '2027-01-01',
    currentMonth: '2027-01',
  });
});

test('in February the month before last is in the previous year', () => {
  expect(reportPeriod(new Date('2027-02-03T06:00:00.000Z'))).toMatchObject({
    month: '2027-01',
    previousMonth: '2026-12',
    trendStart: '2026-02-01',
  });
});

test('a leap year: 29 February belongs to February, 1 March reports February', () => {
  expect(reportPeriod(new Date('2028-02-29T23:59:59.999Z'))).toMatchObject({
    month: '2028-01',
    currentMonth: '2028-02',
  });
  expect(reportPeriod(new Date('2028-03-01T00:00:00.000Z'))).toEqual({
    month: '2028-02',
    previousMonth: '2028-01',
    trendStart: '2027-03-01',
    end: '2028-03-01',
    currentMonth: '2028-03',
  });
});

test('months are UTC: just after midnight on the 1st in Berlin is still the last day of the month before', () => {
  expect(reportPeriod(new Date('2026-04-01T00:30:00+02:00'))).toMatchObject({
    month: '2026-02',
    currentMonth: '2026-03',
  });
});

test('an invalid date is refused rather than turned into NaN months', () => {
  expect(() => reportPeriod(new Date('not a date'))).toThrow(RangeError);
});

test('month boundaries: leap days, century years, December', () => {
  expect(firstDayOf('2026-02')).toBe('2026-02-01');
  expect(lastDayOf('2028-02')).toBe('2028-02-29');
  expect(lastDayOf('2026-02')).toBe('2026-02-28');
  expect(lastDayOf('2100-02')).toBe('2100-02-28');
  expect(lastDayOf('2000-02')).toBe('2000-02-29');
  expect(lastDayOf('2026-12')).toBe('2026-12-31');
  expect(firstDayAfter('2026-12')).toBe('2027-01-01');
  expect(firstDayAfter('2028-02')).toBe('2028-03-01');
});
