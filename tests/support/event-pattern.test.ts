import { type EventPattern, matchesEventPattern } from '../../scripts/local-loop/event-pattern';
import { ALARM_STATE_CHANGES, stateChange } from '../fixtures/aws/alarm-events';

// Every example below is AWS's, from the page named in its describe block; events that a page only
// describes in words are built as the page describes them and marked so.
const CONTENT_FILTERING =
  'EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns" ' +
  '(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html, ' +
  'as archived in awsdocs/amazon-eventbridge-user-guide)';
const OPERATORS =
  'EventBridge User Guide, "Comparison operators for use in event patterns in Amazon EventBridge" ' +
  '(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html)';
const ARRAYS =
  'EventBridge User Guide, "Arrays in Amazon EventBridge event patterns" ' +
  '(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html)';
const NULLS =
  'EventBridge User Guide, "Matching null values and empty strings in Amazon EventBridge event patterns" ' +
  '(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html)';
const RULER = 'Event Ruler README, the matcher behind EventBridge (https://github.com/aws/event-ruler)';
const ALARM_FILTER =
  'CloudWatch User Guide, "Notifying users on alarm changes", advanced filter example ' +
  '(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html)';

const matches = (pattern: EventPattern, event: unknown) => matchesEventPattern(pattern, event);

describe(CONTENT_FILTERING, () => {
  it('prefix: "time" starting with 2017-10-02', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matches(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
  });

  it('suffix: "FileName" ending with .png', () => {
    const pattern = { FileName: [{ suffix: '.png' }] };
    expect(matches(pattern, { FileName: 'image.png' })).toBe(true);
    expect(matches(pattern, { FileName: 'image.jpg' })).toBe(false);
  });

  it('anything-but with a string and with a number', () => {
    expect(
      matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: { state: 'running' } }),
    ).toBe(true);
    expect(
      matches(
        { detail: { state: [{ 'anything-but': 'initializing' }] } },
        { detail: { state: 'initializing' } },
      ),
    ).toBe(false);
    expect(
      matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, { detail: { 'x-limit': 124 } }),
    ).toBe(true);
    expect(
      matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, { detail: { 'x-limit': 123 } }),
    ).toBe(false);
  });

  it('anything-but with a list of strings and a list of numbers', () => {
    const strings = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matches(strings, { detail: { state: 'running' } })).toBe(true);
    expect(matches(strings, { detail: { state: 'overloaded' } })).toBe(false);
    const numbers = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matches(numbers, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matches(numbers, { detail: { 'x-limit': 200 } })).toBe(false);
  });

  it('anything-but with a prefix: "state" not starting with init', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'initializing' } })).toBe(false);
  });

  it('numeric: all of c-count in (0, 5], d-count < 10, x-limit = 3.018e2', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matches(pattern, { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } })).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 6, 'd-count': 3, 'x-limit': 301.8 } })).toBe(false);
    expect(matches(pattern, { detail: { 'c-count': '5', 'd-count': 3, 'x-limit': 301.8 } })).toBe(false);
  });

  it('IP address: 10.0.0.0/24', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matches(pattern, { detail: { sourceIPAddress: '10.0.0.255' } })).toBe(true);
    expect(matches(pattern, { detail: { sourceIPAddress: '10.0.1.0' } })).toBe(false);
  });

  it('exists: the page’s matching and non-matching events for detail.state', () => {
    const pattern = { detail: { state: [{ exists: true }] } };
    const matching = {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2015-11-11T21:29:54Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
      detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
    };
    const notMatching = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    };
    expect(matches(pattern, matching)).toBe(true);
    expect(matches(pattern, notMatching)).toBe(false);
  });

  it('equals-ignore-case: detail-type regardless of case, against the page’s event', () => {
    const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
    const event = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    };
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { 'detail-type': 'EC2 Instance Launch Successful' })).toBe(false);
  });

  it('$or: any of c-count in (0, 5], d-count < 10, x-limit = 3.018e2', () => {
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matches(pattern, { detail: { 'c-count': 100, 'd-count': 3 } })).toBe(true);
    expect(matches(pattern, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 100, 'd-count': 30, 'x-limit': 1 } })).toBe(false);
  });
});

describe(OPERATORS, () => {
  it.each([
    ['And: Location is "New York" and Day is "Monday"', { Location: ['New York'], Day: ['Monday'] }],
    ['Begins with: Region is in the US', { Region: [{ prefix: 'us-' }] }],
    ['Equals: Name is "Alice"', { Name: ['Alice'] }],
    ['Equals (ignore case): Name is "Alice"', { Name: [{ 'equals-ignore-case': 'alice' }] }],
    ['Ends with: FileName ends with a .png extension', { FileName: [{ suffix: '.png' }] }],
  ])('%s', (_row, pattern) => {
    const event = {
      Location: 'New York',
      Day: 'Monday',
      Region: 'us-east-1',
      Name: 'Alice',
      FileName: 'a.png',
    };
    expect(matches(pattern, event)).toBe(true);
    expect(
      matches(pattern, {
        Location: 'Paris',
        Day: 'Friday',
        Region: 'eu-west-1',
        Name: 'Bob',
        FileName: 'a.gif',
      }),
    ).toBe(false);
  });

  it('Anything-but (begins with): Region is not in the US', () => {
    const pattern = { Region: [{ 'anything-but': { prefix: 'us-' } }] };
    expect(matches(pattern, { Region: 'eu-west-1' })).toBe(true);
    expect(matches(pattern, { Region: 'us-east-1' })).toBe(false);
  });

  it('Anything-but (ends with): FileName does not end with a .png extension', () => {
    const pattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    expect(matches(pattern, { FileName: 'a.gif' })).toBe(true);
    expect(matches(pattern, { FileName: 'a.png' })).toBe(false);
  });

  it('Anything-but (ignore case): State is any value besides "initializing", in any casing', () => {
    const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    expect(matches(pattern, { state: 'running' })).toBe(true);
    expect(matches(pattern, { state: 'INITIALIZING' })).toBe(false);
  });

  it('Anything-but using a wildcard: FilePath does not include /lib/', () => {
    const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matches(pattern, { FilePath: '/usr/bin/node' })).toBe(true);
    expect(matches(pattern, { FilePath: '/usr/lib/node' })).toBe(false);
  });

  it('Begins with (ignore case): service starts with "eventb" in any casing', () => {
    const pattern = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };
    expect(matches(pattern, { service: 'EventBridge' })).toBe(true);
    expect(matches(pattern, { service: 'Lambda' })).toBe(false);
  });

  it('Ends with (ignore case): service ends with "tbridge" in any casing (syntax as the row describes it)', () => {
    const pattern = { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] };
    expect(matches(pattern, { service: 'EVENTBRIDGE' })).toBe(true);
    expect(matches(pattern, { service: 'EventBus' })).toBe(false);
  });

  it('Empty: LastName is empty', () => {
    const pattern = { LastName: [''] };
    expect(matches(pattern, { LastName: '' })).toBe(true);
    expect(matches(pattern, { LastName: 'Doe' })).toBe(false);
    expect(matches(pattern, {})).toBe(false);
  });

  it('Exists / does not exist: ProductName (syntax as the rows describe it)', () => {
    expect(matches({ ProductName: [{ exists: true }] }, { ProductName: 'x' })).toBe(true);
    expect(matches({ ProductName: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ ProductName: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ ProductName: [{ exists: false }] }, { ProductName: 'x' })).toBe(false);
  });

  it('Wildcard: any file with a .png extension in the folder "dir" (syntax as the row describes it)', () => {
    const pattern = { FileName: [{ wildcard: 'dir/*.png' }] };
    expect(matches(pattern, { FileName: 'dir/image.png' })).toBe(true);
    expect(matches(pattern, { FileName: 'dir/sub/image.png' })).toBe(true);
    expect(matches(pattern, { FileName: 'other/image.png' })).toBe(false);
  });
});

describe(ARRAYS, () => {
  it('matches when an array in the event and the pattern’s values intersect', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { resources: [event.resources[0]] })).toBe(false);
  });
});

describe(NULLS, () => {
  const event = {
    version: '0',
    id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
    'detail-type': 'EC2 Instance Launch Successful',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2015-11-11T21:31:47Z',
    region: 'us-east-1',
    resources: [],
    detail: { eventVersion: '', responseElements: null },
  };

  it('matches an empty string and a null, and does not take one for the other', () => {
    expect(matches({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matches({ detail: { eventVersion: [null] } }, event)).toBe(false);
    expect(matches({ detail: { responseElements: [''] } }, event)).toBe(false);
  });
});

describe(RULER, () => {
  it('wildcard: * matches any run of characters, \\* a literal *, \\\\ a literal backslash', () => {
    expect(
      matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'Simple Notification Service' }),
    ).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleService' })).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'Simple Services' })).toBe(false);
    expect(matches({ f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' })).toBe(true);
    expect(matches({ f: [{ wildcard: 'a\\*b' }] }, { f: 'axb' })).toBe(false);
    expect(matches({ f: [{ wildcard: 'a\\\\b' }] }, { f: 'a\\b' })).toBe(true);
    expect(() => matches({ f: [{ wildcard: 'a**b' }] }, { f: 'ab' })).toThrow(/consecutive/);
    expect(() => matches({ f: [{ wildcard: 'a\\b' }] }, { f: 'ab' })).toThrow(/escape/);
  });

  it('exists works on leaf nodes only: a field holding an object does not exist for it', () => {
    const event = {
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
    };
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
  });

  it('$or with an and inside: source and (metricName, or metricType and namespace, or scope)', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
        { scope: ['Service'] },
      ],
    };
    expect(
      matches(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' }),
    ).toBe(true);
    expect(matches(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType' })).toBe(false);
    expect(matches(pattern, { source: 'aws.ec2', scope: 'Service' })).toBe(false);
  });

  it('an array of objects matches a nested pattern only within one element', () => {
    const event = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, event)).toBe(false);
  });
});

describe(ALARM_FILTER, () => {
  it('the page’s filter (ServerCpuTooHigh from OK to ALARM) matches the documented single-metric alarm event', () => {
    const pattern = {
      detail: {
        alarmName: ['ServerCpuTooHigh'],
        previousState: { value: ['OK'] },
        state: { value: ['ALARM'] },
      },
    };
    expect(ALARM_STATE_CHANGES.singleMetricAlarm.section).toBe('State change for a single-metric alarm');
    expect(matches(pattern, stateChange('singleMetricAlarm'))).toBe(true);
    expect(matches(pattern, stateChange('metricMathAlarm'))).toBe(false);
  });
});

describe('patterns this matcher cannot judge', () => {
  it.each([
    [{ f: [] }, /empty/],
    [{ f: [{ contains: 'x' }] }, /unknown operator/],
    [{ f: [{ 'anything-but': ['a', 1] }] }, /only strings or only numbers/],
    [{ f: [{ numeric: ['~', 1] }] }, /unknown comparison/],
    [{ $or: [{ f: ['a'] }] }, /at least two/],
    [{ f: 'a' }, /array of matchers or an object/],
  ])('%j throws', (pattern, message) => {
    expect(() => matches(pattern, { f: 'a' })).toThrow(message);
  });
});
