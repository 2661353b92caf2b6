import { getEventListeners } from 'node:events';
import { FakeClock } from '../clock';
import { Deadline, settlesWithinMs, settlesWithinMsOfAbort, TIMED_OUT, withinMs } from './bounded';

/** A promise settled by hand. */
function manual<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

describe('withinMs', () => {
  it('answers the value when the promise resolves in time, leaving no timer behind', async () => {
    const clock = new FakeClock();
    const work = manual<string>();
    const waiting = withinMs(work.promise, 1_000, clock);
    await clock.tick(999);
    work.resolve('done');
    expect(await waiting).toBe('done');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('answers TIMED_OUT once the bound passes first', async () => {
    const clock = new FakeClock();
    const waiting = withinMs(manual<string>().promise, 1_000, clock);
    await clock.tick(1_000);
    expect(await waiting).toBe(TIMED_OUT);
  });

  it('rejects when the promise rejects first', async () => {
    const clock = new FakeClock();
    const work = manual<string>();
    const waiting = withinMs(work.promise, 1_000, clock);
    work.reject(new Error('boom'));
    await expect(waiting).rejects.toThrow('boom');
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('settlesWithinMs', () => {
  it.each([
    ['resolves in time', (w: ReturnType<typeof manual<void>>) => w.resolve(), true],
    ['rejects in time', (w: ReturnType<typeof manual<void>>) => w.reject(new Error('x')), true],
    ['is still going at the bound', () => undefined, false],
  ])('says whether the promise settled: %s', async (_situation, settle, expected) => {
    const clock = new FakeClock();
    const work = manual<void>();
    const waiting = settlesWithinMs(work.promise, 50, clock);
    settle(work);
    await clock.tick(50);
    expect(await waiting).toBe(expected);
  });
});

describe('settlesWithinMsOfAbort', () => {
  it('waits without bound until the signal aborts, then gives the work its bound', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    let answer: boolean | undefined;
    void settlesWithinMsOfAbort(manual<void>().promise, stop.signal, 100, clock).then((a) => { answer = a; });
    await clock.tick(10_000);
    expect(answer).toBeUndefined();
    stop.abort();
    await clock.tick(99);
    expect(answer).toBeUndefined();
    await clock.tick(1);
    expect(answer).toBe(false);
  });

  it('answers true for work that finishes before the abort, and removes its listener', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const work = manual<void>();
    const waiting = settlesWithinMsOfAbort(work.promise, stop.signal, 100, clock);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    work.resolve();
    expect(await waiting).toBe(true);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('answers true for work that finishes within the bound after an abort already given', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    stop.abort();
    const work = manual<void>();
    const waiting = settlesWithinMsOfAbort(work.promise, stop.signal, 100, clock);
    await clock.tick(60);
    work.resolve();
    expect(await waiting).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('Deadline', () => {
  it('bounds several waits in a row by one instant', async () => {
    const clock = new FakeClock();
    const deadline = new Deadline(clock, 1_000);
    const first = manual<string>();
    const racing = deadline.race(first.promise);
    await clock.tick(700);
    first.resolve('first');
    expect(await racing).toBe('first');
    expect(deadline.remainingMs()).toBe(300);
    const second = deadline.race(manual<string>().promise);
    await clock.tick(300);
    expect(await second).toBe(TIMED_OUT);
    expect(deadline.remainingMs()).toBe(0);
  });

  it('gives a step a share with sooner(), never past its own end', async () => {
    const clock = new FakeClock();
    const deadline = new Deadline(clock, 1_000);
    expect(deadline.sooner(400).remainingMs()).toBe(400);
    await clock.tick(800);
    expect(deadline.sooner(400).remainingMs()).toBe(200);
  });

  it('says whether a promise settled before it', async () => {
    const clock = new FakeClock();
    const deadline = new Deadline(clock, 100);
    const work = manual<void>();
    const settled = deadline.settles(work.promise);
    work.reject(new Error('failed, but in time'));
    expect(await settled).toBe(true);
    const late = deadline.settles(manual<void>().promise);
    await clock.tick(100);
    expect(await late).toBe(false);
  });
});
