// A work queue that can add a key later: addAfter(key, delayMs). A key waiting for several delays
// waits for the earliest. Every delay is capped at maxWaitMs (one hour by default, contract §3: a
// delayed look is re-checked then), so a long wait is a re-check, never a Node timer over 24.8 days.
// One clock timer is armed, for the earliest waiting key. As in client-go, add() does not cancel a
// waiting key: it is then processed now and once more when its delay ends.
import type { Timer } from '../clock';
import { requireNumber } from '../options';
import type { HeapNode } from './heap';
import { IndexedHeap } from './heap';
import type { QueueSnapshot } from './metrics';
import type { WorkQueueOptions } from './queue';
import { WorkQueue } from './queue';

/** One hour: the longest a key waits before it is looked at again (contract §3). */
export const DEFAULT_MAX_WAIT_MS = 3_600_000;

/** Why a key waits, for the snapshot: an addAfter delay or an addRateLimited backoff. */
export type WaitKind = 'waiting' | 'backoff';

export interface DelayingQueueOptions<R> extends WorkQueueOptions<R> {
  /** Cap on every delay, ms, > 0; default 3,600,000 (one hour). */
  readonly maxWaitMs?: number;
}

interface WaitEntry extends HeapNode {
  readonly key: string;
  /** Monotonic ms at which the key becomes ready. */
  readonly readyAtMs: number;
  readonly seq: number;
  readonly kind: WaitKind;
}

export class DelayingQueue<R = undefined> extends WorkQueue<R> {
  private readonly maxWaitMs: number;
  private readonly waiting = new IndexedHeap<WaitEntry>(
    (a, b) => a.readyAtMs < b.readyAtMs || (a.readyAtMs === b.readyAtMs && a.seq < b.seq),
  );
  private readonly waitingByKey = new Map<string, WaitEntry>();
  private readonly waitingByKind: Record<WaitKind, number> = { waiting: 0, backoff: 0 };
  private waitSeq = 0;
  private timer: Timer | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;

  constructor(options: DelayingQueueOptions<R>) {
    super(options);
    this.maxWaitMs = requireNumber('DelayingQueue', 'maxWaitMs', options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, 'positive');
  }

  /**
   * Adds key after delayMs (capped at maxWaitMs; ≤ 0 adds now). If key already waits, the earlier
   * of the two times wins. Ignored after shutDown. A NaN delay is a bug in the caller: RangeError.
   */
  addAfter(key: string, delayMs: number): void {
    this.addAfterAs(key, delayMs, 'waiting');
  }

  override snapshot(): QueueSnapshot {
    return { ...super.snapshot(), waiting: this.waitingByKind.waiting, backoff: this.waitingByKind.backoff };
  }

  protected addAfterAs(key: string, delayMs: number, kind: WaitKind): void {
    if (Number.isNaN(delayMs)) throw new RangeError(`DelayingQueue.addAfter: delayMs is NaN for key ${key}`);
    if (this.isShuttingDown()) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAtMs = this.clock.monotonicNow() + Math.min(delayMs, this.maxWaitMs);
    const existing = this.waitingByKey.get(key);
    if (existing !== undefined) {
      if (existing.readyAtMs <= readyAtMs) return;
      this.waitingByKind[existing.kind] -= 1;
      this.waiting.remove(existing);
    }
    const entry: WaitEntry = { key, readyAtMs, seq: this.waitSeq++, kind, heapIndex: -1 };
    this.waiting.push(entry);
    this.waitingByKey.set(key, entry);
    this.waitingByKind[kind] += 1;
    this.arm();
  }

  protected override onShutDown(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.waiting.clear();
    this.waitingByKey.clear();
    this.waitingByKind.waiting = 0;
    this.waitingByKind.backoff = 0;
  }

  /** Keeps one timer armed no later than the earliest waiting key. */
  private arm(): void {
    const head = this.waiting.peek();
    if (head === undefined || (this.timer !== undefined && this.timerAtMs <= head.readyAtMs)) return;
    this.timer?.cancel();
    this.timerAtMs = head.readyAtMs;
    this.timer = this.clock.setTimer(head.readyAtMs - this.clock.monotonicNow(), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const now = this.clock.monotonicNow();
    for (let head = this.waiting.peek(); head !== undefined && head.readyAtMs <= now; head = this.waiting.peek()) {
      this.waiting.pop();
      this.waitingByKey.delete(head.key);
      this.waitingByKind[head.kind] -= 1;
      this.add(head.key);
    }
    this.arm();
  }
}
