import { FakeClock, flushMicrotasks } from '../clock';
import { PriorityTokenBucket } from './rate-limiter';
import type { Priority } from './rate-limiter';

/** Starts acquires in order and records the order in which they are granted. */
function track(bucket: PriorityTokenBucket, calls: ReadonlyArray<readonly [string, Priority, AbortSignal?]>): string[] {
  const granted: string[] = [];
  for (const [name, priority, signal] of calls) {
    void bucket.acquire(priority, signal).then((ok) => granted.push(ok ? name : `${name}:aborted`));
  }
  return granted;
}

describe('PriorityTokenBucket', () => {
  it('grants a full burst at once, then one token per 1/qps', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 10, burst: 2 });
    const granted = track(bucket, [['a', 0], ['b', 0], ['c', 0], ['d', 0]]);
    await flushMicrotasks();
    expect(granted).toEqual(['a', 'b']);
    await clock.tick(99);
    expect(granted).toEqual(['a', 'b']);
    await clock.tick(1);
    expect(granted).toEqual(['a', 'b', 'c']);
    await clock.tick(100);
    expect(granted).toEqual(['a', 'b', 'c', 'd']);
  });

  it('serves a schedule call queued last ahead of reports queued first', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 1, burst: 1 });
    const granted = track(bucket, [['first', 1], ['report-1', 1], ['report-2', 1], ['schedule', 0]]);
    await flushMicrotasks();
    expect(granted).toEqual(['first']);
    await clock.tick(3_000);
    expect(granted).toEqual(['first', 'schedule', 'report-1', 'report-2']);
  });

  it('keeps FIFO order within one priority', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 1, burst: 1 });
    const granted = track(bucket, [['s1', 0], ['s2', 0], ['s3', 0]]);
    await clock.tick(2_000);
    expect(granted).toEqual(['s1', 's2', 's3']);
  });

  it('lets an aborted waiter leave without taking a token', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 1, burst: 1 });
    const abort = new AbortController();
    const granted = track(bucket, [['a', 0], ['b', 0, abort.signal], ['c', 0]]);
    await flushMicrotasks();
    abort.abort();
    await flushMicrotasks();
    expect(granted).toEqual(['a', 'b:aborted']);
    expect(bucket.waiting()).toBe(1);
    await clock.tick(1_000);
    expect(granted).toEqual(['a', 'b:aborted', 'c']);
  });

  it('answers false at once for a signal already aborted', async () => {
    const bucket = new PriorityTokenBucket(new FakeClock(0), { qps: 1, burst: 1 });
    await expect(bucket.acquire(0, AbortSignal.abort())).resolves.toBe(false);
    await expect(bucket.acquire(0)).resolves.toBe(true);
  });

  it('applies a higher qps to calls already waiting', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 1, burst: 1 });
    const granted = track(bucket, [['a', 0], ['b', 0]]);
    await clock.tick(10);
    bucket.setLimits({ qps: 100, burst: 1 }); // 0.01 token so far; 0.99 more takes 9.9 ms, not 990
    await clock.tick(9);
    expect(granted).toEqual(['a']);
    await clock.tick(1);
    expect(granted).toEqual(['a', 'b']);
  });

  it('drops tokens above a lowered burst', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 1, burst: 5 });
    bucket.setLimits({ qps: 1, burst: 1 });
    const granted = track(bucket, [['a', 0], ['b', 0]]);
    await flushMicrotasks();
    expect(granted).toEqual(['a']);
  });

  it('grants nothing while held, even with tokens left', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 100, burst: 10 });
    bucket.holdFor(2_000);
    bucket.holdFor(500); // a shorter hold never shortens the longer one
    const granted = track(bucket, [['a', 0]]);
    await clock.tick(1_999);
    expect(granted).toEqual([]);
    await clock.tick(1);
    expect(granted).toEqual(['a']);
  });

  it.each([
    ['qps 0', { qps: 0, burst: 1 }],
    ['negative qps', { qps: -1, burst: 1 }],
    ['burst below one', { qps: 1, burst: 0.5 }],
    ['infinite qps', { qps: Number.POSITIVE_INFINITY, burst: 1 }],
  ])('refuses %s', (_name, limits) => {
    expect(() => new PriorityTokenBucket(new FakeClock(0), limits)).toThrow(RangeError);
  });

  it('releases every waiter with false on close', async () => {
    const clock = new FakeClock(0);
    const bucket = new PriorityTokenBucket(clock, { qps: 1, burst: 1 });
    const granted = track(bucket, [['a', 0], ['b', 1]]);
    await flushMicrotasks();
    bucket.close();
    await flushMicrotasks();
    expect(granted).toEqual(['a', 'b:aborted']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
