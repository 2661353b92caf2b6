// One token bucket on an injected Clock through which every Control Plane attempt leaves (contract
// §2: controlPlane.qps, controlPlane.burst). Waiters are served strictly by priority, FIFO within a
// priority, so schedule calls go ahead of reports and scale-ups; nobody overtakes a waiter of the
// same or higher priority. A server's Retry-After can hold the whole bucket (holdFor). Limits change
// live; an aborted waiter leaves the queue at once.
import type { Clock, Timer } from '../clock';
import { requireNumber } from '../options';

export interface RateLimits {
  /** Tokens added per second; > 0. */
  readonly qps: number;
  /** Most tokens kept; >= 1. */
  readonly burst: number;
}

/** 0 is served first (schedule calls), then 1 (reports and scale-ups). */
export type Priority = 0 | 1;

/** Float sums of refills may land a hair below a whole token. */
const EPSILON = 1e-9;

interface Waiter {
  readonly resolve: (granted: boolean) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export function checkRateLimits(limits: RateLimits): void {
  requireNumber('ControlPlaneClient', 'controlPlane.qps', limits.qps, 'positive');
  requireNumber('ControlPlaneClient', 'controlPlane.burst', limits.burst, 'positiveInteger');
}

export class PriorityTokenBucket {
  private limits: RateLimits;
  private tokens: number;
  private refilledAtMs: number;
  private heldUntilMs = Number.NEGATIVE_INFINITY;
  private readonly queues: [Waiter[], Waiter[]] = [[], []];
  private timer: Timer | undefined;

  constructor(private readonly clock: Clock, limits: RateLimits) {
    checkRateLimits(limits);
    this.limits = limits;
    this.tokens = limits.burst;
    this.refilledAtMs = clock.monotonicNow();
  }

  /** Resolves true when a token is granted, false when signal aborts first. */
  acquire(priority: Priority, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false);
    this.refill();
    if (this.waiting() === 0 && this.isOpen() && this.tokens + EPSILON >= 1) {
      this.tokens -= 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const queue = this.queues[priority];
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          resolve(false);
          this.pump();
        },
      };
      queue.push(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.pump();
    });
  }

  /** New limits from now on; tokens beyond the new burst are dropped. */
  setLimits(limits: RateLimits): void {
    checkRateLimits(limits);
    this.refill();
    this.limits = limits;
    this.tokens = Math.min(this.tokens, limits.burst);
    this.rearm();
  }

  /** Grants nothing for delayMs (a server's Retry-After); a shorter hold never shortens a longer one. */
  holdFor(delayMs: number): void {
    this.heldUntilMs = Math.max(this.heldUntilMs, this.clock.monotonicNow() + Math.max(0, delayMs));
    this.rearm();
  }

  /** Waiters queued, all priorities. */
  waiting(): number {
    return this.queues[0].length + this.queues[1].length;
  }

  /** Releases every waiter with false and stops the timer; later acquires still work. */
  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const queue of this.queues) {
      for (const waiter of queue.splice(0)) this.release(waiter, false);
    }
  }

  private isOpen(): boolean {
    return this.clock.monotonicNow() >= this.heldUntilMs;
  }

  private refill(): void {
    const now = this.clock.monotonicNow();
    const elapsedMs = Math.max(0, now - this.refilledAtMs);
    this.tokens = Math.min(this.limits.burst, this.tokens + (elapsedMs * this.limits.qps) / 1000);
    this.refilledAtMs = now;
  }

  private pump(): void {
    this.refill();
    while (this.isOpen() && this.tokens + EPSILON >= 1) {
      const waiter = this.next();
      if (waiter === undefined) break;
      this.tokens -= 1;
      this.release(waiter, true);
    }
    this.rearm();
  }

  private next(): Waiter | undefined {
    for (const queue of this.queues) {
      const waiter = queue.shift();
      if (waiter !== undefined) return waiter;
    }
    return undefined;
  }

  private release(waiter: Waiter, granted: boolean): void {
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(granted);
  }

  /** One timer, due when the first waiter can be served. */
  private rearm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.waiting() === 0) return;
    const now = this.clock.monotonicNow();
    const tokenDueMs = this.tokens + EPSILON >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.limits.qps;
    const delayMs = Math.max(tokenDueMs, this.heldUntilMs - now, 0);
    this.timer = this.clock.setTimer(Math.ceil(delayMs), () => {
      this.timer = undefined;
      this.pump();
    });
  }
}
