import { anInstance } from '../../pkg/objects/testing';
import type { ForecastEvent, TimelineInput } from './forecast-timeline';
import { TimelineQueue, forecastTimeline } from './forecast-timeline';

const NOW = Date.parse('2026-12-04T07:00:00Z');
const at = (hhmm: string): number => Date.parse(`2026-12-04T${hhmm}:00Z`);
const POLICY = { leadTimeMinutes: 35, minRemainingMinutes: 0, releaseAfterEndMinutes: 10 };

function input(over: Partial<TimelineInput>): TimelineInput {
  return { nowMs: NOW, horizonEndMs: NOW + 240 * 60_000, holders: [], pending: [], booting: [], policy: POLICY, ...over };
}

/** Each event as "HH:MM kind id", for readable expectations. */
const described = (events: readonly ForecastEvent[]): string[] => events.map((e) => {
  const time = new Date(e.atMs).toISOString().slice(11, 16);
  const id = e.kind === 'release' ? e.instanceId : e.kind === 'worker' ? e.workerId : e.instance.id;
  return `${time} ${e.kind} ${id}`;
});

const slot = (id: string, start: string, end: string) => anInstance(id).withTimeslot(`2026-12-04T${start}:00Z`, `2026-12-04T${end}:00Z`);

describe('forecastTimeline (contract §5)', () => {
  it('orders releases at slot end plus releaseAfterEndMinutes, booting workers and ready instances by time', () => {
    const events = forecastTimeline(input({
      holders: [slot('li-held', '06:00', '08:00').scheduledOn('w-1').build(), anInstance('li-forever').scheduledOn('w-1').build()],
      booting: [{ workerId: 'w-new', readyAtMs: at('07:20') }],
      pending: [slot('li-nine', '09:00', '11:00').build(), anInstance('li-now').build()],
    }));
    expect(described(events)).toEqual(['07:00 ready li-now', '07:20 worker w-new', '08:10 release li-held', '08:25 ready li-nine']);
  });

  it('puts releases first, then workers, then instances at the same moment, these in the live order', () => {
    const events = forecastTimeline(input({
      holders: [slot('li-held', '07:00', '08:15').scheduledOn('w-1').build()],
      booting: [{ workerId: 'w-b', readyAtMs: at('08:25') }, { workerId: 'w-a', readyAtMs: at('08:25') }],
      pending: [
        slot('li-c', '09:00', '10:00').build(),
        slot('li-b', '09:00', '10:00').withPriority(5).build(),
        slot('li-a', '09:00', '10:00').build(),
      ],
    }));
    expect(described(events)).toEqual([
      '08:25 release li-held', '08:25 worker w-a', '08:25 worker w-b', '08:25 ready li-b', '08:25 ready li-a', '08:25 ready li-c',
    ]);
  });

  it('makes past moments now, and leaves out what falls after the horizon', () => {
    const events = forecastTimeline(input({
      horizonEndMs: at('09:00'),
      holders: [slot('li-overdue', '05:00', '06:00').scheduledOn('w-1').build(), slot('li-late', '08:00', '09:30').scheduledOn('w-1').build()],
      booting: [{ workerId: 'w-booted', readyAtMs: at('06:30') }, { workerId: 'w-later', readyAtMs: at('09:01') }],
      pending: [slot('li-started', '07:10', '08:00').build(), slot('li-afternoon', '13:00', '14:00').build()],
    }));
    expect(described(events)).toEqual(['07:00 release li-overdue', '07:00 worker w-booted', '07:00 ready li-started']);
  });

  it('leaves out an instance whose slot is missed by its ready time (live reports it TimeslotMissed)', () => {
    const events = forecastTimeline(input({
      policy: { ...POLICY, minRemainingMinutes: 30 },
      pending: [slot('li-ended', '05:00', '06:30').build(), slot('li-short', '06:00', '07:20').build(), slot('li-ok', '06:00', '07:40').build()],
    }));
    expect(described(events)).toEqual(['07:00 ready li-ok']);
  });
});

describe('TimelineQueue', () => {
  it('plays the listed events and the ones added while playing in one order', () => {
    const listed = forecastTimeline(input({
      booting: [{ workerId: 'w-a', readyAtMs: at('08:00') }],
      pending: [slot('li-x', '08:35', '10:00').build(), slot('li-y', '09:35', '11:00').build()],
    }));
    const queue = new TimelineQueue(listed);
    const played: ForecastEvent[] = [];
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
      played.push(e);
      if (e.kind === 'ready' && e.instance.id === 'li-x') {
        queue.add({ kind: 'release', atMs: at('09:00'), instanceId: 'li-x' });
        queue.add({ kind: 'release', atMs: at('08:30'), instanceId: 'li-early' });
        queue.add({ kind: 'release', atMs: at('10:00'), instanceId: 'li-late' });
      }
    }
    expect(described(played)).toEqual([
      '08:00 worker w-a', '08:00 ready li-x', '08:30 release li-early', '09:00 release li-x', '09:00 ready li-y', '10:00 release li-late',
    ]);
  });
});
