import { FakeClock } from '../clock';
import { DEFAULT_MAX_WAIT_MS, DelayingQueue } from './delaying-queue';
import { isInvalidOptionError } from '../options';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function newQueue(maxWaitMs?: number): { queue: DelayingQueue; clock: FakeClock } {
  const clock = new FakeClock(0);
  return { queue: new DelayingQueue({ clock, maxWaitMs }), clock };
}

/** Monotonic times at which keys became ready; each is taken and done at once, so a repeat shows. */
async function readyTimes(queue: DelayingQueue, clock: FakeClock, untilMs: number, stepMs: number): Promise<number[]> {
  const times: number[] = [];
  while (clock.monotonicNow() < untilMs) {
    clock.step(stepMs);
    while (queue.snapshot().queued > 0) {
      const key = await queue.get();
      times.push(clock.monotonicNow());
      if (key !== undefined) queue.done(key);
    }
  }
  return times;
}

describe('DelayingQueue', () => {
  it.each([
    { name: 'zero', delayMs: 0 },
    { name: 'negative', delayMs: -5 },
  ])('adds at once for a $name delay', ({ delayMs }) => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', delayMs);
    expect(queue.snapshot().queued).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('adds a key when its delay has passed, not before', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 1_000);
    clock.step(999);
    expect(queue.snapshot()).toMatchObject({ queued: 0, waiting: 1 });
    clock.step(1);
    expect(queue.snapshot()).toMatchObject({ queued: 1, waiting: 0 });
  });

  it.each([
    { name: 'two hours', delayMs: 2 * HOUR_MS },
    { name: '24.9 days (past Node timer range)', delayMs: 24.9 * DAY_MS },
    { name: 'forever', delayMs: Number.POSITIVE_INFINITY },
  ])('caps a delay of $name at one hour', ({ delayMs }) => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', delayMs);
    clock.step(HOUR_MS - 1);
    expect(queue.snapshot().queued).toBe(0);
    clock.step(1);
    expect(queue.snapshot().queued).toBe(1);
    expect(DEFAULT_MAX_WAIT_MS).toBe(HOUR_MS);
  });

  it('re-checks a long wait each cap: the caller asks again and waits another cap', async () => {
    const { queue, clock } = newQueue(10_000);
    const lookedAtMs: number[] = [];
    const remainingUntilMs = 25_000;
    queue.addAfter('slot', remainingUntilMs);
    for (let i = 0; i < 3; i++) {
      clock.step(10_000);
      const key = await queue.get();
      if (key === undefined) break;
      lookedAtMs.push(clock.monotonicNow());
      queue.addAfter(key, remainingUntilMs - clock.monotonicNow());
      queue.done(key);
    }
    expect(lookedAtMs).toEqual([10_000, 20_000, 30_000]);
  });

  it.each([
    { name: 'earlier then later', first: 5_000, second: 10_000 },
    { name: 'later then earlier', first: 10_000, second: 5_000 },
  ])('lets the earlier of two delays win for a waiting key: $name', async ({ first, second }) => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', first);
    clock.step(100);
    queue.addAfter('a', second - 100);
    expect(queue.snapshot().waiting).toBe(1);
    expect(await readyTimes(queue, clock, 20_000, 100)).toEqual([5_000]);
  });

  it('adds many waiting keys in the order of their times', async () => {
    const { queue, clock } = newQueue();
    const delays: Array<[string, number]> = [['c', 300], ['a', 100], ['d', 300], ['b', 200]];
    for (const [key, delayMs] of delays) queue.addAfter(key, delayMs);
    clock.step(300);
    const out: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) out.push(await queue.get());
    expect(out).toEqual(['a', 'b', 'c', 'd']);
  });

  it('still runs a waiting key when it is added meanwhile (as client-go), once more at its time', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 1_000);
    queue.add('a');
    expect(queue.snapshot()).toMatchObject({ queued: 1, waiting: 1 });
    clock.step(1_000);
    expect(queue.snapshot()).toMatchObject({ queued: 1, waiting: 0 });
  });

  it('cancels its timer, forgets waiting keys and ignores addAfter once shut down', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 1_000);
    queue.shutDown();
    queue.addAfter('b', 1_000);
    expect(clock.pendingTimers()).toBe(0);
    clock.step(2_000);
    expect(queue.snapshot()).toEqual({ queued: 0, processing: 0, waiting: 0, backoff: 0 });
  });

  it('refuses a NaN delay', () => {
    const { queue } = newQueue();
    expect(() => queue.addAfter('a', Number.NaN)).toThrow(RangeError);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses maxWaitMs %p, naming the field', (maxWaitMs) => {
    let caught: unknown;
    try {
      newQueue(maxWaitMs);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isInvalidOptionError(caught) && caught.field).toBe('maxWaitMs');
  });
});
