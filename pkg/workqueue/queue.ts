// The work queue: string keys (instance ids), client-go semantics.
// - A key added many times before it is handed out is handed out once.
// - A key handed out by get() is not handed out again before done(key): no two workers at once.
// - A key added while handed out is handed out again after done(key), once.
// - Ready keys come out by rank (KeyOrder), ties in the order they became ready (FIFO by default).
// Ready keys sit in a binary heap: add/get/done are O(log n) at 100,000 keys.
// Unlike client-go, get() hands out nothing after shutDown(): keys still queued are dropped.
import type { Clock } from '../clock';
import { requireNumber } from '../options';
import { settlesWithinMs } from '../wait';
import type { HeapNode } from './heap';
import { IndexedHeap } from './heap';
import type { QueueMetrics, QueueSnapshot } from './metrics';
import { NoopQueueMetrics } from './metrics';

/**
 * The order of ready keys. rankOf(key) is read when the key becomes ready and again on every add
 * while it is ready, so an add after a change (new priority) moves it; a rank is a snapshot, so a
 * change that is not followed by an add cannot corrupt the heap. compare orders ranks, negative when
 * a goes first; ties go to the key that became ready first. Neither may throw.
 */
export interface KeyOrder<R> {
  rankOf(key: string): R;
  compare(a: R, b: R): number;
}

export interface WorkQueueOptions<R> {
  /** Times queue latency, work duration and shutDownWithDrain's bound. */
  readonly clock: Clock;
  /** Order of ready keys; default FIFO (the order they became ready). */
  readonly order?: KeyOrder<R>;
  /** Default: NoopQueueMetrics. */
  readonly metrics?: QueueMetrics;
}

/** What the queue knows of one key; ready when in the heap (heapIndex ≥ 0). */
interface KeyState<R> extends HeapNode {
  readonly key: string;
  /** Needs processing: ready, or handed out and added again. */
  dirty: boolean;
  /** Monotonic ms when get() handed it out; undefined when not handed out. */
  startedAtMs: number | undefined;
  /** When it became ready: the FIFO tie-break, and queue latency. */
  seq: number;
  readyAtMs: number;
  rank: R;
}

/** Idle states (neither dirty nor handed out) are swept once they are this many and half the map. */
const SWEEP_MIN_IDLE = 1_024;

interface Waiter {
  readonly resolve: (key: string | undefined) => void;
  readonly detach: () => void;
}

export class WorkQueue<R = undefined> {
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics;
  private readonly ready: IndexedHeap<KeyState<R>>;
  /** Undefined for FIFO: nothing to rank. */
  private readonly rankOf: ((key: string) => R) | undefined;
  /**
   * Every key dirty or handed out, and idle ones until a sweep: an idle key keeps its entry so that
   * a hot key cycling add → get → done costs no Map delete and set (see heap.ts on V8's chains).
   */
  private readonly states = new Map<string, KeyState<R>>();
  private idle = 0;
  private processing = 0;
  private readonly waiters: Waiter[] = [];
  private readonly drainers = new Set<() => void>();
  private seq = 0;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions<R>) {
    this.clock = options.clock;
    this.metrics = options.metrics ?? new NoopQueueMetrics();
    const order = options.order;
    if (order === undefined) {
      this.rankOf = undefined;
      this.ready = new IndexedHeap((a, b) => a.seq < b.seq);
    } else {
      this.rankOf = (key) => order.rankOf(key);
      this.ready = new IndexedHeap((a, b) => {
        const c = order.compare(a.rank, b.rank);
        return c < 0 || (c === 0 && a.seq < b.seq);
      });
    }
  }

  /** Marks key as needing processing. Ignored after shutDown. */
  add(key: string): void {
    if (this.shuttingDown) return;
    const state = this.states.get(key);
    if (state === undefined) {
      const fresh: KeyState<R> = { key, dirty: true, startedAtMs: undefined, seq: 0, readyAtMs: 0, rank: this.rankFor(key), heapIndex: -1 };
      this.states.set(key, fresh);
      this.pushReady(fresh);
    } else if (state.dirty) {
      if (state.heapIndex >= 0 && this.rankOf !== undefined) {
        state.rank = this.rankOf(key); // re-rank: see KeyOrder
        this.ready.fix(state);
      }
    } else {
      state.dirty = true;
      if (state.startedAtMs === undefined) {
        this.idle -= 1;
        state.rank = this.rankFor(key);
        this.pushReady(state);
      }
    }
  }

  /**
   * Resolves with the next ready key, which the caller now owns until it calls done(key) (in a
   * finally). Resolves undefined, with no key taken, once the queue shuts down or signal aborts.
   * Pending calls are served in the order they were made.
   */
  get(signal?: AbortSignal): Promise<string | undefined> {
    if (this.shuttingDown || signal?.aborted === true) return Promise.resolve(undefined);
    const state = this.ready.pop();
    if (state !== undefined) {
      this.metrics.setDepth(this.ready.size);
      return Promise.resolve(this.handOut(state));
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(undefined);
      };
      const waiter: Waiter = { resolve, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Ends the processing of key; if it was added meanwhile it becomes ready again. Unknown keys: no-op. */
  done(key: string): void {
    const state = this.states.get(key);
    if (state?.startedAtMs === undefined) return;
    this.metrics.observeWorkDurationMs(this.clock.monotonicNow() - state.startedAtMs);
    state.startedAtMs = undefined;
    this.processing -= 1;
    if (state.dirty && !this.shuttingDown) {
      state.rank = this.rankFor(key);
      this.pushReady(state);
    } else {
      this.markIdle(state);
    }
    if (this.processing === 0 && this.drainers.size > 0) for (const drained of [...this.drainers]) drained();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  snapshot(): QueueSnapshot {
    return { queued: this.ready.size, processing: this.processing, waiting: 0, backoff: 0 };
  }

  /**
   * Stops the queue: adds are ignored, queued keys are dropped, every pending and later get()
   * resolves undefined. Handed-out keys may still call done(). Idempotent.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.ready.clear();
    for (const [key, state] of this.states) if (state.startedAtMs === undefined) this.states.delete(key);
    this.idle = 0;
    this.metrics.setDepth(0);
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach();
      waiter.resolve(undefined);
    }
    this.onShutDown();
  }

  /**
   * shutDown(), then waits until every handed-out key is done or timeoutMs passes. Resolves true
   * when all were done, false on the timeout (those keys are then abandoned by the caller).
   */
  shutDownWithDrain(timeoutMs: number): Promise<boolean> {
    requireNumber('WorkQueue.shutDownWithDrain', 'timeoutMs', timeoutMs, 'nonNegative');
    this.shutDown();
    if (this.processing === 0) return Promise.resolve(true);
    let onDrained = (): void => {};
    const drained = new Promise<void>((resolve) => { onDrained = resolve; });
    this.drainers.add(onDrained);
    return settlesWithinMs(drained, timeoutMs, this.clock).finally(() => this.drainers.delete(onDrained));
  }

  /** Called once, when the queue shuts down. */
  protected onShutDown(): void {}

  private rankFor(key: string): R {
    // FIFO ranks are never compared (the heap orders by seq alone), so none is computed.
    return this.rankOf === undefined ? (undefined as R) : this.rankOf(key);
  }

  private pushReady(state: KeyState<R>): void {
    state.seq = this.seq++;
    state.readyAtMs = this.clock.monotonicNow();
    this.ready.push(state);
    this.metrics.incAdds();
    const waiter = this.waiters.shift();
    const next = waiter === undefined ? undefined : this.ready.pop();
    if (waiter !== undefined && next !== undefined) {
      waiter.detach();
      waiter.resolve(this.handOut(next));
    }
    this.metrics.setDepth(this.ready.size);
  }

  private handOut(state: KeyState<R>): string {
    const now = this.clock.monotonicNow();
    state.dirty = false;
    state.startedAtMs = now;
    this.processing += 1;
    this.metrics.observeQueueLatencyMs(now - state.readyAtMs);
    return state.key;
  }

  private markIdle(state: KeyState<R>): void {
    if (this.shuttingDown) {
      this.states.delete(state.key);
      return;
    }
    this.idle += 1;
    if (this.idle < SWEEP_MIN_IDLE || this.idle * 2 < this.states.size) return;
    for (const [key, s] of this.states) if (!s.dirty && s.startedAtMs === undefined) this.states.delete(key);
    this.idle = 0;
  }
}
