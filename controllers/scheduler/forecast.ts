// The forecast (contract §5, issue 19): the next forecast.horizonMinutes played on a fork of the live
// snapshot with the configured placer, so what it predicts is what live placement would do if nothing
// changed but time. Events come from forecast-timeline.ts; an instance the forecast places frees its
// capacity at its own slot end, and shortfalls are offered again when capacity frees (as live
// placement retries them), at most once a minute of forecast time; one placed by its start needs no
// worker. Shortfalls go to forecast-plan.ts. The run yields to the event loop every few
// milliseconds, so live decisions keep their latency.
//
// A booting worker counts RUNNING from its key's create time plus its template's bootSeconds. etcd
// keeps no times, so the create time is when this replica first saw the worker: at most one
// forecast interval late while leading (marginMinutes covers it), the first forecast's time after a
// failover. A forecast scale-up that was accepted counts as `count` booting workers of its template
// until that many new workers of the template have been seen or their boot time has passed, so a
// need is never asked for twice while it is being met.
import type { Clock } from '../../pkg/clock';
import type { ScaleUpTemplate, SchedulerConfig } from '../../pkg/config';
import type { LabletInstance, Worker } from '../../pkg/objects';
import { isPlaceable } from '../../pkg/objects';
import type { Decision, Placer, Snapshot } from '../../pkg/placement';
import type { Shortfall, ScaleUpPlan } from './forecast-plan';
import { planScaleUps } from './forecast-plan';
import { TimelineQueue, forecastTimeline, nominalReadyMs, releaseOf } from './forecast-timeline';
import { readiness } from './timing';
import { emptyWorkerOf } from './scale-up';

/** The cache as the forecast reads it (LabletCache fits). */
export interface ForecastCache {
  allInstances(): Iterable<{ readonly instance: LabletInstance }>;
  allWorkers(): Iterable<{ readonly worker: Worker }>;
}

export interface ForecastResult {
  readonly computedAtMs: number;
  readonly horizonEndMs: number;
  /** Booked instances the forecast placed. */
  readonly placed: number;
  readonly shortfalls: readonly Shortfall[];
  readonly plan: ScaleUpPlan;
  /** Time the run spent working, ms (its yields to the event loop excluded). */
  readonly durationMs: number;
}

/** An accepted forecast scale-up whose workers may not all be in etcd yet. */
export interface OutstandingRequest {
  readonly template: string;
  readonly count: number;
  readonly sentAtMs: number;
}

export interface ForecasterOptions {
  readonly cache: ForecastCache;
  /** The live snapshot; only ever forked. */
  readonly snapshot: Snapshot;
  readonly placer: () => Placer;
  readonly config: () => SchedulerConfig;
  readonly clock: Clock;
  /** Called between slices of a run; default: the next turn of the event loop. */
  readonly yieldNow?: () => Promise<void>;
  /** Work between yields, ms. Default 0.5: a live decision then waits under 1 ms for the forecast (docs/scaling.md). */
  readonly sliceMs?: number;
}

const BOOTING_STATUSES: ReadonlySet<string> = new Set(['PENDING', 'PROVISIONING', 'STARTING']);
/** Shortfalls are offered again at most this often in forecast time, after capacity frees. */
const RETRY_EVERY_MS = 60_000;
const DEFAULT_SLICE_MS = 0.5;

/** Instances with equal requests get equal verdicts on the same fleet. */
function requestKey(instance: LabletInstance): string {
  return JSON.stringify([instance.requirements, instance.preferredRegion]);
}

export class Forecaster {
  private readonly firstSeenMs = new Map<string, number>();
  private outstanding: OutstandingRequest[] = [];

  constructor(private readonly o: ForecasterOptions) {}

  /** Records an accepted forecast scale-up: its workers count as booting until they appear. */
  requested(request: OutstandingRequest): void {
    this.outstanding.push(request);
  }

  async run(signal?: AbortSignal): Promise<ForecastResult | undefined> {
    const config = this.o.config();
    const nowMs = this.o.clock.now();
    const horizonEndMs = nowMs + config.forecast.horizonMinutes * 60_000;
    const placer = this.o.placer();
    const templates = new Map(config.scaleUp.templates.map((t) => [t.name, t]));
    const fleet = this.o.snapshot.fork();

    const holders: LabletInstance[] = [];
    const pending: LabletInstance[] = [];
    for (const { instance } of this.o.cache.allInstances()) {
      if (fleet.holderOf(instance.id) !== undefined) holders.push(instance);
      else if (isPlaceable(instance)) pending.push(instance);
    }
    const booting = this.bootingWorkers(nowMs, templates, fleet);
    const policy = { ...config.timeslot, releaseAfterEndMinutes: config.forecast.releaseAfterEndMinutes };
    const queue = new TimelineQueue(forecastTimeline({
      nowMs, horizonEndMs, holders, pending, booting: [...booting.keys()].map((workerId) => ({ workerId, readyAtMs: booting.get(workerId)?.readyAtMs ?? nowMs })), policy,
    }));

    const shortfalls = new Map<string, Shortfall>();
    // Shortfalls live placement would try again when capacity frees (contract §3: no fit is retried).
    const waiting: Shortfall[] = [];
    let placed = 0;
    let busyMs = 0;
    let sliceStart = this.o.clock.monotonicNow();
    let gainedAtMs: number | undefined; // capacity freed or added since the last retry, at this time
    let retriedAtMs = Number.NEGATIVE_INFINITY;
    const place = (instance: LabletInstance, atMs: number): Decision => {
      const decision = placer.place(instance, fleet);
      if (decision.result !== 'scheduled') return decision;
      fleet.assume(instance.id, decision.workerId, instance.requirements.resources);
      placed += 1;
      const release = releaseOf(instance, atMs, horizonEndMs, policy);
      if (release !== undefined) queue.add(release);
      return decision;
    };
    const keys = new Map<string, string>();
    const keyOf = (instance: LabletInstance): string => {
      let key = keys.get(instance.id);
      if (key === undefined) keys.set(instance.id, (key = requestKey(instance)));
      return key;
    };
    const retryWaiting = async (atMs: number): Promise<boolean> => {
      retriedAtMs = atMs;
      gainedAtMs = undefined;
      const failed = new Set<string>(); // requests already refused in this pass fail again the same way
      for (let k = 0; k < waiting.length; k++) {
        if (!(await slice())) return false;
        const shortfall = waiting[k]!;
        const { instance } = shortfall;
        const key = keyOf(instance);
        if (failed.has(key)) continue;
        if (readiness(instance, atMs, policy).kind === 'missed') {
          waiting.splice(k--, 1);
          continue;
        }
        if (place(instance, atMs).result !== 'scheduled') {
          failed.add(key);
          continue;
        }
        waiting.splice(k--, 1);
        // Placed by its start: live would place it in time, so no worker is needed for it.
        if (atMs <= (instance.timeslot?.startMs ?? atMs)) shortfalls.delete(instance.id);
      }
      return true;
    };
    /** Yields to the event loop once the slice is used up; false when the signal aborted meanwhile. */
    const slice = async (): Promise<boolean> => {
      if (this.o.clock.monotonicNow() - sliceStart < (this.o.sliceMs ?? DEFAULT_SLICE_MS)) return true;
      busyMs += this.o.clock.monotonicNow() - sliceStart;
      await (this.o.yieldNow ?? nextTurn)();
      sliceStart = this.o.clock.monotonicNow();
      return signal?.aborted !== true;
    };

    for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
      // Retry at most once a minute of forecast time, after the releases and workers of a moment and
      // before its instances: live retries with backoff, not at every release.
      const retryAtMs = gainedAtMs === undefined ? undefined : Math.max(gainedAtMs, retriedAtMs + RETRY_EVERY_MS);
      if (retryAtMs !== undefined && (event.kind === 'ready' ? event.atMs >= retryAtMs : event.atMs > retryAtMs) && !(await retryWaiting(retryAtMs))) return undefined;
      switch (event.kind) {
        case 'release':
          fleet.removeHolder(event.instanceId);
          fleet.forget(event.instanceId);
          if (waiting.length > 0) gainedAtMs ??= event.atMs;
          break;
        case 'worker': {
          const worker = booting.get(event.workerId)?.running;
          if (worker !== undefined) fleet.upsertWorker(worker);
          if (waiting.length > 0) gainedAtMs ??= event.atMs;
          break;
        }
        case 'ready': {
          const decision = place(event.instance, event.atMs);
          if (decision.result === 'unschedulable') {
            const readyAtMs = Math.min(event.atMs, nominalReadyMs(event.instance, nowMs, policy));
            const shortfall: Shortfall = { instance: event.instance, readyAtMs, message: decision.message, reasons: decision.reasons };
            shortfalls.set(event.instance.id, shortfall);
            waiting.push(shortfall);
          }
          break;
        }
      }
      if (!(await slice())) return undefined;
    }
    const lastRetryAtMs = gainedAtMs === undefined ? undefined : Math.max(gainedAtMs, retriedAtMs + RETRY_EVERY_MS);
    if (lastRetryAtMs !== undefined && lastRetryAtMs <= horizonEndMs && !(await retryWaiting(lastRetryAtMs))) return undefined;
    const short = [...shortfalls.values()];
    const plan = planScaleUps(short, config.scaleUp.templates, placer, config.forecast.marginMinutes);
    busyMs += this.o.clock.monotonicNow() - sliceStart;
    return { computedAtMs: nowMs, horizonEndMs, placed, shortfalls: short, plan, durationMs: busyMs };
  }

  /**
   * Workers that will count RUNNING at some time: booting workers of known templates in the cache,
   * and the ones accepted forecast requests still owe, as RUNNING copies with their ready times.
   */
  private bootingWorkers(nowMs: number, templates: ReadonlyMap<string, ScaleUpTemplate>, fleet: Snapshot): Map<string, { readyAtMs: number; running: Worker }> {
    const booting = new Map<string, { readyAtMs: number; running: Worker }>();
    const seen = new Set<string>();
    const seenByTemplate = new Map<string, number[]>();
    for (const { worker } of this.o.cache.allWorkers()) {
      seen.add(worker.id);
      const firstSeen = this.firstSeenMs.get(worker.id) ?? nowMs;
      this.firstSeenMs.set(worker.id, firstSeen);
      const template = worker.template === undefined ? undefined : templates.get(worker.template);
      if (template === undefined) continue;
      const times = seenByTemplate.get(template.name) ?? [];
      times.push(firstSeen);
      seenByTemplate.set(template.name, times);
      if (BOOTING_STATUSES.has(worker.status)) {
        booting.set(worker.id, { readyAtMs: firstSeen + template.bootSeconds * 1000, running: { ...worker, status: 'RUNNING' } });
      }
    }
    for (const id of [...this.firstSeenMs.keys()]) if (!seen.has(id)) this.firstSeenMs.delete(id);

    this.outstanding = this.outstanding.filter((request) => {
      const template = templates.get(request.template);
      if (template === undefined) return false;
      const readyAtMs = request.sentAtMs + template.bootSeconds * 1000;
      const arrived = (seenByTemplate.get(request.template) ?? []).filter((t) => t >= request.sentAtMs).length;
      const owed = request.count - arrived;
      if (owed <= 0 || readyAtMs < nowMs) return false;
      for (let i = 0; i < owed; i++) {
        const id = `${template.name}-requested-${request.sentAtMs}-${i + 1}`;
        if (fleet.getWorker(id) === undefined) booting.set(id, { readyAtMs, running: emptyWorkerOf(template, id) });
      }
      return true;
    });
    return booting;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
