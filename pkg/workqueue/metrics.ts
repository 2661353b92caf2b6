// What a work queue reports about itself, as hooks: the OpenTelemetry wiring (pkg/observability)
// implements QueueMetrics; everything else gets NoopQueueMetrics. The contract (§4) names
// workqueue_depth and workqueue_retries_total; adds, queue latency and work duration follow
// client-go's workqueue metrics. Hooks are called synchronously on the queue's path: keep them cheap
// and never throw.

export interface QueueMetrics {
  /** Keys ready to be handed out (the `queued` state); called whenever that count changes. */
  setDepth(depth: number): void;
  /** A key entered the ready state (a repeat add of a key already waiting there is not counted). */
  incAdds(): void;
  /** addRateLimited was called. Unlike client-go, a plain addAfter is not a retry. */
  incRetries(): void;
  /** Milliseconds a key spent ready before get() handed it out. */
  observeQueueLatencyMs(ms: number): void;
  /** Milliseconds between get() handing a key out and done() for it. */
  observeWorkDurationMs(ms: number): void;
}

export class NoopQueueMetrics implements QueueMetrics {
  setDepth(): void {}
  incAdds(): void {}
  incRetries(): void {}
  observeQueueLatencyMs(): void {}
  observeWorkDurationMs(): void {}
}

/** Counts of keys by state, for `/debug/queue` (contract §4). A key may be counted in two states. */
export interface QueueSnapshot {
  /** Ready to be handed out by get(). */
  readonly queued: number;
  /** Handed out, done() not yet called. */
  readonly processing: number;
  /** Waiting for an addAfter delay. */
  readonly waiting: number;
  /** Waiting for an addRateLimited backoff. */
  readonly backoff: number;
}
