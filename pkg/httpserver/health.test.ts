import type { DelayHistogram } from './health';
import { EventLoopCheck, HealthChecks } from './health';

/** A histogram whose longest delay the test sets (nanoseconds, as perf_hooks reports). */
class FakeHistogram implements DelayHistogram {
  max = 0;
  resets = 0;
  reset(): void {
    this.max = 0;
    this.resets += 1;
  }
  disable(): void {}
}

describe('EventLoopCheck', () => {
  it('fails when the loop was held up past the bound since the previous check, then recovers', () => {
    const histogram = new FakeHistogram();
    const check = new EventLoopCheck(5_000, histogram);
    histogram.max = 4_000e6;
    expect(check.check()).toEqual({ ok: true });
    histogram.max = 6_500e6;
    expect(check.check()).toEqual({ ok: false, detail: 'event loop held up 6500 ms since the last check; the bound is 5000 ms' });
    expect(check.check()).toEqual({ ok: true });
    expect(histogram.resets).toBe(3);
  });

  it('turns /healthz to 503 with the failing check named', () => {
    const histogram = new FakeHistogram();
    const liveness = new HealthChecks().add('eventLoop', () => new EventLoopCheck(100, histogram).check());
    histogram.max = 250e6;
    const reply = liveness.reply();
    expect(reply.status).toBe(503);
    expect(JSON.stringify(reply.body)).toContain('"eventLoop":{"ok":false,"detail":"event loop held up 250 ms');
  });

  it('sees a single long stall on the real event loop', async () => {
    const check = new EventLoopCheck(100);
    try {
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
      const until = performance.now() + 300;
      while (performance.now() < until) { /* hold the loop */ }
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
      expect(check.check().ok).toBe(false);
    } finally {
      check.stop();
    }
  });
});
