import { FakeClock } from '../clock';
import { isInvalidOptionError } from '../options';
import type { RateLimiter } from './rate-limiters';
import {
  ControllerRateLimiter,
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  ExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from './rate-limiters';

function whens(limiter: RateLimiter, key: string, times: number): number[] {
  return Array.from({ length: times }, () => limiter.when(key));
}

function fieldOf(build: () => unknown): string | undefined {
  try {
    build();
  } catch (err: unknown) {
    if (isInvalidOptionError(err)) return err.field;
    throw err;
  }
  return undefined;
}

class FixedRateLimiter implements RateLimiter {
  forgotten: string[] = [];
  constructor(
    private readonly delayMs: number,
    private readonly requeues: number,
  ) {}
  when(): number {
    return this.delayMs;
  }
  forget(key: string): void {
    this.forgotten.push(key);
  }
  numRequeues(): number {
    return this.requeues;
  }
}

describe('ExponentialRateLimiter', () => {
  it.each([
    { name: 'contract defaults double from 500 ms', base: undefined, max: undefined, times: 4, want: [500, 1_000, 2_000, 4_000] },
    { name: 'capped at max', base: 100, max: 350, times: 4, want: [100, 200, 350, 350] },
    { name: 'base equal to max stays flat', base: 200, max: 200, times: 3, want: [200, 200, 200] },
    { name: 'cap not a power-of-two step', base: 3, max: 10, times: 4, want: [3, 6, 10, 10] },
  ])('grows per failure: $name', ({ base, max, times, want }) => {
    const limiter = new ExponentialRateLimiter({ baseDelayMs: base, maxDelayMs: max });
    expect(whens(limiter, 'k', times)).toEqual(want);
    expect(limiter.numRequeues('k')).toBe(times);
  });

  it('answers the cap after more failures than a double can hold', () => {
    const limiter = new ExponentialRateLimiter();
    whens(limiter, 'k', 1_100);
    expect(limiter.when('k')).toBe(DEFAULT_MAX_DELAY_MS);
  });

  it('counts keys apart and starts again from the base after forget', () => {
    const limiter = new ExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 1_000 });
    whens(limiter, 'a', 3);
    expect(limiter.when('b')).toBe(10);
    limiter.forget('a');
    expect([limiter.numRequeues('a'), limiter.when('a'), limiter.numRequeues('b')]).toEqual([0, 10, 1]);
  });

  it('applies new delays live and keeps failure counts', () => {
    const limiter = new ExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 1_000 });
    whens(limiter, 'k', 2);
    limiter.setDelays({ baseDelayMs: 100, maxDelayMs: 250 });
    expect([limiter.numRequeues('k'), limiter.when('k')]).toEqual([2, 250]);
  });

  it.each([
    { name: 'base 0', delays: { baseDelayMs: 0, maxDelayMs: 10 }, field: 'baseDelayMs' },
    { name: 'base negative', delays: { baseDelayMs: -1, maxDelayMs: 10 }, field: 'baseDelayMs' },
    { name: 'base NaN', delays: { baseDelayMs: Number.NaN, maxDelayMs: 10 }, field: 'baseDelayMs' },
    { name: 'max infinite', delays: { baseDelayMs: 1, maxDelayMs: Number.POSITIVE_INFINITY }, field: 'maxDelayMs' },
    { name: 'base above max', delays: { baseDelayMs: 600, maxDelayMs: 500 }, field: 'baseDelayMs' },
  ])('refuses $name, naming $field, at build and on update', ({ delays, field }) => {
    expect(fieldOf(() => new ExponentialRateLimiter(delays))).toBe(field);
    const limiter = new ExponentialRateLimiter({ baseDelayMs: 7, maxDelayMs: 70 });
    expect(fieldOf(() => limiter.setDelays(delays))).toBe(field);
    expect(limiter.when('k')).toBe(7);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('lets a burst through, then spaces tries at 1/qps', () => {
    const limiter = new TokenBucketRateLimiter({ clock: new FakeClock(0), qps: 10, burst: 3 });
    expect(whens(limiter, 'any', 6)).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills with time, never above the burst', () => {
    const clock = new FakeClock(0);
    const limiter = new TokenBucketRateLimiter({ clock, qps: 2, burst: 2 });
    whens(limiter, 'k', 2);
    clock.step(500);
    expect(limiter.when('k')).toBe(0);
    expect(limiter.when('k')).toBe(500);
    clock.step(60_000);
    expect(whens(limiter, 'k', 3)).toEqual([0, 0, 500]);
  });

  it('defaults to client-go figures: 100 free tries, then 10 per second', () => {
    const limiter = new TokenBucketRateLimiter({ clock: new FakeClock(0) });
    whens(limiter, 'k', 100);
    expect(limiter.when('k')).toBe(100);
    expect(limiter.numRequeues('k')).toBe(0);
  });

  it.each([
    { name: 'qps 0', options: { qps: 0 }, field: 'qps' },
    { name: 'burst 0', options: { burst: 0 }, field: 'burst' },
    { name: 'fractional burst', options: { burst: 1.5 }, field: 'burst' },
  ])('refuses $name', ({ options, field }) => {
    expect(fieldOf(() => new TokenBucketRateLimiter({ clock: new FakeClock(0), ...options }))).toBe(field);
  });
});

describe('MaxOfRateLimiter', () => {
  it('waits the longest, counts the most requeues and forgets everywhere', () => {
    const a = new FixedRateLimiter(5, 2);
    const b = new FixedRateLimiter(9, 1);
    const limiter = new MaxOfRateLimiter(a, b);
    expect([limiter.when('k'), limiter.numRequeues('k')]).toEqual([9, 2]);
    limiter.forget('k');
    expect([a.forgotten, b.forgotten]).toEqual([['k'], ['k']]);
  });

  it('refuses an empty list', () => {
    expect(fieldOf(() => new MaxOfRateLimiter())).toBe('limiters');
  });
});

describe('ControllerRateLimiter', () => {
  it('is the per-key backoff while the bucket has tokens, the bucket once it runs dry', () => {
    const limiter = new ControllerRateLimiter({ clock: new FakeClock(0), qps: 1, burst: 2 });
    expect([limiter.when('a'), limiter.when('b')]).toEqual([DEFAULT_BASE_DELAY_MS, DEFAULT_BASE_DELAY_MS]);
    expect(limiter.when('c')).toBe(1_000);
    expect(limiter.when('d')).toBe(2_000);
  });

  it('applies reloaded requeue delays and keeps counts', () => {
    const limiter = new ControllerRateLimiter({ clock: new FakeClock(0) });
    whens(limiter, 'k', 3);
    limiter.setRateLimits({ baseDelayMs: 10, maxDelayMs: 20 });
    expect([limiter.numRequeues('k'), limiter.when('k')]).toEqual([3, 20]);
    limiter.forget('k');
    expect(limiter.when('k')).toBe(10);
  });

  it('refuses reloaded delays that break base ≤ max, keeping the old ones', () => {
    const limiter = new ControllerRateLimiter({ clock: new FakeClock(0) });
    expect(fieldOf(() => limiter.setRateLimits({ baseDelayMs: 20, maxDelayMs: 10 }))).toBe('baseDelayMs');
    expect(limiter.when('k')).toBe(DEFAULT_BASE_DELAY_MS);
  });
});
