// FrameworkPlacer runs a list of filters and weighted scorers over the snapshot (kube-scheduler's
// framework, in one thread). Guarantees: filters run in the given order and a worker is counted once,
// under the first that rejects it; shape filters run once per distinct worker shape and requirement
// (cached across decisions); scores are integers 0..100 and totals are compared exactly (weights in
// millionths), equal totals going to the smallest worker id in byte order; an Error verdict, a throw
// or an out-of-range score makes the decision an error stamped with the plugin and worker, never a
// reason. With percentageOfWorkersToScore = 100 (the default) the decision is exact and repeatable.
// The loops read the snapshot's columns (worker-table.ts) and write into buffers kept across decisions,
// so a decision over 10,000 workers allocates next to nothing; a decision copies out only what it keeps.
import type { LabletInstance } from '../objects';
import type { Decision, DecisionRecord, ErrorDecision, ReasonCounts, WorkerScore, WorkerVerdict } from './decision';
import { FEASIBLE, listVerdicts, memo, noFitMessage, orderedReasons, REJECTED, SCORED_KEPT } from './decision';
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
import type { Snapshot } from './snapshot';
import type { WorkerColumns } from './worker-table';

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

/**
 * What the scan fills in, in buffers kept across decisions: valid until the next decision, so a
 * decision copies what it keeps.
 */
class Found {
  /** Per worker position: NOT_EVALUATED, FEASIBLE or REJECTED + reason index. */
  outcome = new Uint8Array(0);
  /** Per reason index. */
  readonly counts: number[] = new Array<number>(FILTER_REASONS.length).fill(0);
  /** Positions of the feasible workers, in scan order (the first numFeasible). */
  positions = new Int32Array(0);
  numFeasible = 0;
  /** Workers the filters ran on. */
  evaluated = 0;

  reset(n: number): void {
    if (this.outcome.length < n) {
      const size = Math.max(n, 2 * this.outcome.length);
      this.outcome = new Uint8Array(size);
      this.positions = new Int32Array(size);
    }
    this.outcome.fill(0, 0, n);
    this.counts.fill(0);
    this.numFeasible = 0;
    this.evaluated = 0;
  }

  /** A copy of what the lazy verdict list needs, pinning nothing live. */
  record(ids: readonly string[], n: number): DecisionRecord {
    return { ids, outcome: this.outcome.slice(0, n), positions: this.positions.slice(0, this.numFeasible) };
  }
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
  private readonly found = new Found();
  /** Per scorer: its score of feasible worker j at [j] (kept across decisions). */
  private readonly scoreColumns: Float64Array[];
  /** Weighted total of feasible worker j at [j]: exact integers (weights in millionths). */
  private totals = new Float64Array(0);
  /** Indices j of the best feasible workers, best first (at most SCORED_KEPT). */
  private readonly top = new Int32Array(SCORED_KEPT);
  private readonly topSums = new Float64Array(SCORED_KEPT);
  private readonly topRanks = new Int32Array(SCORED_KEPT);

  constructor(options: FrameworkPlacerOptions) {
    this.name = options.name;
    this.filters = [...options.filters];
    this.scorers = options.scorers.map((s) => s.plugin);
    this.scorerNames = this.scorers.map((s) => s.name);
    this.weights = options.scorers.map((s) => toMillionths(s.plugin.name, s.weight));
    this.weightSum = this.weights.reduce((a, b) => a + b, 0);
    this.scoreColumns = this.scorers.map(() => new Float64Array(0));
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
    const n = snapshot.size;
    const base = { instanceId: instance.id, placer: this.name, numWorkers: n };
    const columns = snapshot.columns();
    const found = this.found;
    const filtered = this.filterWorkers(request, snapshot, columns);
    if (filtered !== undefined) return errorDecision(base, filtered);
    const reasons = reasonCounts(found.counts);
    const m = found.numFeasible;
    if (m === 0) {
      // What the lazy list needs, and nothing live: a kept decision must not pin workers in memory.
      const record = found.record(snapshot.workerIds(), n);
      const verdicts = memo(() => listVerdicts(record, this.pluginOfReason, undefined));
      return { ...base, result: 'unschedulable', message: noFitMessage(n, reasons), reasons, verdicts };
    }
    const scored = this.scoreWorkers(request, columns, m);
    if (scored !== undefined) return errorDecision(base, scored);
    const kept = this.selectBest(columns, m);
    const ids = snapshot.workerIds();
    const best: WorkerScore[] = [];
    for (let k = 0; k < kept; k++) best.push(this.workerScore(ids, this.top[k]!));
    let verdicts: (() => readonly WorkerVerdict[]) | undefined;
    if (options.keepVerdicts === true) {
      const record = found.record(ids, n);
      const all = Array.from({ length: m }, (_, j) => this.workerScore(ids, j));
      verdicts = memo(() => listVerdicts(record, this.pluginOfReason, (j) => all[j]!));
    }
    return {
      ...base,
      result: 'scheduled',
      workerId: best[0]!.workerId,
      score: best[0]!,
      numEvaluated: found.evaluated,
      numFeasible: m,
      reasons,
      scored: () => best,
      verdicts,
    };
  }

  /** Every worker through the filters, in order, until enough feasible ones are found (into this.found). */
  private filterWorkers(request: PlacementRequest, snapshot: Snapshot, columns: WorkerColumns): Failure | undefined {
    const n = columns.size;
    const toFind = this.numFeasibleToFind(n);
    const start = toFind < n ? this.nextStartIndex % n : 0;
    this.found.reset(n);
    const planned = this.plans(request, snapshot);
    if (planned.failed) return planned;
    const failed = this.scan(request, columns, planned.plans, start, toFind, this.found);
    if (failed !== undefined) return failed;
    if (toFind < n) this.nextStartIndex = (start + this.found.evaluated) % n;
    return undefined;
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
   * The hot loop, over the columns. Per worker, only its shape plan's filters are called; the shape's
   * verdict applies when they all pass. Nothing follows the loop but its return: code after a long
   * loop got no type feedback when V8 optimized the loop on the stack, and deoptimized this function
   * on every call.
   */
  private scan(
    request: PlacementRequest,
    columns: WorkerColumns,
    plans: readonly (ShapePlan | undefined)[],
    start: number,
    toFind: number,
    found: Found,
  ): Failure | undefined {
    const { outcome, counts, positions } = found;
    const shapeIndex = columns.shapeIndex;
    const n = columns.size;
    let numFeasible = 0;
    let evaluated = 0;
    let at = -1;
    let k = 0;
    let i = -1;
    let plan: ShapePlan | undefined;
    try {
      while (evaluated < n) {
        i = start + evaluated < n ? start + evaluated : start + evaluated - n;
        evaluated++;
        found.evaluated = evaluated;
        plan = plans[shapeIndex[i]!]!;
        const filters = plan.filters;
        let verdict: FilterVerdict = SUCCESS;
        at = -1;
        for (k = 0; k < filters.length; k++) {
          verdict = filters[k]!.filter(request, columns, i);
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
            return failure(this.filters[at]!.name, columns.worker(i).id, new Error(`gave reason ${verdict.reason}, which it does not declare`));
          }
          outcome[i] = REJECTED + code;
          counts[code]!++;
        } else {
          return failure(this.filters[at]!.name, columns.worker(i).id, verdict.cause);
        }
      }
      return undefined;
    } catch (err: unknown) {
      return failure(plan?.filters[k]?.name ?? 'WorkerStatus', i >= 0 ? columns.worker(i).id : undefined, err);
    }
  }

  /** Each scorer once over the m feasible workers, into this.scoreColumns; checks every score and sums them into this.totals. */
  private scoreWorkers(request: PlacementRequest, columns: WorkerColumns, m: number): Failure | undefined {
    const positions = this.found.positions;
    if (this.totals.length < m) this.totals = new Float64Array(Math.max(m, 2 * this.totals.length));
    const totals = this.totals;
    totals.fill(0, 0, m);
    for (let s = 0; s < this.scorers.length; s++) {
      const weight = this.weights[s]!;
      let out = this.scoreColumns[s]!;
      if (out.length < m) out = this.scoreColumns[s] = new Float64Array(Math.max(m, 2 * out.length));
      out.fill(-1, 0, m); // unwritten scores fail the check below
      try {
        this.scorers[s]!.score(request, columns, positions, m, out);
      } catch (err: unknown) {
        return failure(this.scorerNames[s]!, undefined, err);
      }
      for (let j = 0; j < m; j++) {
        const score = out[j]!;
        if (!(score >= 0 && score <= 100 && Math.floor(score) === score)) {
          const workerId = columns.worker(positions[j]!).id;
          const what = score === -1 ? 'gave no score' : `score ${score} is not an integer in 0..100`;
          return failure(this.scorerNames[s]!, workerId, new RangeError(what));
        }
        totals[j] = totals[j]! + weight * score;
      }
    }
    return undefined;
  }

  /**
   * The best feasible workers into this.top, best first; returns how many (at most SCORED_KEPT). Totals
   * are exact integer sums; equal totals go to the smallest id in byte order (by rank: no string compare).
   */
  private selectBest(columns: WorkerColumns, m: number): number {
    const { top, topRanks, totals } = this;
    const sums = this.topSums;
    const positions = this.found.positions;
    const ranks = columns.idRanks();
    let kept = 0;
    for (let j = 0; j < m; j++) {
      const sum = totals[j]!;
      const rank = ranks[positions[j]!]!;
      // Insertion into the short sorted list, from its end.
      let k = kept < SCORED_KEPT ? kept : SCORED_KEPT - 1;
      if (kept === SCORED_KEPT && !(sum > sums[k]! || (sum === sums[k]! && rank < topRanks[k]!))) continue;
      while (k > 0 && (sum > sums[k - 1]! || (sum === sums[k - 1]! && rank < topRanks[k - 1]!))) {
        sums[k] = sums[k - 1]!;
        topRanks[k] = topRanks[k - 1]!;
        top[k] = top[k - 1]!;
        k--;
      }
      sums[k] = sum;
      topRanks[k] = rank;
      top[k] = j;
      if (kept < SCORED_KEPT) kept++;
    }
    return kept;
  }

  private numFeasibleToFind(n: number): number {
    if (this.percentage >= 100 || n < MIN_FEASIBLE_TO_FIND) return n;
    return Math.max(MIN_FEASIBLE_TO_FIND, Math.floor((n * this.percentage) / 100));
  }

  /** Feasible worker j of the current decision, with its scores. */
  private workerScore(ids: readonly string[], j: number): WorkerScore {
    const scores: Partial<Record<ScorePluginName, number>> = {};
    let sum = 0;
    for (let s = 0; s < this.scorers.length; s++) {
      const score = this.scoreColumns[s]![j]!;
      scores[this.scorerNames[s]!] = score;
      sum += this.weights[s]! * score;
    }
    return { workerId: ids[this.found.positions[j]!]!, total: sum / this.weightSum, scores };
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

function failure(plugin: PluginName, workerId: string | undefined, cause: unknown): Failure {
  return { failed: true, plugin, workerId, cause };
}

function errorDecision(base: { instanceId: string; placer: string; numWorkers: number }, f: Failure): ErrorDecision {
  const what = f.cause instanceof Error ? f.cause.message : String(f.cause);
  const where = f.workerId === undefined ? '' : ` on worker ${f.workerId}`;
  return { ...base, result: 'error', plugin: f.plugin, workerId: f.workerId, cause: f.cause, message: `plugin ${f.plugin} failed${where}: ${what}` };
}



