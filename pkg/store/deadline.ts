// A bounded wait that leaves no timer behind: once the promise settles, the timer is cancelled, so
// a finished call never holds the process open for the rest of its timeout.
import type { Clock } from '../clock';

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
