import { FakeClock, flushMicrotasks } from '../clock';
import { isInvalidOptionError } from '../options';
import type { QueueMetrics } from './metrics';
import type { KeyOrder } from './queue';
import { WorkQueue } from './queue';

class RecordingMetrics implements QueueMetrics {
  depths: number[] = [];
  adds = 0;
  latenciesMs: number[] = [];
  workMs: number[] = [];
  setDepth(depth: number): void {
    this.depths.push(depth);
  }
  incAdds(): void {
    this.adds += 1;
  }
  incRetries(): void {}
  observeQueueLatencyMs(ms: number): void {
    this.latenciesMs.push(ms);
  }
  observeWorkDurationMs(ms: number): void {
    this.workMs.push(ms);
  }
}

function newQueue<R = undefined>(order?: KeyOrder<R>): { queue: WorkQueue<R>; clock: FakeClock } {
  const clock = new FakeClock(0);
  return { queue: new WorkQueue<R>({ clock, order }), clock };
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Takes every ready key (each get resolves at once when a key is ready). */
async function drainReady<R>(queue: WorkQueue<R>): Promise<string[]> {
  const keys: string[] = [];
  while (queue.snapshot().queued > 0) {
    const key = await queue.get();
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  it.each([
    { name: 'one add', adds: ['a'], out: ['a'] },
    { name: 'the same key three times', adds: ['a', 'a', 'a'], out: ['a'] },
    { name: 'repeats between others keep the first place', adds: ['a', 'b', 'a', 'c', 'b'], out: ['a', 'b', 'c'] },
  ])('hands a key out once however often it was added before: $name', async ({ adds, out }) => {
    const { queue } = newQueue();
    for (const key of adds) queue.add(key);
    expect(await drainReady(queue)).toEqual(out);
    expect(queue.snapshot().queued).toBe(0);
  });

  it('never hands a key to a second getter before done, and hands it again once after done', async () => {
    const { queue } = newQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    const second = queue.get();
    let got: string | undefined = 'pending';
    void second.then((k) => (got = k));
    queue.add('a');
    queue.add('a');
    await flushMicrotasks();
    expect(got).toBe('pending');
    expect(queue.snapshot()).toMatchObject({ queued: 0, processing: 1 });
    queue.done('a');
    await flushMicrotasks();
    expect(got).toBe('a');
    queue.done('a');
    expect(queue.snapshot()).toMatchObject({ queued: 0, processing: 0 });
  });

  it('does not hand a key out again after done when nobody added it meanwhile', async () => {
    const { queue } = newQueue();
    queue.add('a');
    await queue.get();
    queue.done('a');
    expect(queue.snapshot().queued).toBe(0);
  });

  it('serves pending gets in the order they were made', async () => {
    const { queue } = newQueue();
    const order: Array<[number, string | undefined]> = [];
    const gets = [0, 1, 2].map((i) => queue.get().then((k) => order.push([i, k])));
    queue.add('x');
    queue.add('y');
    queue.add('z');
    await Promise.all(gets);
    expect(order).toEqual([[0, 'x'], [1, 'y'], [2, 'z']]);
  });

  it('resolves a get undefined when its signal aborts, and the next key goes to a live getter', async () => {
    const { queue } = newQueue();
    const abort = new AbortController();
    const cancelled = queue.get(abort.signal);
    abort.abort();
    await expect(cancelled).resolves.toBeUndefined();
    queue.add('a');
    expect(queue.snapshot().queued).toBe(1);
    expect(await queue.get()).toBe('a');
    await expect(queue.get(abort.signal)).resolves.toBeUndefined();
  });

  it('ignores done for a key it never handed out', () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.done('a');
    queue.done('b');
    expect(queue.snapshot()).toMatchObject({ queued: 1, processing: 0 });
  });

  it('keeps handing keys out once each after thousands of keys went idle (their states swept)', async () => {
    const { queue } = newQueue();
    const keys = Array.from({ length: 3_000 }, (_, i) => `k${i}`);
    for (const key of keys) queue.add(key);
    for (const key of await drainReady(queue)) queue.done(key);
    queue.add('k7');
    queue.add('k7');
    queue.add('new');
    expect(await drainReady(queue)).toEqual(['k7', 'new']);
    expect(queue.snapshot()).toEqual({ queued: 0, processing: 2, waiting: 0, backoff: 0 });
  });

  describe('ordering', () => {
    const priority = new Map<string, number>([['low', 0], ['mid', 5], ['high', 9], ['high2', 9]]);
    const byPriority: KeyOrder<number> = { rankOf: (key) => priority.get(key) ?? 0, compare: (a, b) => b - a };
    /** The scheduler's order (contract §3): priority desc, then start asc, then id asc. */
    const bySchedulerRank: KeyOrder<readonly [number, number, string]> = {
      rankOf: (key) => [priority.get(key) ?? 0, key.length, key],
      compare: (a, b) => b[0] - a[0] || a[1] - b[1] || byteOrder(a[2], b[2]),
    };

    it.each([
      { name: 'FIFO without an order', order: undefined, adds: ['low', 'high', 'mid'], out: ['low', 'high', 'mid'] },
      { name: 'rank first', order: byPriority, adds: ['low', 'high', 'mid'], out: ['high', 'mid', 'low'] },
      { name: 'arrival between equal ranks', order: byPriority, adds: ['high2', 'low', 'high'], out: ['high2', 'high', 'low'] },
      { name: 'byte order of the key', order: { rankOf: (key: string) => key, compare: byteOrder }, adds: ['c', 'a', 'b'], out: ['a', 'b', 'c'] },
      { name: 'priority, then start, then id', order: bySchedulerRank, adds: ['low', 'high2', 'mid', 'high'], out: ['high', 'high2', 'mid', 'low'] },
    ])('hands ready keys out by $name', async ({ order, adds, out }) => {
      const { queue } = newQueue<unknown>(order);
      for (const key of adds) queue.add(key);
      expect(await drainReady(queue)).toEqual(out);
    });

    it('moves a queued key to its new place when it is added again after its rank changed', async () => {
      const ranks = new Map([['a', 1], ['b', 2], ['c', 3]]);
      const { queue } = newQueue<number>({ rankOf: (key) => ranks.get(key) ?? 0, compare: (x, y) => x - y });
      for (const key of ['a', 'b', 'c']) queue.add(key);
      ranks.set('c', 0);
      queue.add('c');
      ranks.set('a', 9);
      queue.add('a');
      expect(await drainReady(queue)).toEqual(['c', 'b', 'a']);
    });

    it('keeps the rank a key had when last added, so a change without an add cannot break the order', async () => {
      const ranks = new Map([['a', 1], ['b', 2], ['c', 3]]);
      const { queue } = newQueue<number>({ rankOf: (key) => ranks.get(key) ?? 0, compare: (x, y) => x - y });
      for (const key of ['c', 'a', 'b']) queue.add(key);
      ranks.set('c', 0);
      ranks.set('a', 5);
      expect(await drainReady(queue)).toEqual(['a', 'b', 'c']);
    });

    it('puts a key re-added during processing behind keys that were ready before its done', async () => {
      const { queue } = newQueue();
      queue.add('a');
      await queue.get();
      queue.add('a');
      queue.add('b');
      queue.done('a');
      expect(await drainReady(queue)).toEqual(['b', 'a']);
    });
  });

  describe('shutting down', () => {
    it('resolves pending and later gets undefined, drops queued keys and ignores adds, idempotently', async () => {
      const { queue } = newQueue();
      const pending = queue.get();
      queue.shutDown();
      queue.shutDown();
      await expect(pending).resolves.toBeUndefined();
      queue.add('a');
      expect(queue.isShuttingDown()).toBe(true);
      expect(queue.snapshot().queued).toBe(0);
      await expect(queue.get()).resolves.toBeUndefined();
    });

    it('drops keys that were queued', async () => {
      const { queue } = newQueue();
      queue.add('a');
      queue.shutDown();
      expect(queue.snapshot().queued).toBe(0);
      await expect(queue.get()).resolves.toBeUndefined();
    });

    it('drains at once when nothing is in flight', async () => {
      const { queue, clock } = newQueue();
      queue.add('queued-only');
      await expect(queue.shutDownWithDrain(1_000)).resolves.toBe(true);
      expect(clock.pendingTimers()).toBe(0);
    });

    it.each([
      { name: 'all done before the bound', doneAtMs: [100, 200], expected: true, settledAtMs: 200 },
      { name: 'one still in flight at the bound', doneAtMs: [100, 5_000], expected: false, settledAtMs: 1_000 },
    ])('waits for in-flight keys within the bound: $name', async ({ doneAtMs, expected, settledAtMs }) => {
      const { queue, clock } = newQueue();
      queue.add('k0');
      queue.add('k1');
      await queue.get();
      await queue.get();
      doneAtMs.forEach((at, i) => clock.setTimer(at, () => queue.done(`k${i}`)));
      let settled: [boolean, number] | undefined;
      void queue.shutDownWithDrain(1_000).then((drained) => (settled = [drained, clock.monotonicNow()]));
      await clock.tick(10_000);
      expect(settled).toEqual([expected, settledAtMs]);
      expect(clock.pendingTimers()).toBe(0);
    });

    it.each([-1, Number.NaN])('refuses a drain bound of %p, naming timeoutMs', (timeoutMs) => {
      const { queue } = newQueue();
      let caught: unknown;
      try {
        void queue.shutDownWithDrain(timeoutMs);
      } catch (err: unknown) {
        caught = err;
      }
      expect(isInvalidOptionError(caught) && caught.field).toBe('timeoutMs');
      expect(queue.isShuttingDown()).toBe(false);
    });
  });

  describe('metrics and snapshot', () => {
    it('counts adds into the ready state, depth, queue latency and work duration on the clock', async () => {
      const clock = new FakeClock(0);
      const metrics = new RecordingMetrics();
      const queue = new WorkQueue({ clock, metrics });
      queue.add('a');
      queue.add('a');
      queue.add('b');
      clock.step(40);
      await queue.get();
      clock.step(25);
      queue.add('a'); // during processing: becomes ready again only at done
      queue.done('a');
      expect(metrics.adds).toBe(3);
      expect(metrics.depths).toEqual([1, 2, 1, 2]);
      expect(metrics.latenciesMs).toEqual([40]);
      expect(metrics.workMs).toEqual([25]);
    });

    it('counts keys by state', async () => {
      const { queue } = newQueue();
      for (const key of ['a', 'b', 'c']) queue.add(key);
      await queue.get();
      expect(queue.snapshot()).toEqual({ queued: 2, processing: 1, waiting: 0, backoff: 0 });
    });
  });

  it('keeps one worker per key and runs every key after its last add when many workers race', async () => {
    const { queue } = newQueue();
    const active = new Set<string>();
    const overlaps: string[] = [];
    const runs = new Map<string, number>();
    const lastAddRun = new Map<string, number>();
    let tick = 0;
    const worker = async (): Promise<void> => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        if (active.has(key)) overlaps.push(key);
        active.add(key);
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await flushMicrotasks(1 + (tick++ % 3));
        if (tick % 4 === 0) {
          queue.add(key); // re-added while it runs
          lastAddRun.set(key, runs.get(key) ?? 0);
        }
        active.delete(key);
        queue.done(key);
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());
    for (let i = 0; i < 60; i++) queue.add(`k${i % 12}`);
    for (let i = 0; i < 60 && queue.snapshot().processing + queue.snapshot().queued > 0; i++) await flushMicrotasks();
    queue.shutDown();
    await Promise.all(workers);
    expect(overlaps).toEqual([]);
    for (const [key, run] of lastAddRun) expect((runs.get(key) ?? 0) > run).toBe(true);
    expect([...runs.keys()].sort()).toHaveLength(12);
  });
});
