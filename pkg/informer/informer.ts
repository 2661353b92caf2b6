// Mirrors every key under one prefix from etcd, in one stream: list at a revision, then watch from
// the next one. Handlers see every change exactly once and in revision order. A compacted or broken
// watch leads to a re-list at one revision, diffed against the cache, so missed puts and deletes are
// emitted as ordinary deltas. A drift check (count and highest mod revision at the cache's revision,
// compared with etcd) runs periodically and when the stream has been silent, and re-lists on mismatch.
import type { Clock, Timer } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import { requireAtMost, requireNumber } from '../options';
import type { KeyValue, Watch, WatchEvent } from '../store';
import { isCompacted } from '../store';
import { backoffMs } from '../wait';
import type { Delta, DeltaCause, DeltaHandler, ListerWatcher } from './list-watch';

export type RelistReason = 'compacted' | 'watch-error' | 'list-error' | 'drift';

export interface InformerMetrics {
  /** A re-list after the first list, and why. */
  relisted(reason: RelistReason): void;
}

const NOOP_METRICS: InformerMetrics = { relisted: () => undefined };

export interface InformerOptions {
  readonly listerWatcher: ListerWatcher;
  /** The prefix with its trailing slash (`/lcm/`), so `/lcm-other/` is not mirrored. */
  readonly prefix: string;
  readonly handler: DeltaHandler;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: InformerMetrics;
  /** First retry delay after a failed list or watch, ms; doubles up to maxBackoffMs. Default 250. */
  readonly initialBackoffMs?: number;
  /** Default 10,000. */
  readonly maxBackoffMs?: number;
  /** A drift check at least this often, ms. Default 300,000 (5 min). */
  readonly driftCheckIntervalMs?: number;
  /** A drift check once the stream has been silent this long, ms. Default 60,000. */
  readonly silenceCheckMs?: number;
  /** Keys per page when listing. Default 1,000. */
  readonly pageSize?: number;
  /** How long etcd may be ahead of a silent stream before that counts as drift, ms. Default 5,000. */
  readonly driftConfirmMs?: number;
}

interface RevisionWaiter {
  readonly revision: number;
  readonly resolve: () => void;
}

export class PrefixInformer {
  private readonly items = new Map<string, KeyValue>();
  private rev = 0;
  private synced = false;
  private watching = false;
  private stopped = false;
  private generation = 0;
  private watch: Watch | undefined;
  private breakStream: ((reason: RelistReason) => void) | undefined;
  private checkTimer: Timer | undefined;
  private confirmTimer: Timer | undefined;
  private lastEventAtMs = 0;
  private lastDriftCheckAtMs = 0;
  /** A mod revision etcd reported that the cache had not reached; confirmed as drift on the next check. */
  private suspectRevision: number | undefined;
  private waiters: RevisionWaiter[] = [];
  private running: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private readonly logger: Logger;
  private readonly metrics: InformerMetrics;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly driftCheckIntervalMs: number;
  private readonly silenceCheckMs: number;
  private readonly pageSize: number;
  private readonly driftConfirmMs: number;

  constructor(private readonly options: InformerOptions) {
    if (!options.prefix.endsWith('/')) throw new RangeError(`prefix "${options.prefix}" must end with "/"`);
    this.logger = options.logger ?? NOOP_LOGGER;
    this.metrics = options.metrics ?? NOOP_METRICS;
    this.maxBackoffMs = requireNumber('PrefixInformer', 'maxBackoffMs', options.maxBackoffMs ?? 10_000, 'positive');
    this.initialBackoffMs = requireAtMost('PrefixInformer', 'initialBackoffMs', requireNumber('PrefixInformer', 'initialBackoffMs', options.initialBackoffMs ?? 250, 'positive'), 'maxBackoffMs', this.maxBackoffMs);
    this.driftCheckIntervalMs = options.driftCheckIntervalMs ?? 300_000;
    this.silenceCheckMs = options.silenceCheckMs ?? 60_000;
    this.pageSize = options.pageSize ?? 1_000;
    this.driftConfirmMs = options.driftConfirmMs ?? 5_000;
  }

  /** Starts listing and watching in the background; failures are retried, never thrown. */
  start(): void {
    if (this.running !== undefined) return;
    this.running = this.run();
    this.armCheckTimer();
  }

  /** Stops the stream and timers; idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopController.abort();
    this.checkTimer?.cancel();
    this.confirmTimer?.cancel();
    this.breakStream?.('watch-error');
    await this.running;
    await this.closeWatch();
  }

  /** True once the first list has been delivered to the handler. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** True while a watch stream is open (readiness). */
  isWatching(): boolean {
    return this.watching;
  }

  /** The revision the cache reflects: every change under the prefix up to it has been delivered. */
  revision(): number {
    return this.rev;
  }

  get(key: string): KeyValue | undefined {
    return this.items.get(key);
  }

  /** Every mirrored key with its value (tests compare it with etcd key by key). */
  entries(): IterableIterator<[string, KeyValue]> {
    return this.items.entries();
  }

  size(): number {
    return this.items.size;
  }

  /** Resolves once revision() >= revision, or when signal aborts (then rejects). */
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void> {
    if (this.rev >= revision) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: RevisionWaiter = { revision, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`stopped waiting for revision ${revision} (cache at ${this.rev})`));
      }, { once: true });
    });
  }

  /**
   * Runs the drift check now (the informer's own timer runs it too). Two questions: does etcd at the
   * cache's revision hold what the cache holds (a lost event followed by delivered ones), and has
   * etcd changed past that revision while the stream said nothing (a stalled stream; events may be
   * in flight, so it counts as drift only if a confirmation check a little later finds it still
   * behind). Never throws.
   */
  async checkDrift(): Promise<void> {
    if (!this.watching) return;
    this.lastDriftCheckAtMs = this.options.clock.monotonicNow();
    const generation = this.generation;
    const atRevision = this.rev;
    const local = this.localSummary();
    try {
      const { listerWatcher, prefix } = this.options;
      const exact = await listerWatcher.summarize(prefix, { revision: atRevision }).catch((err: unknown) => {
        if (isCompacted(err)) return undefined; // a long-silent stream: only the second question applies
        throw err;
      });
      if (generation !== this.generation) return;
      if (exact !== undefined && (exact.count !== local.count || exact.maxModRevision !== local.maxModRevision)) {
        this.reportDrift({ revision: atRevision, etcdCount: exact.count, cacheCount: local.count, etcdMaxModRevision: exact.maxModRevision, cacheMaxModRevision: local.maxModRevision });
        return;
      }
      const current = await listerWatcher.summarize(prefix);
      if (generation !== this.generation) return;
      if (current.maxModRevision <= this.rev) {
        this.suspectRevision = undefined;
        return;
      }
      if (this.suspectRevision !== undefined && this.suspectRevision > this.rev) {
        this.reportDrift({ revision: this.rev, etcdMaxModRevision: current.maxModRevision, unseenSince: this.suspectRevision });
        return;
      }
      this.suspectRevision = current.maxModRevision;
      this.confirmTimer?.cancel();
      this.confirmTimer = this.options.clock.setTimer(this.driftConfirmMs, () => void this.checkDrift());
    } catch (err: unknown) {
      this.logger.warn('drift check failed', { err, revision: atRevision });
    }
  }

  private reportDrift(fields: Record<string, number>): void {
    this.logger.warn('cache drift detected, re-listing', fields);
    this.suspectRevision = undefined;
    this.breakStream?.('drift');
  }

  private localSummary(): { count: number; maxModRevision: number } {
    let maxModRevision = 0;
    for (const kv of this.items.values()) if (kv.modRevision > maxModRevision) maxModRevision = kv.modRevision;
    return { count: this.items.size, maxModRevision };
  }

  private async run(): Promise<void> {
    let failures = 0;
    let reason: RelistReason | undefined;
    while (!this.stopped) {
      try {
        await this.relist(reason);
        const broken = new Promise<RelistReason>((resolve) => { this.breakStream = resolve; });
        const generation = ++this.generation;
        this.watch = await this.options.listerWatcher.watch(this.options.prefix, this.rev + 1, {
          onEvents: (events) => { if (generation === this.generation) this.applyEvents(events); },
          onError: (err) => {
            if (generation !== this.generation) return;
            this.logger.warn('watch ended', { err, revision: this.rev });
            this.breakStream?.(isCompacted(err) ? 'compacted' : 'watch-error');
          },
        });
        this.watching = true;
        this.lastEventAtMs = this.options.clock.monotonicNow();
        failures = 0;
        reason = await broken;
      } catch (err: unknown) {
        reason = isCompacted(err) ? 'compacted' : 'list-error';
        failures += 1;
        if (!this.stopped) this.logger.warn('list or watch failed, retrying', { err, revision: this.rev, attempt: failures });
      }
      this.generation += 1;
      this.watching = false;
      this.breakStream = undefined;
      await this.closeWatch();
      if (this.stopped) break;
      if (reason !== 'compacted' && reason !== 'drift') failures = Math.max(failures, 1);
      if (failures > 0) await this.options.clock.sleep(this.backoffMs(failures), this.stopController.signal);
    }
  }

  private async relist(reason: RelistReason | undefined): Promise<void> {
    const listed = await this.options.listerWatcher.list(this.options.prefix, { pageSize: this.pageSize });
    if (listed.revision < this.rev) {
      throw new Error(`list answered at revision ${listed.revision}, older than the cache's ${this.rev}`);
    }
    const deltas: Delta[] = [];
    const seen = new Set<string>();
    for (const kv of listed.kvs) {
      seen.add(kv.key);
      const previous = this.items.get(kv.key);
      if (previous !== undefined && previous.modRevision === kv.modRevision) continue;
      this.items.set(kv.key, kv);
      deltas.push({ type: 'upsert', kv, previous });
    }
    for (const [key, previous] of this.items) {
      if (seen.has(key)) continue;
      this.items.delete(key);
      deltas.push({ type: 'delete', key, previous, revision: listed.revision });
    }
    if (reason !== undefined) {
      this.metrics.relisted(reason);
      this.logger.info('re-listed', { reason, revision: listed.revision, repaired: deltas.length });
    }
    this.rev = listed.revision;
    this.deliver(deltas, this.synced ? 'relist' : 'list');
    if (!this.synced) {
      this.synced = true;
      this.logger.info('cache synced', { revision: this.rev, keys: this.items.size });
    }
  }

  private applyEvents(events: readonly WatchEvent[]): void {
    const deltas: Delta[] = [];
    // A revision may change several keys (one txn), so compare with the revision before the batch.
    const reflected = this.rev;
    for (const event of events) {
      const { kv } = event;
      if (kv.modRevision <= reflected) continue; // already reflected by a list at a later revision
      const previous = this.items.get(kv.key);
      if (event.type === 'put') {
        this.items.set(kv.key, kv);
        deltas.push({ type: 'upsert', kv, previous });
      } else if (previous !== undefined) {
        this.items.delete(kv.key);
        deltas.push({ type: 'delete', key: kv.key, previous, revision: kv.modRevision });
      }
      if (kv.modRevision > this.rev) this.rev = kv.modRevision;
    }
    this.lastEventAtMs = this.options.clock.monotonicNow();
    this.deliver(deltas, 'watch');
  }

  private deliver(deltas: readonly Delta[], cause: DeltaCause): void {
    if (deltas.length > 0) {
      try {
        this.options.handler.onDeltas(deltas, this.rev, cause);
      } catch (err: unknown) {
        this.logger.error('delta handler threw', { err, revision: this.rev });
      }
    }
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.revision <= this.rev);
      this.waiters = this.waiters.filter((w) => w.revision > this.rev);
      for (const waiter of due) waiter.resolve();
    }
  }

  private armCheckTimer(): void {
    if (this.stopped) return;
    this.checkTimer = this.options.clock.setTimer(Math.min(this.silenceCheckMs, this.driftCheckIntervalMs), () => {
      const now = this.options.clock.monotonicNow();
      const silent = now - this.lastEventAtMs >= this.silenceCheckMs;
      const due = now - this.lastDriftCheckAtMs >= this.driftCheckIntervalMs;
      const check = silent || due ? this.checkDrift() : Promise.resolve();
      void check.finally(() => this.armCheckTimer());
    });
  }

  private async closeWatch(): Promise<void> {
    const watch = this.watch;
    this.watch = undefined;
    if (watch === undefined) return;
    try {
      await watch.close();
    } catch (err: unknown) {
      this.logger.debug('closing a watch failed', { err });
    }
  }

  private backoffMs(failures: number): number {
    return backoffMs({ baseMs: this.initialBackoffMs, maxMs: this.maxBackoffMs }, failures - 1);
  }
}
