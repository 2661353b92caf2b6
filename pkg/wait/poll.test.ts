import { FakeClock } from '../clock';
import type { PollResult } from './poll';
import { pollUntil } from './poll';

describe('pollUntil', () => {
  function start(condition: () => boolean, timeoutMs: number, signal?: AbortSignal) {
    const clock = new FakeClock();
    let result: PollResult | undefined;
    const checks: number[] = [];
    void pollUntil(() => { checks.push(clock.monotonicNow()); return condition(); }, { clock, intervalMs: 100, timeoutMs, signal }).then((r) => { result = r; });
    return { clock, checks, result: () => result };
  }

  it('answers met at once, without a timer, when the condition already holds', async () => {
    const t = start(() => true, 1_000);
    await t.clock.tick(0);
    expect([t.result(), t.checks, t.clock.pendingTimers()]).toEqual(['met', [0], 0]);
  });

  it('checks every interval until the condition holds', async () => {
    let ready = false;
    const t = start(() => ready, 1_000);
    await t.clock.tick(250);
    ready = true;
    await t.clock.tick(50);
    expect([t.result(), t.checks]).toEqual(['met', [0, 100, 200, 300]]);
  });

  it('answers timedOut at the bound, checking one last time there', async () => {
    const t = start(() => false, 250);
    await t.clock.tick(249);
    expect(t.result()).toBeUndefined();
    await t.clock.tick(1);
    expect([t.result(), t.checks]).toEqual(['timedOut', [0, 100, 200, 250]]);
  });

  it('answers aborted as soon as the signal aborts', async () => {
    const stop = new AbortController();
    const t = start(() => false, Number.POSITIVE_INFINITY, stop.signal);
    await t.clock.tick(150);
    stop.abort();
    await t.clock.tick(0);
    expect(t.result()).toBe('aborted');
  });
});
