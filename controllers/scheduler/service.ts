// One scheduler replica, assembled: the informer mirrors PREFIX/ into the typed cache, the elector
// campaigns for the leader key, and while this replica leads the controller places instances. main.ts
// (the service) and the embedded demo build it the same way, around their own store and API client.
import type { Clock } from '../../pkg/clock';
import type { ConfigHolder } from '../../pkg/config';
import type { ControlPlaneClient } from '../../pkg/controlplane';
import type { CheckResult, HttpServer } from '../../pkg/httpserver';
import type { InformerMetrics } from '../../pkg/informer';
import { LabletCache, PrefixInformer } from '../../pkg/informer';
import type { ElectorMetrics, StepDownReason } from '../../pkg/leaderelection';
import { EtcdLeaseLock, LeaderElector } from '../../pkg/leaderelection';
import { leaderKey, normalizePrefix } from '../../pkg/objects';
import type { Logger, Tracing } from '../../pkg/observability';
import { NOOP_TRACING } from '../../pkg/observability';
import type { Store } from '../../pkg/store';
import type { CacheSyncTimeoutError } from '../../pkg/controller';
import { isCacheSyncTimeout } from '../../pkg/controller';
import { Deadline } from '../../pkg/wait';
import type { SchedulerControllerOptions } from './controller';
import { SchedulerController } from './controller';
import { readiness } from './timing';
import { TracedControlPlaneClient } from './tracing';

export interface SchedulerServiceOptions {
  readonly store: Store;
  readonly client: ControlPlaneClient;
  /** ETCD_PREFIX (contract §1), without its trailing slash. */
  readonly prefix: string;
  /** SCHEDULER_ID: written as the leader key's value and sent as X-Scheduler-Id. */
  readonly schedulerId: string;
  readonly config: ConfigHolder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: {
    readonly informer?: InformerMetrics;
    readonly elector?: ElectorMetrics;
    readonly malformedValue?: (kind: 'instance' | 'worker') => void;
  } & Pick<SchedulerControllerOptions, 'metrics' | 'queueMetrics' | 'runnerMetrics' | 'scaleUpMetrics' | 'forecastMetrics'>;
  /** Spans per reconcile and per Control Plane call (issue 11). Default: NOOP_TRACING. */
  readonly tracing?: Tracing;
  /** Told when this replica starts or stops leading (Kubernetes Events, issue 10); must not throw or block. */
  readonly onLeadershipChange?: (change: LeadershipChange) => void;
}

/** The deadlines of a shut-down: in-flight writes end by `writes`, the rest (resign) by `rest`. */
export interface ShutdownBounds {
  readonly writes: Deadline;
  readonly rest: Deadline;
}

/** The most revoking the lease may take at shut-down. */
const RESIGN_BOUND_MS = 2_000;

export type LeadershipChange =
  | { readonly isLeader: true; readonly fencingToken: number }
  | { readonly isLeader: false; readonly fencingToken: number; readonly reason: StepDownReason };

export class SchedulerService {
  readonly cache: LabletCache;
  readonly informer: PrefixInformer;
  readonly elector: LeaderElector;
  readonly controller: SchedulerController;
  /**
   * Settles when the service cannot go on: the cache did not sync within its bound (as client-go's
   * WaitForCacheSync callers exit). Never rejects; the caller stops the service and exits non-zero.
   */
  readonly failure: Promise<CacheSyncTimeoutError>;
  private fail: (err: CacheSyncTimeoutError) => void = () => undefined;

  constructor(private readonly o: SchedulerServiceOptions) {
    this.failure = new Promise((resolve) => { this.fail = resolve; });
    const prefix = normalizePrefix(o.prefix);
    const log = (component: string): Logger => o.logger.child({ component });
    const malformed = o.metrics?.malformedValue;
    this.cache = new LabletCache({ prefix, logger: log('cache'), metrics: malformed === undefined ? undefined : { malformedValue: malformed } });
    this.informer = new PrefixInformer({
      listerWatcher: o.store,
      prefix: `${prefix}/`,
      handler: this.cache,
      clock: o.clock,
      logger: log('informer'),
      metrics: o.metrics?.informer,
    });
    this.elector = new LeaderElector({
      lock: new EtcdLeaseLock(o.store, leaderKey(prefix), o.schedulerId),
      clock: o.clock,
      leaseTtlSeconds: () => o.config.current().leaderElection.leaseTtlSeconds,
      logger: log('elector'),
      metrics: o.metrics?.elector,
      onStartedLeading: (term) => {
        o.onLeadershipChange?.({ isLeader: true, fencingToken: term.token });
        this.controller.lead(term).catch((err: unknown) => {
          if (isCacheSyncTimeout(err)) this.fail(err);
          else log('controller').error('term ended with an error', { err, fencingToken: term.token });
        });
      },
      onStoppedLeading: (term, reason) => o.onLeadershipChange?.({ isLeader: false, fencingToken: term.token, reason }),
    });
    this.controller = new SchedulerController({
      cache: this.cache,
      informer: this.informer,
      client: new TracedControlPlaneClient(o.client, o.tracing ?? NOOP_TRACING),
      tracing: o.tracing,
      terms: this.elector,
      config: () => o.config.current(),
      clock: o.clock,
      logger: log('scheduler'),
      metrics: o.metrics?.metrics,
      queueMetrics: o.metrics?.queueMetrics,
      runnerMetrics: o.metrics?.runnerMetrics,
      scaleUpMetrics: o.metrics?.scaleUpMetrics,
      forecastMetrics: o.metrics?.forecastMetrics,
    });
    // The leader key arrives in the same stream as the objects: standbys campaign when it goes, a
    // leader steps down when its key is gone or another's at or after its own token's revision.
    let leaderChanged = false;
    this.cache.addListener({
      onLeaderChange: () => { leaderChanged = true; },
      onBatch: (revision) => {
        if (!leaderChanged) return;
        leaderChanged = false;
        this.elector.observeLeaderKey(this.cache.currentLeader()?.createRevision, revision);
      },
    });
    o.config.onChange((previous, next) => this.controller.applyConfig(previous, next));
  }

  start(): void {
    this.informer.start();
    this.elector.start();
  }

  /** Readiness: the cache has synced and its watch is open (a synced standby is ready too). */
  cacheCheck(): CheckResult {
    if (!this.informer.hasSynced()) return { ok: false, detail: 'cache not synced yet' };
    if (!this.informer.isWatching()) return { ok: false, detail: 'watch not open; re-listing' };
    return { ok: true };
  }

  /** GET /debug/leader, /debug/instances/{id}, /debug/queue and /debug/forecast (contract §4). */
  registerDebugRoutes(http: HttpServer): void {
    http
      .get('/debug/leader', () => ({ status: 200, body: this.leaderView() }))
      .get('/debug/instances/:id', ([id = '']) => this.leaderOnly(this.controller.decision(id), `no decision recorded for instance ${id}`))
      .get('/debug/forecast', () => {
        const off = this.o.config.current().forecast.horizonMinutes === 0;
        return this.leaderOnly(this.controller.forecastView(), off ? 'the forecast is off (forecast.horizonMinutes is 0)' : 'no forecast yet');
      })
      .get('/debug/queue', () => ({ status: 200, body: { queue: this.controller.queueSnapshot(), pending: this.controller.pendingCounts(), assumed: this.controller.assumedCount() } }));
  }

  /** 200 with what the leader knows; 404 saying why not, or, on a standby, who leads. */
  private leaderOnly(view: object | undefined, missing: string): { status: number; body: object } {
    if (view !== undefined) return { status: 200, body: view };
    const leader = this.leaderView();
    const body = leader.leader
      ? { error: missing }
      : { error: `this replica is not the leader; ask ${leader.leaderIdentity ?? 'the leader (none elected now)'}`, leaderIdentity: leader.leaderIdentity };
    return { status: 404, body };
  }

  /**
   * scheduler_oldest_pending_seconds: how long the longest-waiting placeable instance has been ready
   * to place (since its lead time opened, or its createdAt), 0 when none. Instances still waiting for
   * their slot, or past it (reported, never placed), are left out. Walks the placeable instances.
   */
  oldestPendingSeconds(): number {
    const now = this.o.clock.now();
    const policy = this.o.config.current().timeslot;
    let oldest = now;
    for (const id of this.cache.placeableIds()) {
      const instance = this.cache.instance(id)?.instance;
      if (instance === undefined || readiness(instance, now, policy).kind !== 'ready') continue;
      const opened = instance.timeslot === undefined ? Number.NEGATIVE_INFINITY : instance.timeslot.startMs - policy.leadTimeMinutes * 60_000;
      const since = Math.max(opened, instance.createdAtMs ?? opened);
      if (Number.isFinite(since) && since < oldest) oldest = since; // neither slot nor createdAt: age unknown
    }
    return (now - oldest) / 1000;
  }

  leaderView(): { leader: boolean; identity: string; leaderIdentity: string | null; fencingToken: string | null; paused: boolean } {
    const observed = this.cache.currentLeader();
    const term = this.elector.currentTerm();
    return {
      leader: term !== undefined,
      identity: this.o.schedulerId,
      leaderIdentity: term !== undefined ? this.o.schedulerId : (observed?.holder ?? null),
      fencingToken: term !== undefined ? String(term.token) : observed === undefined ? null : String(observed.createRevision),
      paused: this.o.config.current().placement.paused,
    };
  }

  /**
   * SIGTERM (contract §4): stop taking work, let in-flight writes finish by bounds.writes, then
   * resign (revoking the lease) by bounds.rest, and stop the watch. The caller owns the bounds (main's
   * one shut-down deadline); a number gives the writes that many ms and the resign its own 2 s.
   * Resolves whether in-flight writes finished.
   */
  async stop(bounds: number | ShutdownBounds): Promise<boolean> {
    const { writes, rest } = typeof bounds === 'number'
      ? { writes: new Deadline(this.o.clock, bounds), rest: new Deadline(this.o.clock, bounds + RESIGN_BOUND_MS) }
      : bounds;
    const drained = await this.controller.shutDown(writes.remainingMs());
    await this.elector.resign(Math.min(RESIGN_BOUND_MS, rest.remainingMs()));
    await this.informer.stop();
    return drained;
  }
}
