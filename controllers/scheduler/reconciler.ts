// The scheduler's reconciler (issue 8; contract §1-3), level-triggered per instance id. Each look
// re-reads the cache and does one of: nothing (not the scheduler's to place), report InvalidSpec,
// wait for the timeslot, report TimeslotMissed, resend an assumed placement whose outcome is unknown,
// or decide. Deciding is one synchronous step (place, then assume in the snapshot) so decisions are
// serial while writes run `reconcile.workers` at a time. Every write carries the term's token and is
// sent only while currentTerm() says the term is still valid. A paused leader looks at nothing; a dry
// run decides and records on /debug what it would have sent, and sends nothing (contract §4).
import type { Clock } from '../../pkg/clock';
import type { SchedulerConfig } from '../../pkg/config';
import type { Reconciler, Result } from '../../pkg/controller';
import type { ControlPlaneClient } from '../../pkg/controlplane';
import { isCallAborted, isNotFound, isPlacementConflict, isRetriable, isStaleFencingToken, isUnauthorized } from '../../pkg/controlplane';
import type { CachedInstance, CachedWorker, InvalidInstance } from '../../pkg/informer';
import type { StepDownReason, Term } from '../../pkg/leaderelection';
import type { LabletInstance } from '../../pkg/objects';
import { isPlaceable } from '../../pkg/objects';
import type { Logger, SpanScope, Tracing } from '../../pkg/observability';
import { NOOP_LOGGER, NOOP_TRACING } from '../../pkg/observability';
import type { Placer, Snapshot } from '../../pkg/placement';
import { backoffMs } from '../../pkg/wait';
import type { Assumption } from './assumptions';
import type { DecisionLog, UnsentCall } from './decisions';
import { unsentReport, unsentSchedule } from './decisions';
import type { SchedulerMetrics } from './metrics';
import { NOOP_SCHEDULER_METRICS } from './metrics';
import { readiness } from './timing';
import type { ReconcileAction } from './tracing';
import { answerOf, ATTR, callFailure, placementAttributes, SPAN_PLACEMENT, SPAN_RECONCILE } from './tracing';
import type { TermMemory } from './term-memory';
import type { UnschedulableReport } from './unschedulable';
import { invalidSpecReport, timeslotMissedReport } from './unschedulable';

/** The cache as the reconciler reads it (LabletCache fits). */
export interface InstanceLister {
  instance(id: string): CachedInstance | undefined;
  invalidInstance(id: string): InvalidInstance | undefined;
  worker(id: string): CachedWorker | undefined;
}

/** The informer's revision, to look again once the cache has caught up (PrefixInformer fits). */
export interface CacheRevision {
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void>;
}

/** Asks for a new worker when an instance fits nowhere (ScaleUpPlanner fits; contract §2). */
export interface ScaleUpTrigger {
  consider(instance: LabletInstance, term: Term): Promise<void>;
}

/** Leadership as the reconciler needs it (LeaderElector fits). */
export interface TermSource {
  currentTerm(): Term | undefined;
  stepDown(reason: StepDownReason): void;
}

export interface SchedulerReconcilerOptions {
  readonly cache: InstanceLister;
  readonly cacheRevision: CacheRevision;
  readonly snapshot: Snapshot;
  /** The term's memory of assumptions, refusals, states and sent reports. */
  readonly memory: TermMemory;
  readonly decisions: DecisionLog;
  readonly client: ControlPlaneClient;
  readonly scaleUp: ScaleUpTrigger;
  readonly terms: TermSource;
  /** The placer of the current configuration (placement.placer, weights), read at each decision. */
  readonly placer: () => Placer;
  /** The current configuration, read at each look (a ConfigMap change applies live). */
  readonly config: () => SchedulerConfig;
  /** Adds the id to the queue (to look again after a StaleRevision once the cache caught up). */
  readonly requeue: (instanceId: string) => void;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: SchedulerMetrics;
  /** Spans per reconcile that does work (issue 11). Default: NOOP_TRACING. */
  readonly tracing?: Tracing;
}

export class SchedulerReconciler implements Reconciler {
  private readonly logger: Logger;
  private readonly metrics: SchedulerMetrics;
  private readonly tracing: Tracing;

  constructor(private readonly o: SchedulerReconcilerOptions) {
    this.logger = o.logger ?? NOOP_LOGGER;
    this.metrics = o.metrics ?? NOOP_SCHEDULER_METRICS;
    this.tracing = o.tracing ?? NOOP_TRACING;
  }

  async reconcile(instanceId: string): Promise<Result> {
    const term = this.o.terms.currentTerm();
    if (term === undefined) return {}; // the runner stops with the term; the next term requeues everything
    const config = this.o.config();
    // Paused: no decision and no write, resends and reports included; resuming requeues everything.
    if (config.placement.paused) return {};
    const cached = this.o.cache.instance(instanceId);
    if (cached === undefined) {
      const invalid = this.o.cache.invalidInstance(instanceId);
      if (invalid?.phase === 'PENDING') await this.traced(instanceId, 'report', () => this.reportInstead(instanceId, invalidSpecReport(invalid.reason, 1), term, config));
      return {};
    }
    if (cached.isStale || !isPlaceable(cached.instance)) return {};

    const assumed = this.o.memory.assumptions.get(instanceId);
    if (assumed !== undefined) {
      // An earlier write's outcome is unknown: send the same call again, unless the instance changed
      // since (then that write can no longer succeed: StaleRevision) or it belongs to another term.
      if (assumed.instanceRevision === cached.modRevision && assumed.fencingToken === term.token) return this.traced(instanceId, 'resend', () => this.write(assumed, term));
      this.o.memory.assumptions.forget(instanceId);
    }

    const now = this.o.clock.now();
    const ready = readiness(cached.instance, now, config.timeslot);
    if (ready.kind === 'wait') {
      this.o.memory.states.markWaiting(instanceId);
      return { requeueAfterMs: ready.delayMs };
    }
    if (ready.kind === 'missed') {
      return this.traced(instanceId, 'report', () => this.reportInstead(instanceId, timeslotMissedReport(ready.end, this.o.memory.states.markUnschedulable(instanceId)), term, config));
    }
    // The API called this revision stale and named no newer one: wait for the instance to change.
    if (this.o.memory.rejections.isStaleRevision(instanceId, cached.modRevision)) return {};
    return this.traced(instanceId, 'place', (span) => this.decide(cached, term, config, span));
  }

  /** Runs a look that does work in a `reconcile` span (a look that does nothing opens none). */
  private traced(instanceId: string, action: ReconcileAction, work: (span: SpanScope) => Promise<Result>): Promise<Result> {
    return this.tracing.inSpanAsync(SPAN_RECONCILE, 'internal', async (span) => {
      // A report is an unschedulable result, a resend repeats a scheduled one; a placement sets its own.
      const known = action === 'report' ? 'unschedulable' : action === 'resend' ? 'scheduled' : undefined;
      span.setAttributes({ [ATTR.instanceId]: instanceId, [ATTR.action]: action, [ATTR.attempt]: this.o.memory.states.attempts(instanceId) + 1, [ATTR.result]: known });
      const result = await work(span);
      span.setAttributes({ [ATTR.requeueAfterMs]: result.requeueAfterMs });
      return result;
    });
  }

  /** A report in place of a placement (InvalidSpec, TimeslotMissed): counted by reason, recorded, then sent unless dry run. */
  private async reportInstead(instanceId: string, report: UnschedulableReport, term: Term, config: SchedulerConfig): Promise<Result> {
    this.metrics.unschedulableReasons(report.reasons);
    const { dryRun } = config.placement;
    const unsent = dryRun ? unsentReport(instanceId, report) : undefined;
    this.o.decisions.record(instanceId, { kind: 'report', decidedAtMs: this.o.clock.now(), message: report.message, reasons: report.reasons, unsent });
    if (!dryRun) await this.report(instanceId, report, term);
    return {};
  }

  private async decide(cached: CachedInstance, term: Term, config: SchedulerConfig, span: SpanScope): Promise<Result> {
    const { instance, modRevision } = cached;
    const started = this.o.clock.monotonicNow();
    const rejected = this.o.memory.rejections.refusedFor(instance.id, modRevision, (id) => this.o.cache.worker(id)?.modRevision);
    const decision = this.tracing.inSpan(SPAN_PLACEMENT, 'internal', (placement) => {
      const made = this.o.placer().place(instance, this.o.snapshot, { rejectedWorkerIds: rejected });
      placement.setAttributes(placementAttributes(made));
      return made;
    });
    span.setAttributes({ [ATTR.result]: decision.result });
    const decidedAtMs = this.o.clock.now();
    const dryRun = config.placement.dryRun;
    const record = (unsent: UnsentCall | undefined): void => this.o.decisions.record(instance.id, { kind: 'placement', decidedAtMs, decision, dryRun, unsent });
    this.metrics.attempt(decision.result, this.o.clock.monotonicNow() - started);

    switch (decision.result) {
      case 'error':
        record(undefined);
        this.logger.error('placement failed', { instanceId: instance.id, plugin: decision.plugin, workerId: decision.workerId, err: decision.cause });
        throw new Error(`placement of ${instance.id} failed in plugin ${decision.plugin}: ${decision.message}`);
      case 'unschedulable': {
        const attempts = this.o.memory.states.markUnschedulable(instance.id);
        this.metrics.unschedulableReasons(decision.reasons);
        this.logger.debug('no worker fits', { instanceId: instance.id, detail: decision.message, attempt: attempts });
        const report: UnschedulableReport = { message: decision.message, reasons: decision.reasons, attempts };
        record(dryRun ? unsentReport(instance.id, report) : undefined);
        if (!dryRun) {
          await this.report(instance.id, report, term);
          await this.o.scaleUp.consider(instance, term);
        }
        return { requeueAfterMs: this.backoffMs(attempts, config) };
      }
      case 'scheduled': {
        // A failed write's count stays until a write is accepted, so its backoff keeps growing.
        if (this.o.memory.states.stateOf(instance.id) !== 'failed') this.o.memory.states.forget(instance.id);
        if (dryRun) {
          record(unsentSchedule(instance.id, { workerId: decision.workerId, instanceRevision: modRevision }));
          this.logger.info('dry run: would schedule', { instanceId: instance.id, workerId: decision.workerId, score: decision.score.total });
          return {};
        }
        record(undefined);
        const assumption: Assumption = {
          instanceId: instance.id, workerId: decision.workerId, instanceRevision: modRevision, fencingToken: term.token,
          resources: instance.requirements.resources, decidedAtMs, score: decision.score.total,
        };
        this.o.memory.assumptions.add(assumption);
        return this.write(assumption, term);
      }
    }
  }

  private async write(a: Assumption, term: Term): Promise<Result> {
    // Checked synchronously right before sending (and by the client before each attempt): a term
    // past its renew deadline never writes.
    if (!term.isCurrent() || term.token !== a.fencingToken) {
      this.o.memory.assumptions.forget(a.instanceId);
      return {};
    }
    const audit = { instanceId: a.instanceId, workerId: a.workerId, fencingToken: a.fencingToken, revision: a.instanceRevision, score: a.score };
    try {
      await this.o.client.schedule(a.instanceId, { workerId: a.workerId, instanceRevision: a.instanceRevision }, { fencingToken: a.fencingToken, signal: term.signal, term });
    } catch (err: unknown) {
      return this.onScheduleRefused(a, err, audit);
    }
    this.logger.info('schedule accepted', { ...audit, answer: 200 });
    this.o.memory.states.forget(a.instanceId);
    const createdAtMs = this.o.cache.instance(a.instanceId)?.instance.createdAtMs;
    if (createdAtMs !== undefined) this.metrics.accepted(this.o.clock.now() - createdAtMs);
    // The assumption stays until the cache shows the instance held (FleetSync settles it).
    return {};
  }

  private onScheduleRefused(a: Assumption, err: unknown, audit: Record<string, unknown>): Result {
    const answer = answerOf(err);
    if (isStaleFencingToken(err)) {
      this.logger.warn('schedule refused: stale fencing token; stepping down', { ...audit, answer });
      this.o.memory.assumptions.forget(a.instanceId);
      this.o.terms.stepDown('staleFencingToken');
      return {};
    }
    if (isCallAborted(err)) {
      // The term ended under the call: its assumptions go with it (the lease's revocation fences it).
      this.logger.info('schedule abandoned: the term ended', { ...audit, answer });
      return {};
    }
    if (isPlacementConflict(err)) {
      this.logger.info('schedule refused', { ...audit, answer, modRevision: err.modRevision });
      this.o.memory.assumptions.forget(a.instanceId);
      switch (err.reason) {
        case 'StaleRevision':
          this.o.memory.rejections.recordStaleRevision(a.instanceId, a.instanceRevision);
          if (err.modRevision !== undefined) this.lookAgainAt(a.instanceId, err.modRevision);
          return {};
        case 'InsufficientCapacity':
        case 'WorkerNotAvailable':
          this.rejectWorker(a);
          this.o.requeue(a.instanceId);
          return {};
        case 'NotPending':
          return {};
      }
    }
    if (isNotFound(err)) {
      this.logger.info('schedule refused', { ...audit, answer });
      this.o.memory.assumptions.forget(a.instanceId);
      if (err.reason === 'WorkerNotFound') {
        this.rejectWorker(a);
        this.o.requeue(a.instanceId);
      }
      return {};
    }
    if (isUnauthorized(err)) {
      // A human must fix the key; retrying in a loop would not. Look again after the longest delay.
      this.logger.error('schedule refused: the Control Plane API rejected our API key', { ...audit, answer: 401 });
      this.o.memory.assumptions.forget(a.instanceId);
      return { requeueAfterMs: this.o.config().requeue.maxDelayMs };
    }
    if (!isRetriable(err)) {
      // A definite answer outside the contract (a 4xx, a 404/409 without a known reason) or a request
      // we could not send: resending cannot help. Back the instance off; a human must look (§2).
      this.logger.error('schedule failed definitely; backing off', { ...audit, ...callFailure(err), err });
      this.o.memory.assumptions.forget(a.instanceId);
      return { requeueAfterMs: this.backoffMs(this.o.memory.states.markFailed(a.instanceId), this.o.config()) };
    }
    // Outcome unknown (timeout, reset, 5xx after the client's retries): keep the assumption and send
    // the same call again with backoff; place the instance nowhere else meanwhile (contract §2).
    this.logger.warn('schedule outcome unknown; will resend', { ...audit, answer, err });
    throw err;
  }

  private rejectWorker(a: Assumption): void {
    this.o.memory.rejections.record(a.instanceId, a.workerId, a.instanceRevision, this.o.cache.worker(a.workerId)?.modRevision);
  }

  private lookAgainAt(instanceId: string, revision: number): void {
    const term = this.o.terms.currentTerm();
    if (term === undefined) return; // the next term requeues everything
    this.o.cacheRevision.waitForRevision(revision, term.signal).then(
      () => this.o.requeue(instanceId),
      () => undefined, // the term ended first: the next term requeues everything
    );
  }

  private async report(instanceId: string, report: UnschedulableReport, term: Term): Promise<void> {
    const now = this.o.clock.now();
    if (!this.o.memory.reports.shouldSend(instanceId, report.message, now, this.o.config().reports.minIntervalSeconds)) return;
    if (!term.isCurrent()) return;
    const audit = { instanceId, fencingToken: term.token, reasons: report.reasons, attempt: report.attempts };
    try {
      await this.o.client.reportUnschedulable(instanceId, { message: report.message, reasons: report.reasons, attempts: report.attempts }, { fencingToken: term.token, signal: term.signal, term });
      this.o.memory.reports.recordSent(instanceId, report.message, now);
      this.logger.info('unschedulable reported', { ...audit, answer: 200 });
    } catch (err: unknown) {
      const answer = answerOf(err);
      if (isStaleFencingToken(err)) {
        this.logger.warn('unschedulable report refused: stale fencing token; stepping down', { ...audit, answer });
        this.o.terms.stepDown('staleFencingToken');
        return;
      }
      if (isCallAborted(err)) return;
      if (isNotFound(err) || isPlacementConflict(err)) {
        this.logger.info('unschedulable report refused', { ...audit, answer });
        this.o.memory.reports.recordSent(instanceId, report.message, now); // definite: this report is not sent again
        return;
      }
      if (!isRetriable(err)) {
        this.logger.error('unschedulable report failed definitely; not resending it', { ...audit, ...callFailure(err), err });
        this.o.memory.reports.recordSent(instanceId, report.message, now);
        return;
      }
      // A lost report is sent again on the next attempt; it never blocks placing.
      this.logger.warn('unschedulable report failed', { ...audit, answer, err });
    }
  }

  private backoffMs(attempts: number, config: SchedulerConfig): number {
    const { baseDelayMs, maxDelayMs } = config.requeue;
    return backoffMs({ baseMs: baseDelayMs, maxMs: maxDelayMs }, attempts - 1);
  }
}
