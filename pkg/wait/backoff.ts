// Capped exponential backoff, one formula for every retry loop (informer re-list, etcd reachability,
// Control Plane retries, requeue of unschedulable instances, the work queue's per-key limiter):
// baseMs * 2^step, never above maxMs. Callers add jitter or Retry-After on top where they need it.

export interface BackoffDelays {
  /** Delay of step 0, ms > 0. */
  readonly baseMs: number;
  /** Cap, ms > 0. */
  readonly maxMs: number;
}

/**
 * The delay before retry number step (0 = the first retry: baseMs), doubling per step up to maxMs.
 * A negative or fractional step counts as its floor clamped to 0; a huge one answers maxMs (2^step
 * overflows to Infinity, which min() caps).
 */
export function backoffMs(delays: BackoffDelays, step: number): number {
  const exponent = Math.max(0, Math.floor(step));
  return Math.min(delays.maxMs, delays.baseMs * 2 ** exponent);
}
