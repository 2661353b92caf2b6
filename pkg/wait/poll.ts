// Polling a condition with a bound (client-go's wait.PollUntilContextTimeout): checked at once, then
// every intervalMs, until it holds, the signal aborts or timeoutMs has passed.
import type { Clock } from '../clock';
import { Deadline } from './bounded';

export interface PollOptions {
  readonly clock: Clock;
  /** Time between checks, ms > 0. */
  readonly intervalMs: number;
  /** Bound on the whole wait, ms ≥ 0; Infinity for none. */
  readonly timeoutMs: number;
  /** Ends the wait early; the answer is then `aborted`. */
  readonly signal?: AbortSignal;
}

/** How a poll ended; the condition is checked last, so `met` wins over the others at the same instant. */
export type PollResult = 'met' | 'aborted' | 'timedOut';

export async function pollUntil(condition: () => boolean, o: PollOptions): Promise<PollResult> {
  const deadline = new Deadline(o.clock, o.timeoutMs);
  for (;;) {
    if (condition()) return 'met';
    if (o.signal?.aborted === true) return 'aborted';
    const leftMs = deadline.remainingMs();
    if (leftMs <= 0) return 'timedOut';
    await o.clock.sleep(Math.min(o.intervalMs, leftMs), o.signal);
  }
}
