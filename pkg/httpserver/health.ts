// Liveness and readiness as named checks. /healthz asks "should the kubelet restart me?" (only the
// process and its event loop); /readyz asks "is this replica's view usable?" (caches synced, etcd
// reachable). A standby that is synced is ready too: readiness never depends on leadership.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { HttpReply } from './server';

export interface CheckResult {
  readonly ok: boolean;
  /** Why not, for the operator reading the 503 body. */
  readonly detail?: string;
}

/** A named set of synchronous checks; the callers keep the state the checks read. */
export class HealthChecks {
  private readonly checks = new Map<string, () => CheckResult>();

  add(name: string, check: () => CheckResult): this {
    this.checks.set(name, check);
    return this;
  }

  evaluate(): { ok: boolean; checks: Record<string, CheckResult> } {
    const checks: Record<string, CheckResult> = {};
    let ok = true;
    for (const [name, check] of this.checks) {
      let result: CheckResult;
      try {
        result = check();
      } catch (err: unknown) {
        result = { ok: false, detail: `check threw: ${(err as Error).message}` };
      }
      checks[name] = result;
      ok &&= result.ok;
    }
    return { ok, checks };
  }

  reply(): HttpReply {
    const { ok, checks } = this.evaluate();
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', checks } };
  }
}

/** What EventLoopCheck reads: perf_hooks' IntervalHistogram fits (delays in nanoseconds). */
export interface DelayHistogram {
  readonly max: number;
  reset(): void;
  disable(): void;
}

/**
 * A liveness check that fails when the event loop was held up longer than maxDelayMs at some point
 * since the previous check (the probe period). The longest delay, not a percentile: one long stall
 * is a single sample among hundreds, which a p99 over the probe period never shows.
 */
export class EventLoopCheck {
  private readonly histogram: DelayHistogram;

  /** histogram: default, a 20 ms resolution monitorEventLoopDelay, enabled here. */
  constructor(
    private readonly maxDelayMs: number,
    histogram?: DelayHistogram,
  ) {
    if (histogram !== undefined) {
      this.histogram = histogram;
    } else {
      const monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
      monitor.enable();
      this.histogram = monitor;
    }
  }

  check(): CheckResult {
    const maxMs = this.histogram.max / 1e6;
    this.histogram.reset();
    return maxMs > this.maxDelayMs
      ? { ok: false, detail: `event loop held up ${maxMs.toFixed(0)} ms since the last check; the bound is ${this.maxDelayMs} ms` }
      : { ok: true };
  }

  stop(): void {
    this.histogram.disable();
  }
}
