// The Reconciler contract (controller-runtime's): the runner calls reconcile(key) for a key taken
// from the queue, never for the same key twice at once. reconcile re-reads the cache for the key and
// makes the world match it. It resolves with a Result (done, or look again later) or throws (retry
// with backoff). Asking for a requeue and failing in the same call is not possible: a throw wins.

export interface Result {
  /**
   * Look at the key again after this many ms (lead time, retry of an unschedulable instance);
   * absent or 0: done. The queue caps it at one hour (contract §3). Not NaN.
   */
  readonly requeueAfterMs?: number;
}

export interface Reconciler {
  /**
   * signal aborts when the runner stops (leadership ends or shut-down): stop at a safe point; the
   * runner waits a bounded time for the call to return. The runner always passes a signal.
   */
  reconcile(key: string, signal?: AbortSignal): Promise<Result>;
}
