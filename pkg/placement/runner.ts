// FrameworkPlacer runs a list of filters and weighted scorers over the snapshot (kube-scheduler's
// framework, in one thread). Guarantees: filters run in the given order and a worker is counted once,
// under the first that rejects it; shape filters run once per distinct worker shape and requirement
// (cached across decisions); scores are integers 0..100 and totals are compared exactly (weights in
// millionths), equal totals going to the smallest worker id in byte order; an Error verdict, a throw
// or an out-of-range score makes the decision an error stamped with the plugin and worker, never a
// reason. With percentageOfWorkersToScore = 100 (the default) the decision is exact and repeatable.
import type { LabletInstance } from '../objects';
import type { Decision, DecisionRecord, ErrorDecision, ReasonCounts, WorkerScore } from './decision';
import { FEASIBLE, listVerdicts, memo, noFitMessage, orderedReasons, rankScores, REJECTED } from './decision';
import type {
  FilterPlugin,
  FilterVerdict,
  PlacementRequest,
  ScorePlugin,
  WeightedScorer,
  WorkerFilterPlugin,
} from './framework';
import { SUCCESS } from './framework';
import type { ShapeOutcome } from './shape-cache';
import { ShapeOutcomeCache } from './shape-cache';
import type { FilterPluginName, FilterReason, PluginName, ScorePluginName } from './names';
import { FILTER_REASONS } from './names';
import type { PlaceOptions, Placer } from './placer';
import type { Snapshot, WorkerInfo } from './snapshot';

export interface FrameworkPlacerOptions {
  /** Registry name, carried in every decision. */
  readonly name: string;
  /** Run in this order. Each reason belongs to exactly one filter. */
  readonly filters: readonly FilterPlugin[];
  /** Each weight >= 0 (at most 1e6), their sum > 0; used at a resolution of 1e-6. */
  readonly scorers: readonly WeightedScorer[];
  /**
   * Percent (0, 100] of the workers to find feasible before scoring; default 100 = every worker is
   * filtered and every feasible one scored, so the decision is exact. Below 100 the scan stops once
   * max(100, n x percent / 100) feasible workers are found and starts where the previous decision
   * stopped (as kube-scheduler does): faster on large fleets, but the chosen worker is then only the
   * best of those found, and depends on the order of earlier decisions. A no-fit decision always
   * scans every worker, so its histogram still sums to N.
   */
  readonly percentageOfWorkersToScore?: number | undefined;
}

/** kube-scheduler's floor on workers to find before stopping early. */
const MIN_FEASIBLE_TO_FIND = 100;
const WEIGHT_SCALE = 1_000_000;
const MAX_WEIGHT = 1_000_000;

const REASON_CODE: Readonly<Record<string, number>> = Object.fromEntries(FILTER_REASONS.map((r, i) => [r, i]));
const EMPTY_SET: ReadonlySet<string> = new Set();

interface Failure {
  readonly failed: true;
  readonly plugin: PluginName;
  readonly workerId: string | undefined;
  readonly cause: unknown;
}

/** What the scan fills in. */
interface Found {
  /** Per worker position: NOT_EVALUATED, FEASIBLE or REJECTED + reason index. */
  readonly outcome: Uint8Array;
  /** Per reason index. */
  readonly counts: number[];
  /** Positions of the feasible workers, in scan order (a scratch buffer: the first numFeasible). */
  readonly positions: Int32Array;
  numFeasible: number;
}

interface Filtered {
  readonly failed: false;
  /** Worker ids by position, as of the decision. */
  readonly ids: readonly string[];
  readonly outcome: Uint8Array;
  readonly counts: readonly number[];
  readonly feasible: readonly WorkerInfo[];
  readonly feasiblePositions: Int32Array;
  readonly evaluated: number;
}

/** The worker filters one shape runs in a decision, and the shape filter verdict after them. */
interface ShapePlan {
  readonly filters: readonly WorkerFilterPlugin[];
  /** Each filter's position in the placer's list (to stamp and check reasons). */
  readonly positions: readonly number[];
  /** Position of the shape's first failing shape filter (past every filter when none fails). */
  readonly position: number;
  readonly verdict: ShapeOutcome['verdict'];
}

interface Scored {
  readonly failed: false;
  /** scores[s * numFeasible + j]: scorer s on feasible worker j. */
  readonly scores: Uint8Array;
  readonly best: number;
}

export class FrameworkPlacer implements Placer {
  readonly name: string;
  private readonly filters: readonly FilterPlugin[];
  private readonly scorers: readonly ScorePlugin[];
  private readonly scorerNames: readonly ScorePluginName[];
  /** Integer millionths. */
  private readonly weights: readonly number[];
  private readonly weightSum: number;
  private readonly percentage: number;
  /** Reason index -> index of the filter that owns it, -1 for none. */
  private readonly ownerOf: Int8Array;
  private readonly shapeCache: ShapeOutcomeCache;
  /** The worker-scope filters, and their positions in filters. */
  private readonly workerFilters: readonly WorkerFilterPlugin[];
  private readonly workerFilterPositions: readonly number[];
  /** Reason index -> name of the filter that owns it (for verdict lists). */
  private readonly pluginOfReason = (code: number): FilterPluginName => this.filters[this.ownerOf[code]!]!.name;
  private nextStartIndex = 0;
  private scratch = new Int32Array(0);

  constructor(options: FrameworkPlacerOptions) {
    this.name = options.name;
    this.filters = [...options.filters];
    this.scorers = options.scorers.map((s) => s.plugin);
    this.scorerNames = this.scorers.map((s) => s.name);
    this.weights = options.scorers.map((s) => toMillionths(s.plugin.name, s.weight));
    this.weightSum = this.weights.reduce((a, b) => a + b, 0);
    if (this.weightSum <= 0) throw new Error('placement.weights: the weights must sum to more than 0');
    this.percentage = options.percentageOfWorkersToScore ?? 100;
    if (!(Number.isFinite(this.percentage) && this.percentage > 0 && this.percentage <= 100)) {
      throw new Error(`placement.percentageOfWorkersToScore: must be in (0, 100] (got ${this.percentage})`);
    }
    this.ownerOf = ownersOf(this.filters);
    this.shapeCache = new ShapeOutcomeCache(this.filters);
    const workerFilters = this.filters.flatMap((f, position) => (f.scope === 'worker' ? [{ f, position }] : []));
    this.workerFilters = workerFilters.map(({ f }) => f);
    this.workerFilterPositions = workerFilters.map(({ position }) => position);
    const names = [...this.filters.map((f) => f.name), ...this.scorerNames];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new Error(`placer ${this.name}: plugin ${twice} is listed twice`);
  }

  place(instance: LabletInstance, snapshot: Snapshot, options: PlaceOptions = {}): Decision {
    const request: PlacementRequest = {
      instance,
      requested: instance.requirements.resources,
      rejectedWorkerIds: options.rejectedWorkerIds ?? EMPTY_SET,
    };
    const base = { instanceId: instance.id, placer: this.name, numWorkers: snapshot.size };
    const filtered = this.filterWorkers(request, snapshot);
    if (filtered.failed) return errorDecision(base, filtered);
    const reasons = reasonCounts(filtered.counts);
    // What the lazy lists need, and nothing live: a kept decision must not pin workers in memory.
    const record: DecisionRecord = { ids: filtered.ids, outcome: filtered.outcome, positions: filtered.feasiblePositions };
    if (filtered.feasible.length === 0) {
      const verdicts = memo(() => listVerdicts(record, this.pluginOfReason, undefined));
      return { ...base, result: 'unschedulable', message: noFitMessage(base.numWorkers, reasons), reasons, verdicts };
    }
    const scored = this.scoreWorkers(request, filtered.feasible);
    if (scored.failed) return errorDecision(base, scored);
    const scoreOf = (j: number): WorkerScore => this.workerScore(record, scored.scores, j);
    const best = scoreOf(scored.best);
    return {
      ...base,
      result: 'scheduled',
      workerId: best.workerId,
      score: best,
      numEvaluated: filtered.evaluated,
      numFeasible: filtered.feasible.length,
      reasons,
      scored: memo(() => rankScores(record, scoreOf)),
      verdicts: memo(() => listVerdicts(record, this.pluginOfReason, scoreOf)),
    };
  }

  /** Every worker through the filters, in order, until enough feasible ones are found. */
  private filterWorkers(request: PlacementRequest, snapshot: Snapshot): Filtered | Failure {
    const workers = snapshot.workers();
    const n = workers.length;
    const toFind = this.numFeasibleToFind(n);
    const start = toFind < n ? this.nextStartIndex % n : 0;
    // Few allocations per decision (10,000 workers): a reused scratch buffer for feasible positions,
    // then arrays of the exact size; growing arrays would make the garbage collector pause often.
    if (this.scratch.length < n) this.scratch = new Int32Array(Math.max(n, 2 * this.scratch.length));
    const found: Found = {
      outcome: new Uint8Array(n),
      counts: new Array<number>(FILTER_REASONS.length).fill(0),
      positions: this.scratch,
      numFeasible: 0,
    };
    const planned = this.plans(request, snapshot);
    if (planned.failed) return planned;
    const evaluated = this.scan(request, workers, planned.plans, start, toFind, found);
    if (typeof evaluated !== 'number') return evaluated;
    if (toFind < n) this.nextStartIndex = (start + evaluated) % n;
    const feasiblePositions = found.positions.slice(0, found.numFeasible);
    const feasible = new Array<WorkerInfo>(found.numFeasible);
    for (let j = 0; j < feasible.length; j++) feasible[j] = workers[feasiblePositions[j]!]!;
    const { outcome, counts } = found;
    return { failed: false, ids: snapshot.workerIds(), outcome, counts, feasible, feasiblePositions, evaluated };
  }

  /**
   * Per live shape, for this decision: the first failing shape filter (cached across decisions)
   * and the worker filters to call before it, leaving out those that do not apply to the shape.
   */
  private plans(request: PlacementRequest, snapshot: Snapshot): { failed: false; plans: (ShapePlan | undefined)[] } | Failure {
    const outcomes = this.shapeCache.outcomes(request.instance.requirements, snapshot);
    const slots = snapshot.shapeSlots();
    const plans = new Array<ShapePlan | undefined>(outcomes.length);
    let filter: WorkerFilterPlugin | undefined;
    try {
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i];
        const shape = slots[i];
        if (outcome === undefined || shape === undefined) continue;
        const filters: WorkerFilterPlugin[] = [];
        const positions: number[] = [];
        for (let k = 0; k < this.workerFilters.length; k++) {
          filter = this.workerFilters[k]!;
          const position = this.workerFilterPositions[k]!;
          if (position > outcome.position) break;
          if (filter.appliesTo !== undefined && !filter.appliesTo(request, shape)) continue;
          filters.push(filter);
          positions.push(position);
        }
        plans[i] = { filters, positions, position: outcome.position, verdict: outcome.verdict };
      }
    } catch (err: unknown) {
      return failure(filter?.name ?? 'WorkerStatus', undefined, err);
    }
    return { failed: false, plans };
  }

  /**
   * The hot loop; returns how many workers it evaluated. Per worker, only its shape plan's filters
   * are called; the shape's verdict applies when they all pass. Nothing follows the loop but its
   * return: code after a long loop got no type feedback when V8 optimized the loop on the stack, and
   * deoptimized this function on every call.
   */
  private scan(
    request: PlacementRequest,
    workers: readonly WorkerInfo[],
    plans: readonly (ShapePlan | undefined)[],
    start: number,
    toFind: number,
    found: Found,
  ): number | Failure {
    const { outcome, counts, positions } = found;
    const n = workers.length;
    let numFeasible = 0;
    let evaluated = 0;
    let at = -1;
    let k = 0;
    let plan: ShapePlan | undefined;
    let worker: WorkerInfo | undefined;
    try {
      while (evaluated < n) {
        const i = start + evaluated < n ? start + evaluated : start + evaluated - n;
        worker = workers[i]!;
        evaluated++;
        plan = plans[worker.shape.index]!;
        const filters = plan.filters;
        let verdict: FilterVerdict = SUCCESS;
        at = -1;
        for (k = 0; k < filters.length; k++) {
          verdict = filters[k]!.filter(request, worker);
          if (verdict.status !== 'success') {
            at = plan.positions[k]!;
            break;
          }
        }
        if (at < 0 && plan.verdict !== undefined) {
          verdict = plan.verdict;
          at = plan.position;
        }
        if (verdict.status === 'success') {
          outcome[i] = FEASIBLE;
          positions[numFeasible++] = i;
          found.numFeasible = numFeasible;
          if (numFeasible >= toFind) break;
        } else if (verdict.status === 'unschedulable') {
          const code = verdict.code;
          if (FILTER_REASONS[code] !== verdict.reason || this.ownerOf[code] !== at) {
            return failure(this.filters[at]!.name, worker, new Error(`gave reason ${verdict.reason}, which it does not declare`));
          }
          outcome[i] = REJECTED + code;
          counts[code]!++;
        } else {
          return failure(this.filters[at]!.name, worker, verdict.cause);
        }
      }
      return evaluated;
    } catch (err: unknown) {
      return failure(plan?.filters[k]?.name ?? 'WorkerStatus', worker, err);
    }
  }

  /** Each scorer once over the feasible workers; the best total wins, ties to the smallest id. */
  private scoreWorkers(request: PlacementRequest, feasible: readonly WorkerInfo[]): Scored | Failure {
    const m = feasible.length;
    const ns = this.scorers.length;
    const weights = this.weights;
    // Column-major: scores[s * m + j] is scorer s on feasible worker j.
    const scores = new Uint8Array(ns * m);
    for (let s = 0; s < ns; s++) {
      let column: ArrayLike<number>;
      try {
        column = this.scorers[s]!.score(request, feasible);
      } catch (err: unknown) {
        return failure(this.scorerNames[s]!, undefined, err);
      }
      if (column.length !== m) {
        return failure(this.scorerNames[s]!, undefined, new RangeError(`gave ${column.length} scores for ${m} workers`));
      }
      for (let j = 0; j < m; j++) {
        const score = column[j]!;
        if (!(Number.isInteger(score) && score >= 0 && score <= 100)) {
          return failure(this.scorerNames[s]!, feasible[j], new RangeError(`score ${score} is not an integer in 0..100`));
        }
        scores[s * m + j] = score;
      }
    }
    let best = 0;
    let bestSum = -1;
    let bestId = '';
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let s = 0; s < ns; s++) sum += weights[s]! * scores[s * m + j]!;
      const id = feasible[j]!.worker.id;
      // Exact integer sums; ties to the smallest id in byte order (ids are ASCII: < is byte order).
      if (sum > bestSum || (sum === bestSum && id < bestId)) {
        best = j;
        bestSum = sum;
        bestId = id;
      }
    }
    return { failed: false, scores, best };
  }

  private numFeasibleToFind(n: number): number {
    if (this.percentage >= 100 || n < MIN_FEASIBLE_TO_FIND) return n;
    return Math.max(MIN_FEASIBLE_TO_FIND, Math.floor((n * this.percentage) / 100));
  }

  private workerScore(record: DecisionRecord, table: Uint8Array, j: number): WorkerScore {
    const ns = this.scorers.length;
    const m = record.positions.length;
    const scores: Partial<Record<ScorePluginName, number>> = {};
    let sum = 0;
    for (let s = 0; s < ns; s++) {
      const score = table[s * m + j]!;
      scores[this.scorerNames[s]!] = score;
      sum += this.weights[s]! * score;
    }
    return { workerId: record.ids[record.positions[j]!]!, total: sum / this.weightSum, scores };
  }

}

function toMillionths(plugin: ScorePluginName, weight: number): number {
  if (!(Number.isFinite(weight) && weight >= 0 && weight <= MAX_WEIGHT)) {
    throw new Error(`placement.weights: the weight of ${plugin} must be a number in [0, ${MAX_WEIGHT}] (got ${weight})`);
  }
  return Math.round(weight * WEIGHT_SCALE);
}

function ownersOf(filters: readonly FilterPlugin[]): Int8Array {
  const owners = new Int8Array(FILTER_REASONS.length).fill(-1);
  filters.forEach((filter, index) => {
    for (const reason of filter.reasons) {
      const code = REASON_CODE[reason];
      if (code === undefined) throw new Error(`filter ${filter.name}: unknown reason ${reason}`);
      if (owners[code] !== -1) throw new Error(`filter ${filter.name}: reason ${reason} already belongs to another filter`);
      owners[code] = index;
    }
  });
  return owners;
}

function reasonCounts(counts: readonly number[]): ReasonCounts {
  const out: Partial<Record<FilterReason, number>> = {};
  counts.forEach((count, code) => {
    if (count > 0) out[FILTER_REASONS[code]!] = count;
  });
  return orderedReasons(out);
}

function failure(plugin: PluginName, worker: WorkerInfo | undefined, cause: unknown): Failure {
  return { failed: true, plugin, workerId: worker?.worker.id, cause };
}

function errorDecision(base: { instanceId: string; placer: string; numWorkers: number }, f: Failure): ErrorDecision {
  const what = f.cause instanceof Error ? f.cause.message : String(f.cause);
  const where = f.workerId === undefined ? '' : ` on worker ${f.workerId}`;
  return { ...base, result: 'error', plugin: f.plugin, workerId: f.workerId, cause: f.cause, message: `plugin ${f.plugin} failed${where}: ${what}` };
}



