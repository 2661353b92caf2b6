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

/** A liveness check that fails while the event loop's recent p99 delay exceeds maxDelayMs. */
export class EventLoopCheck {
  private readonly histogram: IntervalHistogram;

  constructor(private readonly maxDelayMs: number) {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
  }

  check(): CheckResult {
    const p99Ms = this.histogram.percentile(99) / 1e6;
    this.histogram.reset();
    return p99Ms > this.maxDelayMs
      ? { ok: false, detail: `event loop delay p99 ${p99Ms.toFixed(0)} ms exceeds ${this.maxDelayMs} ms` }
      : { ok: true };
  }

  stop(): void {
    this.histogram.disable();
  }
}
