// A delaying queue with per-key retry backoff: addRateLimited(key) waits as long as the rate
// limiter says (counting a failure), forget(key) ends the key's failures after a success, and
// numRequeues(key) tells how many failures in a row it has had. The worker loop calls them
// (pkg/controller): done() in finally, forget() on success, addRateLimited() on an error.
import type { DelayingQueueOptions } from './delaying-queue';
import { DelayingQueue } from './delaying-queue';
import type { RateLimiter } from './rate-limiters';
import { ControllerRateLimiter } from './rate-limiters';

export interface RateLimitingQueueOptions<R> extends DelayingQueueOptions<R> {
  /**
   * Default: a ControllerRateLimiter with the contract's defaults on the queue's clock. To apply
   * a reloaded requeue.* live, pass your own ControllerRateLimiter and call its setRateLimits.
   */
  readonly rateLimiter?: RateLimiter;
}

export class RateLimitingQueue<R = undefined> extends DelayingQueue<R> {
  private readonly rateLimiter: RateLimiter;

  constructor(options: RateLimitingQueueOptions<R>) {
    super(options);
    this.rateLimiter = options.rateLimiter ?? new ControllerRateLimiter({ clock: options.clock });
  }

  /** Adds key after the rate limiter's delay for it (a retry: counted). Ignored after shutDown. */
  addRateLimited(key: string): void {
    if (this.isShuttingDown()) return;
    this.metrics.incRetries();
    this.addAfterAs(key, this.rateLimiter.when(key), 'backoff');
  }

  /** Ends key's run of failures (call after a success); does not remove it from the queue. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }
}
