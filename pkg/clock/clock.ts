// Time as a seam: everything in pkg/ that reads the time or waits takes a Clock, so tests step a
// FakeClock instead of sleeping. Wall time is for timeslots and createdAt; monotonic time is for
// deadlines (lease renewals, backoff) because the wall clock can jump.

/** A scheduled callback; cancel() is idempotent and safe after it fired. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
  /** Milliseconds on a monotonic clock with an arbitrary origin; never goes back. */
  monotonicNow(): number;
  /** Calls fn once, delayMs (clamped to >= 0) from now. */
  setTimer(delayMs: number, fn: () => void): Timer;
  /** Resolves after delayMs, or early (resolving, not rejecting) when signal aborts. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Node timers turn delays above 2^31-1 ms into 1 ms; longer waits are chained. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonicNow(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    let handle: NodeJS.Timeout | undefined;
    const deadline = this.monotonicNow() + Math.max(0, delayMs);
    const arm = (): void => {
      const left = deadline - this.monotonicNow();
      if (left <= 0) {
        handle = undefined;
        fn();
        return;
      }
      handle = setTimeout(arm, Math.min(left, MAX_TIMER_DELAY_MS));
      handle.unref?.();
    };
    handle = setTimeout(arm, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    handle.unref?.();
    return {
      cancel: () => {
        if (handle !== undefined) clearTimeout(handle);
        handle = undefined;
      },
    };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }
}

/** One sleep for every Clock: a timer raced against an abort signal. */
export function sleepOn(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
