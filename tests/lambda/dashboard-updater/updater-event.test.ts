import fc from 'fast-check';
import { parseUpdaterEvent, UpdaterEventError } from '../../../lambda/dashboard-updater/updater-event';
import { scheduled, tagChange } from './updater-fixtures';

describe('the events the updater reads', () => {
  test('the documented Tag Change on Resource sample', () => {
    expect(parseUpdaterEvent(tagChange())).toEqual({
      kind: 'tag-change',
      time: '2018-09-18T20:41:38Z',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0000000aaaaaaaaaa'],
      changedTagKeys: ['a-new-key', 'an-updated-key', 'a-deleted-key'],
    });
  });

  test('the documented Scheduled Event sample', () => {
    expect(parseUpdaterEvent(scheduled())).toEqual({ kind: 'schedule', time: '2016-12-30T18:44:49Z' });
  });

  test.each([
    ['null', null, 'Not an EventBridge event: got null'],
    ['an array', [], 'Not an EventBridge event: got an array'],
    ['a JSON string', '{}', 'Not an EventBridge event: got string'],
    [
      'another aws.events event',
      { ...scheduled(), 'detail-type': 'Object Created' },
      'Not a Scheduled Event: detail-type:',
    ],
    [
      'a tag that is not a string',
      { ...tagChange(), detail: { 'changed-tag-keys': ['k'], tags: { k: 1 } } },
      'detail.tags.k:',
    ],
  ])('refuses %s with a message naming the problem', (_name, event, message) => {
    expect(() => parseUpdaterEvent(event)).toThrow(UpdaterEventError);
    expect(() => parseUpdaterEvent(event)).toThrow(message);
  });

  test('any JSON value is either an event it reads or an UpdaterEventError, never another failure', () => {
    const documented = [scheduled(), tagChange()];
    // Arbitrary values, and the documented events with any field replaced by an arbitrary value.
    const mutated = fc
      .tuple(fc.constantFrom(...documented), fc.string(), fc.jsonValue())
      .map(([event, key, value]) => ({ ...event, [key]: value }));
    const mutatedDetail = fc
      .tuple(fc.constantFrom(...documented), fc.string(), fc.jsonValue())
      .map(([event, key, value]) => ({ ...event, detail: { ...(event.detail as object), [key]: value } }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated, mutatedDetail), (event) => {
        try {
          const trigger = parseUpdaterEvent(event);
          expect(['schedule', 'tag-change']).toContain(trigger.kind);
          expect((event as { source?: unknown }).source).toBe(
            trigger.kind === 'schedule' ? 'aws.events' : 'aws.tag',
          );
        } catch (error) {
          expect(error).toBeInstanceOf(UpdaterEventError);
          expect((error as Error).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('any well-formed tag change is read with its resources and changed keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string()),
        fc.array(fc.string()),
        fc.dictionary(fc.string(), fc.string()),
        (resources, keys, tags) => {
          const event = { ...tagChange(), resources, detail: { 'changed-tag-keys': keys, tags } };
          expect(parseUpdaterEvent(event)).toEqual({
            kind: 'tag-change',
            time: '2018-09-18T20:41:38Z',
            resources,
            changedTagKeys: keys,
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
