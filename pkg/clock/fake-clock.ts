// A Clock that moves only when a test says so. step() fires due timers in deadline order (ties in
// the order they were set), each at its own instant, so callbacks see the time they asked for.
import type { Clock, Timer } from './clock';
import { sleepOn } from './clock';

interface PendingTimer {
  readonly dueMs: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private wallMs: number;
  private monoMs = 0;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startWallMs = Date.parse('2026-11-27T09:00:00Z')) {
    this.wallMs = startWallMs;
  }

  now(): number {
    return this.wallMs;
  }

  monotonicNow(): number {
    return this.monoMs;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const timer: PendingTimer = { dueMs: this.monoMs + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  /** Number of timers still waiting to fire. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Advances both clocks by ms, firing each due timer at its deadline. */
  step(ms: number): void {
    for (const timer of this.fire(ms)) timer.fn();
  }

  /** step(), letting promise callbacks run after each fired timer (for async code under test). */
  async tick(ms: number): Promise<void> {
    await flushMicrotasks();
    for (const timer of this.fire(ms)) {
      timer.fn();
      await flushMicrotasks();
    }
  }

  /** Yields each timer due within ms, with the clocks at its deadline; then moves to the end. */
  private *fire(ms: number): Generator<PendingTimer> {
    const target = this.monoMs + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.advanceTo(next.dueMs);
      next.cancelled = true;
      yield next;
    }
    this.advanceTo(target);
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  /**
   * Moves time by ms without firing anything, as when the process is paused (SIGSTOP, a long GC):
   * timers that fell due fire on the next step() or tick(), late, as Node's would.
   */
  pause(ms: number): void {
    this.advanceTo(this.monoMs + ms);
  }

  /** Moves the wall clock alone (a jump), as NTP might; monotonic time does not move. */
  jumpWall(ms: number): void {
    this.wallMs += ms;
  }

  private advanceTo(monoMs: number): void {
    if (monoMs <= this.monoMs) return;
    this.wallMs += monoMs - this.monoMs;
    this.monoMs = monoMs;
  }

  private nextDue(limitMs: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.dueMs > limitMs) continue;
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets queued promise reactions (and those they queue, a few levels deep) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
