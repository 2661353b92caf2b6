// The controller runner: N workers take keys from a queue and call reconcile, with the retry policy
// in the worker loop (controller-runtime's): done() in finally; forget() on success; forget() and
// addAfter() on requeueAfterMs; addRateLimited() on a thrown error. Workers start once every cache
// has synced, within syncTimeoutMs (else the run fails with CacheSyncTimeoutError naming the caches,
// as client-go's WaitForCacheSync callers do), and run while the caller's signal is unaborted (the
// elector aborts it when leadership ends).
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import { requireNumber } from '../options';
import { pollUntil, settlesWithinMsOfAbort } from '../wait';
import { CacheSyncTimeoutError } from './errors';
import type { Reconciler, Result } from './reconciler';

/** The queue as the runner uses it (a RateLimitingQueue from pkg/workqueue fits). */
export interface ReconcileQueue {
  get(signal?: AbortSignal): Promise<string | undefined>;
  done(key: string): void;
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  addRateLimited(key: string): void;
  forget(key: string): void;
}

/** How one reconcile ended; `aborted`: it failed after its run was stopped, and was requeued plainly. */
export type ReconcileOutcome = 'success' | 'requeueAfter' | 'error' | 'aborted';

/** A cache the reconciler reads, named for the error when it does not sync in time. */
export interface SyncedCache {
  readonly name: string;
  /** True once the cache holds a full list; polled until then. */
  hasSynced(): boolean;
}

/** The runner writes constant messages with data in fields; a winston child logger fits. */
export type RunnerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface RunnerMetrics {
  /** Called once per reconcile, after done(); durationMs on the monotonic clock. Must not throw. */
  reconcileFinished(outcome: ReconcileOutcome, durationMs: number): void;
}

export class NoopRunnerMetrics implements RunnerMetrics {
  reconcileFinished(): void {}
}

export interface RunnerOptions {
  readonly queue: ReconcileQueue;
  readonly reconciler: Reconciler;
  /** The caches the reconciler reads; no worker starts before all have synced. */
  readonly caches: readonly SyncedCache[];
  readonly clock: Clock;
  /** Reconciles at once, integer ≥ 1; default 1. A function is read at each run (the next term). */
  readonly workers?: number | (() => number);
  /** How long a stop waits for in-flight reconciles, ms ≥ 0; default 30,000. */
  readonly drainTimeoutMs?: number;
  /** How often hasSynced is polled, ms > 0; default 100 (as client-go's WaitForCacheSync). */
  readonly syncPollMs?: number;
  /** How long a run waits for the caches to sync before failing, ms > 0; default 120,000. */
  readonly syncTimeoutMs?: number;
  /** Default: no logging. */
  readonly logger?: RunnerLogger;
  /** Default: NoopRunnerMetrics. */
  readonly metrics?: RunnerMetrics;
  /** Log field that carries the key; default `key` (the scheduler passes `instanceId`). */
  readonly keyLogField?: string;
}

export class Runner {
  private readonly queue: ReconcileQueue;
  private readonly reconciler: Reconciler;
  private readonly caches: readonly SyncedCache[];
  private readonly clock: Clock;
  private readonly workers: () => number;
  private readonly drainTimeoutMs: number;
  private readonly syncPollMs: number;
  private readonly syncTimeoutMs: number;
  private readonly logger: RunnerLogger;
  private readonly metrics: RunnerMetrics;
  private readonly keyLogField: string;
  private readonly inFlight = new Set<string>();
  private running = false;

  constructor(options: RunnerOptions) {
    this.queue = options.queue;
    this.reconciler = options.reconciler;
    this.caches = options.caches;
    this.clock = options.clock;
    const workers = options.workers ?? 1;
    if (typeof workers === 'number') requireNumber('Runner', 'workers', workers, 'positiveInteger');
    this.workers = () => requireNumber('Runner', 'workers', typeof workers === 'number' ? workers : workers(), 'positiveInteger');
    this.drainTimeoutMs = requireNumber('Runner', 'drainTimeoutMs', options.drainTimeoutMs ?? 30_000, 'nonNegative');
    this.syncPollMs = requireNumber('Runner', 'syncPollMs', options.syncPollMs ?? 100, 'positive');
    this.syncTimeoutMs = requireNumber('Runner', 'syncTimeoutMs', options.syncTimeoutMs ?? 120_000, 'positive');
    this.logger = options.logger ?? NOOP_LOGGER;
    this.metrics = options.metrics ?? new NoopRunnerMetrics();
    this.keyLogField = options.keyLogField ?? 'key';
  }

  /**
   * Runs the workers until signal aborts or the queue shuts down. Nothing is reconciled before every
   * cache has synced; rejects with CacheSyncTimeoutError when they have not within syncTimeoutMs.
   * On abort the workers take no more keys, and in-flight reconciles (whose signal is this one) get
   * up to drainTimeoutMs to return; later ones are abandoned: run resolves, while their outcome is
   * still handled (done, requeue) whenever they return. Rejects otherwise only when called while a
   * run is still going. Call again for the next term once it has settled.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error('Runner.run: called while a run is still going');
    this.running = true;
    try {
      if (!(await this.waitForSync(signal))) {
        this.logger.info('runner stopped before caches synced');
        return;
      }
      const count = this.workers();
      this.logger.info('runner starting workers', { workers: count });
      const workers = Array.from({ length: count }, () => this.work(signal));
      const drained = await settlesWithinMsOfAbort(Promise.all(workers), signal, this.drainTimeoutMs, this.clock);
      if (drained) {
        this.logger.info('runner stopped', { drained });
      } else {
        this.logger.warn('runner stopped; in-flight reconciles abandoned', { drained, [`${this.keyLogField}s`]: [...this.inFlight] });
      }
    } finally {
      this.running = false;
    }
  }

  isRunning(): boolean {
    return this.running;
  }

  /** True once every cache has synced; false when signal aborted first; throws at syncTimeoutMs. */
  private async waitForSync(signal: AbortSignal): Promise<boolean> {
    const allSynced = (): boolean => this.caches.every((c) => c.hasSynced());
    const result = await pollUntil(allSynced, { clock: this.clock, intervalMs: this.syncPollMs, timeoutMs: this.syncTimeoutMs, signal });
    if (result === 'timedOut') throw new CacheSyncTimeoutError(this.caches.filter((c) => !c.hasSynced()).map((c) => c.name), this.syncTimeoutMs);
    return result === 'met';
  }

  private async work(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get(signal);
      if (key === undefined) return;
      if (signal.aborted) {
        // Taken as the run stopped: give it back untouched, for the next run.
        this.queue.add(key);
        this.queue.done(key);
        return;
      }
      try {
        await this.process(key, signal);
      } catch (err: unknown) {
        // Only a fault in a collaborator (queue, logger, metrics) gets here; the worker carries on.
        this.logger.error('runner worker fault', { [this.keyLogField]: key, error: describe(err) });
      }
    }
  }

  private async process(key: string, signal: AbortSignal): Promise<void> {
    const startedAtMs = this.clock.monotonicNow();
    let outcome: ReconcileOutcome = 'error';
    this.inFlight.add(key);
    try {
      outcome = this.onResult(key, await this.reconciler.reconcile(key, signal));
    } catch (err: unknown) {
      outcome = this.onError(key, err, signal);
    } finally {
      this.inFlight.delete(key);
      this.queue.done(key);
      this.metrics.reconcileFinished(outcome, this.clock.monotonicNow() - startedAtMs);
    }
  }

  private onResult(key: string, result: Result): ReconcileOutcome {
    const afterMs = result.requeueAfterMs ?? 0;
    if (Number.isNaN(afterMs)) throw new RangeError('reconcile returned requeueAfterMs NaN');
    this.queue.forget(key);
    if (afterMs <= 0) {
      this.logger.debug('reconciled', { [this.keyLogField]: key });
      return 'success';
    }
    this.queue.addAfter(key, afterMs);
    this.logger.debug('reconciled; requeued after a delay', { [this.keyLogField]: key, requeueAfterMs: afterMs });
    return 'requeueAfter';
  }

  private onError(key: string, err: unknown, signal: AbortSignal): ReconcileOutcome {
    const fields = { [this.keyLogField]: key, error: describe(err) };
    if (signal.aborted) {
      // The run (the term) ended under it: its work belongs to the next run, without backoff (contract §2).
      this.queue.add(key);
      this.logger.debug('reconcile ended by stop; requeued', fields);
      return 'aborted';
    }
    this.queue.addRateLimited(key);
    this.logger.warn('reconcile failed; retrying with backoff', fields);
    return 'error';
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
