// The scheduler controller: the cache feeds the placement snapshot (FleetSync) and the queue
// (Enqueuer); while this replica leads, a runner drains the queue through the reconciler. A term
// starts only once the cache has caught up to the term's token (contract §1: a new leader places
// nothing before), with an empty memory and every placeable instance queued; when it ends, its
// assumptions and refusals go (contract §2: a decision belongs to the term it was made in).
import type { Clock, Timer } from '../../pkg/clock';
import type { SchedulerConfig } from '../../pkg/config';
import type { RunnerMetrics } from '../../pkg/controller';
import { CacheSyncTimeoutError, Runner } from '../../pkg/controller';
import type { ControlPlaneClient } from '../../pkg/controlplane';
import type { LabletCache } from '../../pkg/informer';
import type { LabletInstance } from '../../pkg/objects';
import type { Term } from '../../pkg/leaderelection';
import type { Logger, Tracing } from '../../pkg/observability';
import { NOOP_LOGGER } from '../../pkg/observability';
import type { Placer } from '../../pkg/placement';
import { createPlacer, Snapshot } from '../../pkg/placement';
import type { QueueMetrics, QueueSnapshot } from '../../pkg/workqueue';
import { requireNumber } from '../../pkg/options';
import { TIMED_OUT, withinMs } from '../../pkg/wait';
import { ControllerRateLimiter, RateLimitingQueue } from '../../pkg/workqueue';
import type { DecisionView } from './decisions';
import { DecisionLog } from './decisions';
import { Enqueuer } from './enqueue';
import { FleetSync } from './fleet-sync';
import { Forecaster } from './forecast';
import type { ForecastView } from './forecast-loop';
import { ForecastLoop } from './forecast-loop';
import type { ForecastMetrics, ScaleUpMetrics, SchedulerMetrics } from './metrics';
import type { CacheRevision, TermSource } from './reconciler';
import { SchedulerReconciler } from './reconciler';
import type { PlacementRank } from './timing';
import { compareRanks, rankOf } from './timing';
import { TermMemory } from './term-memory';
import { ScaleUpPlanner } from './scale-up';
import { readiness } from './timing';

const INCOMING_STATUSES = ['PENDING', 'PROVISIONING', 'STARTING'] as const;
/** The cache a term waits for, as named when it does not sync in time. */
const CACHE_NAME = 'lablet cache (PREFIX/: instances, workers, leader key)';

/** The informer as the controller needs it (PrefixInformer fits). */
export interface SyncedCache extends CacheRevision {
  hasSynced(): boolean;
}

export interface SchedulerControllerOptions {
  readonly cache: LabletCache;
  readonly informer: SyncedCache;
  readonly client: ControlPlaneClient;
  readonly terms: TermSource;
  /** The live configuration; read at each use. */
  readonly config: () => SchedulerConfig;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: SchedulerMetrics;
  readonly queueMetrics?: QueueMetrics;
  readonly runnerMetrics?: RunnerMetrics;
  /** scheduler_scale_up_requests_total. Default: no-op. */
  readonly scaleUpMetrics?: ScaleUpMetrics;
  /** scheduler_forecast_duration_seconds, scheduler_forecast_shortfall_instances. Default: no-op. */
  readonly forecastMetrics?: ForecastMetrics;
  /** Spans per reconcile (issue 11); the client should be traced by the same (SchedulerService does). */
  readonly tracing?: Tracing;
  /** Bound on draining in-flight writes when a term ends, ms. Default 10,000. */
  readonly drainTimeoutMs?: number;
  /** Bound on a term's wait for the cache's first full list, ms; past it the term fails. Default 120,000. */
  readonly cacheSyncTimeoutMs?: number;
}

/** scheduler_pending_instances{queue} (contract §4). */
export interface PendingCounts {
  readonly active: number;
  readonly backoff: number;
  readonly waiting_timeslot: number;
  readonly unschedulable: number;
}

export class SchedulerController {
  readonly snapshot = new Snapshot();
  private readonly queue: RateLimitingQueue<PlacementRank>;
  private readonly rateLimiter: ControllerRateLimiter;
  private readonly runner: Runner;
  private readonly forecast: ForecastLoop;
  private readonly memory = new TermMemory(this.snapshot);
  private readonly decisions = new DecisionLog();
  private readonly logger: Logger;
  private readonly cacheSyncTimeoutMs: number;
  private activeToken: number | undefined;
  private running: Promise<void> = Promise.resolve();
  private resyncTimer: Timer | undefined;
  private placerKey = '';
  private placerConfig: SchedulerConfig['placement'] | undefined;
  private placer: Placer | undefined;

  constructor(private readonly o: SchedulerControllerOptions) {
    this.logger = o.logger ?? NOOP_LOGGER;
    this.cacheSyncTimeoutMs = requireNumber('SchedulerController', 'cacheSyncTimeoutMs', o.cacheSyncTimeoutMs ?? 120_000, 'positive');
    const config = o.config();
    // The cache shows the instance out of the scheduler's hands: forget everything about it.
    o.cache.addListener(new FleetSync(this.snapshot, (id) => this.memory.forget(id)));
    o.cache.addListener(
      new Enqueuer({
        add: (id) => this.queue.add(id),
        unschedulableIds: () => this.memory.states.idsIn('unschedulable'),
        refusedBy: (workerId) => this.memory.rejections.instancesRefusedBy(workerId),
        isActive: () => this.activeToken !== undefined,
      }),
    );
    this.rateLimiter = new ControllerRateLimiter({ clock: o.clock, baseDelayMs: config.requeue.baseDelayMs, maxDelayMs: config.requeue.maxDelayMs });
    this.queue = new RateLimitingQueue({
      clock: o.clock,
      rateLimiter: this.rateLimiter,
      order: { rankOf: (id: string) => rankOf(id, o.cache.instance(id)?.instance), compare: compareRanks },
      metrics: o.queueMetrics,
    });
    const forecaster = new Forecaster({ cache: o.cache, snapshot: this.snapshot, placer: () => this.currentPlacer(), config: o.config, clock: o.clock });
    const scaleUp = new ScaleUpPlanner({
      client: o.client,
      placer: () => this.currentPlacer(),
      config: o.config,
      isIncoming: (template) => this.isIncoming(template),
      waiting: () => this.waitingInWindow(),
      stepDown: () => o.terms.stepDown('staleFencingToken'),
      clock: o.clock,
      logger: this.logger,
      metrics: o.scaleUpMetrics,
      onAccepted: (template) => forecaster.requested({ template, count: 1, sentAtMs: o.clock.now() }),
    });
    this.forecast = new ForecastLoop({
      forecaster,
      reactive: scaleUp,
      client: o.client,
      config: o.config,
      stepDown: () => o.terms.stepDown('staleFencingToken'),
      clock: o.clock,
      logger: this.logger.child({ component: 'forecast' }),
      metrics: o.forecastMetrics,
      scaleUpMetrics: o.scaleUpMetrics,
    });
    const reconciler = new SchedulerReconciler({
      scaleUp,
      cache: o.cache,
      cacheRevision: o.informer,
      snapshot: this.snapshot,
      memory: this.memory,
      decisions: this.decisions,
      client: o.client,
      terms: o.terms,
      placer: () => this.currentPlacer(),
      config: o.config,
      requeue: (id) => this.queue.add(id),
      clock: o.clock,
      logger: this.logger,
      metrics: o.metrics,
      tracing: o.tracing,
    });
    this.runner = new Runner({
      queue: this.queue,
      reconciler,
      caches: [{ name: CACHE_NAME, hasSynced: () => o.informer.hasSynced() }],
      syncTimeoutMs: this.cacheSyncTimeoutMs,
      clock: o.clock,
      workers: () => o.config().reconcile.workers, // read at each term's start (issue 10)
      drainTimeoutMs: o.drainTimeoutMs ?? 10_000,
      keyLogField: 'instanceId',
      logger: this.logger,
      metrics: o.runnerMetrics,
    });
  }

  /**
   * Runs one term: waits for the cache to reach the term's token, queues every placeable instance and
   * reconciles until the term's signal aborts. Resolves when the term's work has drained; rejects
   * with CacheSyncTimeoutError when the cache has not caught up within cacheSyncTimeoutMs.
   */
  async lead(term: Term): Promise<void> {
    const previous = this.running;
    let finish = (): void => undefined;
    this.running = new Promise<void>((resolve) => { finish = resolve; });
    try {
      await previous;
      const caughtUp = this.o.informer.waitForRevision(term.token, term.signal).then(() => true, () => false);
      const answer = await withinMs(caughtUp, this.cacheSyncTimeoutMs, this.o.clock);
      if (answer === TIMED_OUT) throw new CacheSyncTimeoutError([`${CACHE_NAME} up to revision ${term.token}`], this.cacheSyncTimeoutMs);
      if (!answer) return; // the term ended before the cache caught up
      this.memory.clear();
      this.activeToken = term.token;
      this.logger.info('placing', { fencingToken: term.token });
      this.enqueueAllPending();
      this.armResync(term);
      await Promise.all([this.runner.run(term.signal), this.forecast.lead(term)]);
    } finally {
      if (this.activeToken === term.token) this.activeToken = undefined;
      this.resyncTimer?.cancel();
      this.memory.clear();
      finish();
    }
  }

  /**
   * Applies a new configuration live (issue 10): requeue delays now; a change to placement or to the
   * timeslot policy re-queues every placeable instance, so waiting ones are judged by the new rules.
   */
  applyConfig(previous: SchedulerConfig, next: SchedulerConfig): void {
    this.rateLimiter.setRateLimits({ baseDelayMs: next.requeue.baseDelayMs, maxDelayMs: next.requeue.maxDelayMs });
    const resumed = previous.placement.paused && !next.placement.paused;
    const reweighted = JSON.stringify(previous.placement) !== JSON.stringify(next.placement);
    const retimed = JSON.stringify(previous.timeslot) !== JSON.stringify(next.timeslot);
    if (this.activeToken !== undefined && (resumed || reweighted || retimed)) this.enqueueAllPending();
    this.forecast.poke(); // contract §5: forecast again after a configuration change
  }

  /** The leader's last forecast (GET /debug/forecast); undefined on a standby or before the first. */
  forecastView(): ForecastView | undefined {
    return this.forecast.view();
  }

  isPlacing(): boolean {
    return this.activeToken !== undefined;
  }

  decision(instanceId: string): DecisionView | undefined {
    return this.decisions.view(instanceId);
  }

  queueSnapshot(): QueueSnapshot {
    return this.queue.snapshot();
  }

  pendingCounts(): PendingCounts {
    const q = this.queue.snapshot();
    return {
      active: q.queued + q.processing,
      backoff: q.backoff,
      waiting_timeslot: this.memory.states.count('waitingTimeslot'),
      unschedulable: this.memory.states.count('unschedulable'),
    };
  }

  assumedCount(): number {
    return this.memory.assumptions.size;
  }

  /**
   * Process shut-down: takes no more keys, lets in-flight writes finish for up to boundMs, and
   * resolves true when they did (false: they were abandoned; the term's revocation fences them).
   */
  shutDown(boundMs: number): Promise<boolean> {
    this.resyncTimer?.cancel();
    return this.queue.shutDownWithDrain(boundMs);
  }

  /**
   * The placer of the current configuration. Configurations are frozen and replaced whole on a
   * change, so the placement section is compared by reference on the hot path and by content only
   * when it was replaced (a reload that leaves placement alone keeps the placer and its shape caches).
   */
  private currentPlacer(): Placer {
    const { placement } = this.o.config();
    if (this.placer !== undefined && placement === this.placerConfig) return this.placer;
    const key = JSON.stringify([placement.placer, placement.weights, placement.percentageOfWorkersToScore]);
    if (this.placer === undefined || key !== this.placerKey) {
      this.placer = createPlacer(placement.placer, { weights: placement.weights, percentageOfWorkersToScore: placement.percentageOfWorkersToScore });
      this.placerKey = key;
    }
    this.placerConfig = placement;
    return this.placer;
  }


  /** A worker of the template is on its way (contract §2: its capacity counts as incoming). */
  private isIncoming(template: string): boolean {
    for (const status of INCOMING_STATUSES) {
      for (const id of this.o.cache.workersWithStatus(status)) if (this.o.cache.worker(id)?.worker.template === template) return true;
    }
    return false;
  }

  /** Instances whose last look found no worker and that are in their timeslot window now. */
  private *waitingInWindow(): Generator<LabletInstance> {
    const now = this.o.clock.now();
    const policy = this.o.config().timeslot;
    for (const id of this.memory.states.idsIn('unschedulable')) {
      const instance = this.o.cache.instance(id)?.instance;
      if (instance !== undefined && readiness(instance, now, policy).kind === 'ready') yield instance;
    }
  }

  private enqueueAllPending(): void {
    for (const id of this.o.cache.placeableIds()) this.queue.add(id);
    for (const id of this.o.cache.invalidPendingIds()) this.queue.add(id);
  }

  /** ADR-002's fallback: re-queue placeable instances nobody is looking after, respecting backoffs. */
  private armResync(term: Term): void {
    this.resyncTimer = this.o.clock.setTimer(this.o.config().reconcile.resyncIntervalSeconds * 1000, () => {
      if (term.signal.aborted) return;
      for (const id of this.o.cache.placeableIds()) {
        if (this.memory.states.stateOf(id) === undefined && this.memory.assumptions.get(id) === undefined) this.queue.add(id);
      }
      this.armResync(term);
    });
  }
}
