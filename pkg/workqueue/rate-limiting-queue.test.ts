import { FakeClock } from '../clock';
import { NoopQueueMetrics } from './metrics';
import { ControllerRateLimiter, ExponentialRateLimiter } from './rate-limiters';
import { RateLimitingQueue } from './rate-limiting-queue';

class CountingMetrics extends NoopQueueMetrics {
  retries = 0;
  override incRetries(): void {
    this.retries += 1;
  }
}

function newQueue(): { queue: RateLimitingQueue; clock: FakeClock; metrics: CountingMetrics } {
  const clock = new FakeClock(0);
  const metrics = new CountingMetrics();
  const rateLimiter = new ExponentialRateLimiter({ baseDelayMs: 100, maxDelayMs: 1_000 });
  return { queue: new RateLimitingQueue({ clock, metrics, rateLimiter }), clock, metrics };
}

/** Fails key n times in a row; returns the delays between each failure and the key being ready again. */
async function failRepeatedly(queue: RateLimitingQueue, clock: FakeClock, key: string, n: number): Promise<number[]> {
  const delays: number[] = [];
  queue.add(key);
  for (let i = 0; i < n; i++) {
    await queue.get();
    queue.addRateLimited(key);
    queue.done(key);
    const from = clock.monotonicNow();
    while (queue.snapshot().queued === 0) clock.step(10);
    delays.push(clock.monotonicNow() - from);
  }
  return delays;
}

describe('RateLimitingQueue', () => {
  it('backs a failing key off exponentially up to the cap, counting retries', async () => {
    const { queue, clock, metrics } = newQueue();
    expect(await failRepeatedly(queue, clock, 'k', 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([queue.numRequeues('k'), metrics.retries]).toEqual([6, 6]);
  });

  it('starts from the base again after forget', async () => {
    const { queue, clock } = newQueue();
    await failRepeatedly(queue, clock, 'k', 3);
    queue.forget('k');
    expect(queue.numRequeues('k')).toBe(0);
    expect(await failRepeatedly(queue, clock, 'k', 1)).toEqual([100]);
  });

  it('counts a key in backoff apart from one waiting for addAfter', () => {
    const { queue } = newQueue();
    queue.addRateLimited('failed');
    queue.addAfter('later', 5_000);
    expect(queue.snapshot()).toEqual({ queued: 0, processing: 0, waiting: 1, backoff: 1 });
  });

  it('lets an earlier addAfter replace a backoff and counts it as waiting', () => {
    const { queue, clock } = newQueue();
    queue.addRateLimited('k');
    queue.addRateLimited('k');
    queue.addAfter('k', 50);
    expect(queue.snapshot()).toMatchObject({ waiting: 1, backoff: 0 });
    clock.step(50);
    expect(queue.snapshot()).toMatchObject({ queued: 1, waiting: 0, backoff: 0 });
  });

  it('ignores addRateLimited after shutDown, without counting a retry', () => {
    const { queue, metrics } = newQueue();
    queue.shutDown();
    queue.addRateLimited('k');
    expect([queue.numRequeues('k'), metrics.retries, queue.snapshot().backoff]).toEqual([0, 0, 0]);
  });

  it('applies reloaded delays without losing queued or waiting keys', () => {
    const clock = new FakeClock(0);
    const rateLimiter = new ControllerRateLimiter({ clock, baseDelayMs: 1_000, maxDelayMs: 60_000 });
    const queue = new RateLimitingQueue({ clock, rateLimiter });
    queue.add('queued');
    queue.addAfter('waiting', 5_000);
    queue.addRateLimited('old-backoff');
    rateLimiter.setRateLimits({ baseDelayMs: 10, maxDelayMs: 20 });
    queue.addRateLimited('new-backoff');
    expect(queue.snapshot()).toEqual({ queued: 1, processing: 0, waiting: 1, backoff: 2 });
    clock.step(10);
    expect(queue.snapshot()).toMatchObject({ queued: 2, backoff: 1 });
    clock.step(5_000);
    expect(queue.snapshot()).toEqual({ queued: 4, processing: 0, waiting: 0, backoff: 0 });
  });

  it('uses the contract defaults when given no limiter', () => {
    const clock = new FakeClock(0);
    const queue = new RateLimitingQueue({ clock });
    queue.addRateLimited('k');
    clock.step(499);
    expect(queue.snapshot().queued).toBe(0);
    clock.step(1);
    expect(queue.snapshot().queued).toBe(1);
  });
});
