import type { LabletInstance } from '../../pkg/objects';
import { anInstance } from '../../pkg/objects/testing';
import { compareRanks, rankOf, readiness } from './timing';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const policy = { leadTimeMinutes: 35, minRemainingMinutes: 0 };

const built = (builder: ReturnType<typeof anInstance>): LabletInstance => builder.build();

describe('readiness', () => {
  it.each([
    ['no timeslot is ready now', anInstance(), policy, { kind: 'ready' }],
    ['a start exactly at the lead time is ready', anInstance().withTimeslot('2026-11-27T10:35:00Z', '2026-11-27T12:00:00Z'), policy, { kind: 'ready' }],
    ['a start a minute past the lead time waits a minute', anInstance().withTimeslot('2026-11-27T10:36:00Z', '2026-11-27T12:00:00Z'), policy, { kind: 'wait', delayMs: 60_000 }],
    ['a start days away waits at most an hour', anInstance().withTimeslot('2026-12-27T10:00:00Z', '2026-12-27T12:00:00Z'), policy, { kind: 'wait', delayMs: 3_600_000 }],
    ['a slot under way is ready', anInstance().withTimeslot('2026-11-27T09:00:00Z', '2026-11-27T11:00:00Z'), policy, { kind: 'ready' }],
    ['a slot that ends now is missed', anInstance().withTimeslot('2026-11-27T09:00:00Z', '2026-11-27T10:00:00Z'), policy, { kind: 'missed', end: '2026-11-27T10:00:00Z' }],
    ['too little of the slot left is missed', anInstance().withTimeslot('2026-11-27T09:00:00Z', '2026-11-27T10:10:00Z'), { ...policy, minRemainingMinutes: 15 }, { kind: 'missed', end: '2026-11-27T10:10:00Z' }],
    ['exactly the minimum left is ready', anInstance().withTimeslot('2026-11-27T09:00:00Z', '2026-11-27T10:15:00Z'), { ...policy, minRemainingMinutes: 15 }, { kind: 'ready' }],
  ])('%s', (_situation, builder, p, expected) => {
    expect(readiness(built(builder), NOW, p)).toEqual(expected);
  });
});

describe('compareRanks', () => {
  const order = (...instances: LabletInstance[]): string[] =>
    instances.map((i) => rankOf(i.id, i)).sort(compareRanks).map((r) => r.id);

  it('puts higher priority first, then earlier start, then id in byte order', () => {
    const low = built(anInstance('a-low').withPriority(-1).withCreatedAt('2026-11-27T08:00:00Z'));
    const highLate = built(anInstance('b-high-late').withPriority(5).withTimeslot('2026-11-27T11:00:00Z', '2026-11-27T12:00:00Z'));
    const highEarly = built(anInstance('c-high-early').withPriority(5).withTimeslot('2026-11-27T10:30:00Z', '2026-11-27T12:00:00Z'));
    const tieB = built(anInstance('Z-tie').withCreatedAt('2026-11-27T09:00:00Z'));
    const tieA = built(anInstance('a-tie').withCreatedAt('2026-11-27T09:00:00Z'));
    const noCreatedAt = built(anInstance('0-undated').withCreatedAt(undefined));
    expect(order(low, tieA, noCreatedAt, highLate, tieB, highEarly)).toEqual(['c-high-early', 'b-high-late', 'Z-tie', 'a-tie', '0-undated', 'a-low']);
  });

  it('puts an instance missing from the cache after every cached one', () => {
    const cached = built(anInstance('z').withPriority(-100));
    expect([rankOf('a-gone', undefined), rankOf('z', cached)].sort(compareRanks).map((r) => r.id)).toEqual(['z', 'a-gone']);
  });
});
