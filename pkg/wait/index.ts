// Waiting, bounded (one helper per idea, as client-go's wait package): bounded waits and a shared
// Deadline (./bounded.ts), polling a condition (./poll.ts), capped exponential backoff (./backoff.ts).
// A leaf: imports only pkg/clock.
export type { BackoffDelays } from './backoff';
export { backoffMs } from './backoff';
export { Deadline, settlesWithinMs, settlesWithinMsOfAbort, TIMED_OUT, withinMs } from './bounded';
export type { PollOptions, PollResult } from './poll';
export { pollUntil } from './poll';
