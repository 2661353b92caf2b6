// Bounded waits, one helper for every "wait for this, but not longer than that" (as client-go's wait
// package). A wait leaves no timer behind: once the awaited promise settles, its timer is cancelled,
// so a finished call never holds the process open for the rest of its bound. Time is read from a
// Clock, so tests step a FakeClock. Nothing here cancels the awaited work: giving up only stops waiting.
import type { Clock } from '../clock';

/** What a bounded wait answers when its bound passed first. */
export const TIMED_OUT = Symbol('timedOut');

/** The promise's value, or TIMED_OUT once ms have passed on clock; rejects if the promise rejects first. */
export async function withinMs<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T | typeof TIMED_OUT> {
  const done = new AbortController();
  try {
    return await Promise.race([promise, clock.sleep(ms, done.signal).then((): typeof TIMED_OUT => TIMED_OUT)]);
  } finally {
    done.abort();
  }
}

/** True when the promise settled (resolved or rejected) within ms; false when the bound passed first. */
export async function settlesWithinMs(promise: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  const settled = promise.then(() => true, () => true);
  return (await withinMs(settled, ms, clock)) !== TIMED_OUT;
}

/**
 * Waits for promise to settle; the bound of ms starts only once signal aborts (a drain: work runs
 * freely until it is told to stop, then gets ms to finish). True when it settled in time.
 */
export async function settlesWithinMsOfAbort(promise: Promise<unknown>, signal: AbortSignal, ms: number, clock: Clock): Promise<boolean> {
  const settled = promise.then(() => true, () => true);
  if (!signal.aborted) {
    let onAbort = (): void => {};
    const aborted = new Promise<boolean>((resolve) => {
      onAbort = (): void => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const finished = await Promise.race([settled, aborted]);
    signal.removeEventListener('abort', onAbort);
    if (finished) return true;
  }
  return settlesWithinMs(settled, ms, clock);
}

/**
 * One bound shared by several waits in a row (a shut-down): every wait raced against it ends by the
 * same instant, and a step can be given a share of it with sooner(). Holds no timer of its own.
 */
export class Deadline {
  private readonly atMs: number;

  /** Ends ms from now on clock's monotonic time. */
  constructor(private readonly clock: Clock, ms: number) {
    this.atMs = clock.monotonicNow() + Math.max(0, ms);
  }

  /** Milliseconds left, 0 once past. */
  remainingMs(): number {
    return Math.max(0, this.atMs - this.clock.monotonicNow());
  }

  /** A deadline ms from now, or this one if it ends earlier. */
  sooner(ms: number): Deadline {
    return new Deadline(this.clock, Math.min(ms, this.remainingMs()));
  }

  /** The promise's value, or TIMED_OUT when this deadline passes first. */
  race<T>(promise: Promise<T>): Promise<T | typeof TIMED_OUT> {
    return withinMs(promise, this.remainingMs(), this.clock);
  }

  /** True when the promise settled before this deadline. */
  settles(promise: Promise<unknown>): Promise<boolean> {
    return settlesWithinMs(promise, this.remainingMs(), this.clock);
  }
}
