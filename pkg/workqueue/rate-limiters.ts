// How long a failed key waits before its next try. The controller default, as in client-go, is the
// larger of a per-key exponential backoff (baseDelayMs × 2^failures, capped at maxDelayMs; contract
// §4 requeue.*) and an overall token bucket that spreads retries when many keys fail at once (it can
// push a retry past maxDelayMs; the delaying queue's one-hour cap still bounds it).
import type { Clock } from '../clock';
import { InvalidOptionError, requireAtMost, requireNumber } from '../options';
import { backoffMs } from '../wait';

/** Called by the queue's addRateLimited, forget and numRequeues; not safe to share between queues. */
export interface RateLimiter {
  /** Milliseconds key should wait before its next try; counts one more failure of key. */
  when(key: string): number;
  /** Clears key's failures: its next when() starts from the base again. */
  forget(key: string): void;
  /** Failures counted for key since it was last forgotten. */
  numRequeues(key: string): number;
}

/** Contract §4 defaults: requeue.baseDelayMs and requeue.maxDelayMs. */
export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 300_000;

export interface BackoffDelays {
  /** Delay after the first failure, ms, > 0; default 500. */
  readonly baseDelayMs: number;
  /** Largest delay, ms, ≥ baseDelayMs; default 300,000. */
  readonly maxDelayMs: number;
}

function checkDelays(owner: string, delays: BackoffDelays): BackoffDelays {
  const baseDelayMs = requireNumber(owner, 'baseDelayMs', delays.baseDelayMs, 'positive');
  const maxDelayMs = requireNumber(owner, 'maxDelayMs', delays.maxDelayMs, 'positive');
  requireAtMost(owner, 'baseDelayMs', baseDelayMs, 'maxDelayMs', maxDelayMs);
  return { baseDelayMs, maxDelayMs };
}

export class ExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private delays: BackoffDelays;

  constructor(delays: Partial<BackoffDelays> = {}) {
    this.delays = checkDelays('ExponentialRateLimiter', {
      baseDelayMs: delays.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
      maxDelayMs: delays.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    });
  }

  /** Applies new delays from the next when(); failure counts are kept. Invalid delays throw and change nothing. */
  setDelays(delays: BackoffDelays): void {
    this.delays = checkDelays('ExponentialRateLimiter', delays);
  }

  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    return backoffMs({ baseMs: this.delays.baseDelayMs, maxMs: this.delays.maxDelayMs }, failures);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Reads monotonic time to refill the bucket. */
  readonly clock: Clock;
  /** Tokens added per second, > 0; default 10 (client-go's default controller limiter). */
  readonly qps?: number;
  /** Bucket size (tries without waiting), integer ≥ 1; default 100. */
  readonly burst?: number;
}

/** An overall limit shared by all keys: each when() reserves the next token and waits for it. */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly clock: Clock;
  private readonly qps: number;
  private readonly burst: number;
  /** Negative when tokens are reserved ahead of the refill. */
  private tokens: number;
  private refilledAtMs: number;

  constructor(options: TokenBucketOptions) {
    this.clock = options.clock;
    this.qps = requireNumber('TokenBucketRateLimiter', 'qps', options.qps ?? 10, 'positive');
    this.burst = requireNumber('TokenBucketRateLimiter', 'burst', options.burst ?? 100, 'positiveInteger');
    this.tokens = this.burst;
    this.refilledAtMs = this.clock.monotonicNow();
  }

  when(_key: string): number {
    const now = this.clock.monotonicNow();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAtMs) * this.qps) / 1000);
    this.refilledAtMs = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }

  forget(_key: string): void {}

  numRequeues(_key: string): number {
    return 0;
  }
}

/** Waits the longest any of its limiters asks; forget goes to all of them. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new InvalidOptionError('MaxOfRateLimiter', 'limiters', 'must name at least one limiter', 0);
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(...this.limiters.map((l) => l.numRequeues(key)));
  }
}

export interface ControllerRateLimiterOptions extends Partial<BackoffDelays>, TokenBucketOptions {}

/**
 * The default for controllers: maxOf(per-key exponential, overall token bucket). setRateLimits
 * applies a reloaded requeue.baseDelayMs/maxDelayMs live; keys already waiting keep their time.
 */
export class ControllerRateLimiter implements RateLimiter {
  private readonly exponential: ExponentialRateLimiter;
  private readonly combined: MaxOfRateLimiter;

  constructor(options: ControllerRateLimiterOptions) {
    this.exponential = new ExponentialRateLimiter(options);
    this.combined = new MaxOfRateLimiter(this.exponential, new TokenBucketRateLimiter(options));
  }

  setRateLimits(delays: BackoffDelays): void {
    this.exponential.setDelays(delays);
  }

  when(key: string): number {
    return this.combined.when(key);
  }

  forget(key: string): void {
    this.combined.forget(key);
  }

  numRequeues(key: string): number {
    return this.combined.numRequeues(key);
  }
}
