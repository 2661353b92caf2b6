// The scheduler's metrics as OpenTelemetry instruments on one Meter, behind the hook interfaces the
// components already call (queue, runner, HTTP client, informer, cache, elector, config watcher,
// and the scheduler controller's SchedulerMetrics, matched by shape). Labels are closed sets
// (result, reason, kind, queue, route, status): never an instance or worker id (contract §4).
// Gauges are observed at collection time, from the last value a hook reported or from a source
// registered with watch*().
import type { Attributes, Meter } from '@opentelemetry/api';
import type { ConfigReloadMetrics, ReloadResult } from '../config';
import type { ReconcileOutcome, RunnerMetrics } from '../controller';
import type { ClientMetrics, RequestRecord } from '../controlplane';
import type { CacheMetrics, InformerMetrics, RelistReason } from '../informer';
import type { ElectorMetrics } from '../leaderelection';
import type { ObjectKind } from '../objects';
import type { QueueMetrics } from '../workqueue';
import type { ScaleUpResult, ScaleUpTrigger } from './known-series';
import {
  CONTRACT_METRICS as C, END_TO_END_BUCKETS_SECONDS, EXTRA_METRICS as X, FORECAST_BUCKETS_SECONDS, HTTP_BUCKETS_SECONDS,
  PLACEMENT_BUCKETS_SECONDS, WORK_BUCKETS_SECONDS,
} from './metric-names';

/** The hooks of controllers/scheduler's SchedulerMetrics (kept by shape: pkg/ never imports controllers/). */
export interface SchedulerHooks {
  attempt(result: string, durationMs: number): void;
  accepted(endToEndMs: number): void;
  unschedulableReasons(reasons: Readonly<Record<string, number>>): void;
}

/** The forecast's hooks (contract §5; controllers/scheduler's ForecastMetrics, by shape). */
export interface ForecastHooks {
  /** One forecast done: its duration and its shortfalls by template ('' for instances no template fits). */
  forecastFinished(durationMs: number, shortfallsByTemplate: Readonly<Record<string, number>>): void;
  /** After acting on it: the planned instances due within boot time with no accepted request, by template ({} clears). */
  uncovered(byTemplate: Readonly<Record<string, number>>): void;
}

/** Scale-up calls, sent now (contract §2) or from the forecast (§5); controllers/scheduler's ScaleUpMetrics, by shape. */
export interface ScaleUpHooks {
  requested(trigger: ScaleUpTrigger, result: ScaleUpResult): void;
}

/** Counts by queue for scheduler_pending_instances{queue}; SchedulerController.pendingCounts() fits. */
export type PendingByQueue = Readonly<Record<string, number>>;

export class OtelMetrics {
  readonly scheduler: SchedulerHooks;
  readonly queue: QueueMetrics;
  readonly runner: RunnerMetrics;
  readonly client: ClientMetrics;
  readonly informer: InformerMetrics;
  readonly cache: CacheMetrics;
  readonly elector: ElectorMetrics;
  readonly config: ConfigReloadMetrics;
  readonly forecast: ForecastHooks;
  readonly scaleUp: ScaleUpHooks;
  private depth = 0;
  private shortfalls: Readonly<Record<string, number>> = {};
  private uncovered: Readonly<Record<string, number>> = {};
  private isLeader = false;
  private pending: (() => PendingByQueue) | undefined;
  private paused: (() => boolean) | undefined;
  private oldestPending: (() => number) | undefined;

  constructor(meter: Meter) {
    const counter = (name: string, description: string) => meter.createCounter(name, { description });
    const seconds = (name: string, description: string, buckets: number[]) =>
      meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: buckets } });
    const gauge = (name: string, description: string, read: () => ReadonlyArray<readonly [number, Attributes?]>) =>
      meter.createObservableGauge(name, { description }).addCallback((result) => {
        for (const [value, attributes] of read()) result.observe(value, attributes);
      });

    const attempts = counter(C.scheduleAttempts, 'Placement decisions, by result (scheduled, unschedulable, error).');
    const attemptSeconds = seconds(C.attemptDuration, 'Time to decide one placement.', PLACEMENT_BUCKETS_SECONDS);
    const e2eSeconds = seconds(C.e2eDuration, 'From an instance\'s createdAt to the API accepting its placement.', END_TO_END_BUCKETS_SECONDS);
    const reasons = counter(C.unschedulableReasons, 'No-fit attempts on which a reason rejected at least one worker, by reason.');
    this.scheduler = {
      attempt: (result, durationMs) => {
        attempts.add(1, { result });
        attemptSeconds.record(durationMs / 1000);
      },
      accepted: (endToEndMs) => e2eSeconds.record(Math.max(0, endToEndMs) / 1000),
      unschedulableReasons: (counts) => {
        for (const [reason, count] of Object.entries(counts)) if (count > 0) reasons.add(1, { reason });
      },
    };

    const retries = counter(C.workqueueRetries, 'Keys put back with a rate-limited delay.');
    const adds = counter(X.workqueueAdds, 'Keys that entered the ready state.');
    const queueSeconds = seconds(X.workqueueQueueDuration, 'Time a key waited ready before a worker took it.', WORK_BUCKETS_SECONDS);
    const workSeconds = seconds(X.workqueueWorkDuration, 'Time from taking a key to done().', WORK_BUCKETS_SECONDS);
    gauge(C.workqueueDepth, 'Keys ready to be handed out.', () => [[this.depth]]);
    this.queue = {
      setDepth: (depth) => { this.depth = depth; },
      incAdds: () => adds.add(1),
      incRetries: () => retries.add(1),
      observeQueueLatencyMs: (ms) => queueSeconds.record(ms / 1000),
      observeWorkDurationMs: (ms) => workSeconds.record(ms / 1000),
    };

    const reconciles = counter(X.reconciles, 'Reconciles, by outcome.');
    const reconcileSeconds = seconds(X.reconcileDuration, 'Time of one reconcile.', WORK_BUCKETS_SECONDS);
    this.runner = {
      reconcileFinished: (outcome: ReconcileOutcome, durationMs) => {
        reconciles.add(1, { outcome });
        reconcileSeconds.record(durationMs / 1000);
      },
    };

    const requestSeconds = seconds(C.clientRequestDuration, 'One HTTP attempt to the Control Plane API.', HTTP_BUCKETS_SECONDS);
    this.client = {
      recordRequest: (r: RequestRecord) => requestSeconds.record(r.durationSeconds, requestAttributes(r)),
    };

    const relists = counter(C.informerRelists, 'Re-lists of PREFIX/ after the first list, by reason.');
    this.informer = { relisted: (reason: RelistReason) => relists.add(1, { reason }) };

    const malformed = counter(C.malformedValues, 'Malformed values skipped, once per key revision, by kind.');
    this.cache = { malformedValue: (kind: ObjectKind) => malformed.add(1, { kind }) };

    const leaderChanges = counter(C.leaderChanges, 'Times this replica gained or lost leadership.');
    gauge(C.isLeader, '1 while this replica leads.', () => [[this.isLeader ? 1 : 0]]);
    this.elector = {
      leadershipChanged: (isLeader) => {
        if (isLeader === this.isLeader) return;
        this.isLeader = isLeader;
        leaderChanges.add(1);
      },
    };

    const reloads = counter(C.configReloads, 'Changed ConfigMap contents read, by result (success: applied, failure: refused).');
    this.config = { reloaded: (result: ReloadResult) => reloads.add(1, { result }) };

    const forecastSeconds = seconds(C.forecastDuration, 'Time of one forecast over the horizon.', FORECAST_BUCKETS_SECONDS);
    gauge(C.forecastShortfall, 'Booked instances the last forecast found no room for at their ready time, by template ("" when none fits).', () =>
      Object.entries(this.shortfalls).map(([template, count]) => [count, { template }] as const));
    gauge(X.forecastUncovered, 'Booked instances the last forecast planned workers for, due within the template\'s boot time, with no accepted scale-up, by template.', () =>
      Object.entries(this.uncovered).map(([template, count]) => [count, { template }] as const));
    // A template reported last time and not now reads 0 rather than vanishing.
    const keepAtZero = (last: Readonly<Record<string, number>>, next: Readonly<Record<string, number>>) =>
      ({ ...Object.fromEntries(Object.keys(last).map((t) => [t, 0])), ...next });
    this.forecast = {
      forecastFinished: (durationMs, byTemplate) => {
        forecastSeconds.record(durationMs / 1000);
        this.shortfalls = keepAtZero(this.shortfalls, byTemplate);
      },
      uncovered: (byTemplate) => { this.uncovered = keepAtZero(this.uncovered, byTemplate); },
    };
    const scaleUps = counter(C.scaleUpRequests, 'Scale-up calls, by trigger (now, forecast) and result (accepted, refused, error).');
    this.scaleUp = { requested: (trigger, result) => scaleUps.add(1, { trigger, result }) };

    gauge(C.pendingInstances, 'Instances waiting to be placed, by queue.', () =>
      Object.entries(this.pending?.() ?? {}).map(([queue, count]) => [count, { queue }] as const));
    gauge(X.paused, '1 while placement.paused is set.', () => (this.paused === undefined ? [] : [[this.paused() ? 1 : 0]]));
    gauge(X.oldestPending, 'Seconds the longest-waiting placeable instance has been ready to place.', () =>
      (this.oldestPending === undefined ? [] : [[this.oldestPending()]]));
  }

  /** Reads scheduler_pending_instances{queue} at each collection. */
  watchPending(read: () => PendingByQueue): void {
    this.pending = read;
  }

  watchPaused(read: () => boolean): void {
    this.paused = read;
  }

  /** Reads scheduler_oldest_pending_seconds at each collection. */
  watchOldestPending(readSeconds: () => number): void {
    this.oldestPending = readSeconds;
  }
}

/** http.route and http.response.status_code (exported as http_route, http_response_status_code); error.type when no answer came. */
function requestAttributes(r: RequestRecord): Attributes {
  const attributes: Attributes = { 'http.request.method': r.method, 'http.route': r.route };
  if (r.statusCode !== undefined) attributes['http.response.status_code'] = r.statusCode;
  if (r.errorType !== undefined) attributes['error.type'] = r.errorType;
  return attributes;
}
