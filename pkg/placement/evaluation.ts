// What the engine (runner.ts) fills in during one decision, and the Decision made from it: the one
// implementation of reason counting, top-K selection, scan windows and decision assembly. The buffers are kept across decisions, so a decision over 10,000 workers
// allocates next to nothing; the Decision copies out only what it keeps.
import type { LabletInstance } from '../objects';
import type { Decision, DecisionRecord, ErrorDecision, ReasonCounts, WorkerScore, WorkerVerdict } from './decision';
import { listVerdicts, memo, noFitMessage, NOT_EVALUATED, orderedReasons, REJECTED, SCORED_KEPT } from './decision';
import type { FilterPlugin } from './framework';
import type { FilterPluginName, FilterReason, PluginName, ScorePluginName } from './names';
import { MAX_REASONS, reasonAt, reasonCode, reasonCount } from './names';
import type { PlaceOptions } from './placer';
import type { Snapshot } from './snapshot';

const WEIGHT_SCALE = 1_000_000;
const MAX_WEIGHT = 1_000_000;
/** kube-scheduler's floor on workers to find before stopping early. */
const MIN_FEASIBLE_TO_FIND = 100;

/** A plugin that failed, and on which worker: the decision becomes an error, never a reason. */
export interface Failure {
  readonly plugin: PluginName;
  readonly workerId: string | undefined;
  readonly cause: unknown;
}

export interface DecisionBase {
  readonly instanceId: string;
  readonly placer: string;
  readonly numWorkers: number;
}

/** A weight of the ConfigMap in integer millionths, so totals are exact integer sums. */
export function toMillionths(plugin: ScorePluginName, weight: number): number {
  if (!(Number.isFinite(weight) && weight >= 0 && weight <= MAX_WEIGHT)) {
    throw new Error(`placement.weights: the weight of ${plugin} must be a number in [0, ${MAX_WEIGHT}] (got ${weight})`);
  }
  return Math.round(weight * WEIGHT_SCALE);
}

/** Reason code -> index of the filter that declares it (-1 for none); throws on a shared reason. */
export function reasonOwners(filters: readonly FilterPlugin[]): Int16Array {
  const owners = new Int16Array(MAX_REASONS).fill(-1);
  filters.forEach((filter, index) => {
    for (const reason of filter.reasons) {
      const code = reasonCode(reason);
      if (owners[code] !== -1) throw new Error(`filter ${filter.name}: reason ${reason} already belongs to another filter`);
      owners[code] = index;
    }
  });
  return owners;
}

export function errorDecision(base: DecisionBase, f: Failure): ErrorDecision {
  const what = f.cause instanceof Error ? f.cause.message : String(f.cause);
  const where = f.workerId === undefined ? '' : ` on worker ${f.workerId}`;
  return { ...base, result: 'error', plugin: f.plugin, workerId: f.workerId, cause: f.cause, message: `plugin ${f.plugin} failed${where}: ${what}` };
}

/**
 * Where a scan starts and how many feasible workers it looks for. With percentageOfWorkersToScore =
 * 100 every worker, from the first; below, max(100, n x percent / 100), starting where the previous
 * decision stopped (as kube-scheduler does).
 */
export class ScanWindow {
  private nextStart = 0;

  constructor(private readonly percentage: number) {
    if (!(Number.isFinite(percentage) && percentage > 0 && percentage <= 100)) {
      throw new Error(`placement.percentageOfWorkersToScore: must be in (0, 100] (got ${percentage})`);
    }
  }

  toFind(n: number): number {
    if (this.percentage >= 100 || n < MIN_FEASIBLE_TO_FIND) return n;
    return Math.max(MIN_FEASIBLE_TO_FIND, Math.floor((n * this.percentage) / 100));
  }

  start(n: number, toFind: number): number {
    return toFind < n ? this.nextStart % n : 0;
  }

  /** After a scan of n workers that began at start and evaluated `evaluated`. */
  stopped(n: number, toFind: number, start: number, evaluated: number): void {
    if (toFind < n) this.nextStart = (start + evaluated) % n;
  }
}

export class Evaluation {
  /** Per worker position: NOT_EVALUATED, FEASIBLE or REJECTED + reason index. */
  outcome = new Uint8Array(0);
  /** Per shape slot: the reason code its rows were all counted under without a visit, or -1. */
  bulkCode = new Int32Array(0);
  /** Rejections per reason code. */
  readonly counts: number[] = new Array<number>(MAX_REASONS).fill(0);
  /** Positions of the feasible workers, in scan order (the first numFeasible). */
  positions = new Int32Array(0);
  numFeasible = 0;
  /** Workers the filters ran on. */
  evaluated = 0;
  /** Weighted total of feasible worker j at [j]: exact integers (weights in millionths). */
  totals = new Float64Array(0);
  private readonly weightSum: number;
  /** The best feasible workers (indices j), best first, with their totals and id ranks. */
  private readonly top = new Int32Array(SCORED_KEPT);
  private readonly topTotals = new Float64Array(SCORED_KEPT);
  private readonly topRanks = new Int32Array(SCORED_KEPT);

  constructor(
    private readonly scorerNames: readonly ScorePluginName[],
    /** Integer millionths, one per scorer (only their sum is kept: totals are divided by it). */
    weights: readonly number[],
    private readonly pluginOfReason: (code: number) => FilterPluginName,
  ) {
    this.weightSum = weights.reduce((a, b) => a + b, 0);
    if (this.weightSum <= 0) throw new Error('placement.weights: the weights must sum to more than 0');
  }

  /** Before a scan of n workers in numSlots shape slots. */
  reset(n: number, numSlots: number): void {
    if (this.bulkCode.length < numSlots) this.bulkCode = new Int32Array(Math.max(numSlots, 2 * this.bulkCode.length));
    this.bulkCode.fill(-1, 0, numSlots);
    if (this.outcome.length < n) {
      const size = Math.max(n, 2 * this.outcome.length);
      this.outcome = new Uint8Array(size);
      this.positions = new Int32Array(size);
    }
    this.outcome.fill(0, 0, n);
    this.counts.fill(0, 0, reasonCount());
    this.numFeasible = 0;
    this.evaluated = 0;
  }

  /** Room in totals for m feasible workers. */
  prepareTotals(m: number): void {
    if (this.totals.length < m) this.totals = new Float64Array(Math.max(m, 2 * this.totals.length));
  }

  /**
   * The decision from a finished scan (and, with feasible workers, finished scoring); scoreOf(s, j)
   * is scorer s's score of feasible worker j.
   */
  decide(instance: LabletInstance, placer: string, snapshot: Snapshot, options: PlaceOptions, scoreOf: (s: number, j: number) => number): Decision {
    const n = snapshot.size;
    const base = { instanceId: instance.id, placer, numWorkers: n };
    const reasons = this.reasons();
    const m = this.numFeasible;
    const ids = snapshot.workerIds();
    if (m === 0) {
      const record = this.record(ids, snapshot);
      const verdicts = memo(() => listVerdicts(record, this.pluginOfReason, undefined));
      return { ...base, result: 'unschedulable', message: noFitMessage(n, reasons), reasons, verdicts };
    }
    const kept = this.selectBest(snapshot.columns().idRanks());
    // The runners-up as numbers now (the buffers are reused), as objects only if someone asks.
    const winner = this.workerScore(ids, this.top[0]!, scoreOf);
    const numScores = this.scorerNames.length;
    const keptIds: string[] = [];
    const keptTotals = new Float64Array(kept);
    const keptScores = new Float64Array(kept * numScores);
    for (let k = 1; k < kept; k++) {
      const j = this.top[k]!;
      keptIds[k] = ids[this.positions[j]!]!;
      keptTotals[k] = this.totals[j]! / this.weightSum;
      for (let s = 0; s < numScores; s++) keptScores[k * numScores + s] = scoreOf(s, j);
    }
    const best = memo(() => [
      winner,
      ...Array.from({ length: kept - 1 }, (_, k) => this.scoresOf(keptIds[k + 1]!, keptTotals[k + 1]!, (s) => keptScores[(k + 1) * numScores + s]!)),
    ]);
    let verdicts: (() => readonly WorkerVerdict[]) | undefined;
    if (options.keepVerdicts === true) {
      const record = this.record(ids, snapshot);
      const all = Array.from({ length: m }, (_, j) => this.workerScore(ids, j, scoreOf));
      verdicts = memo(() => listVerdicts(record, this.pluginOfReason, (j) => all[j]!));
    }
    return {
      ...base,
      result: 'scheduled',
      workerId: winner.workerId,
      score: winner,
      numEvaluated: this.evaluated,
      numFeasible: m,
      reasons,
      scored: best,
      verdicts,
    };
  }

  /** A copy of what the lazy verdict list needs, pinning nothing live; rows counted by slot get their outcome here. */
  private record(ids: readonly string[], snapshot: Snapshot): DecisionRecord {
    const { shapeIndex, size: n } = snapshot.columns();
    const { outcome, bulkCode } = this;
    for (let i = 0; i < n; i++) {
      if (outcome[i] === NOT_EVALUATED && bulkCode[shapeIndex[i]!]! >= 0) outcome[i] = REJECTED + bulkCode[shapeIndex[i]!]!;
    }
    return { ids, outcome: outcome.slice(0, n), positions: this.positions.slice(0, this.numFeasible) };
  }

  private reasons(): ReasonCounts {
    const out: Record<FilterReason, number> = {};
    for (let code = 0; code < reasonCount(); code++) {
      const count = this.counts[code]!;
      if (count > 0) out[reasonAt(code)] = count;
    }
    return orderedReasons(out);
  }

  /**
   * The best feasible workers into this.top, best first; returns how many (at most SCORED_KEPT).
   * Equal totals go to the smallest id in byte order, compared by rank: no string compare per worker.
   */
  private selectBest(ranks: Int32Array): number {
    const { top, topRanks, totals, positions } = this;
    const topTotals = this.topTotals;
    const m = this.numFeasible;
    let kept = 0;
    for (let j = 0; j < m; j++) {
      const total = totals[j]!;
      const rank = ranks[positions[j]!]!;
      // Insertion into the short sorted list, from its end.
      let k = kept < SCORED_KEPT ? kept : SCORED_KEPT - 1;
      if (kept === SCORED_KEPT && !(total > topTotals[k]! || (total === topTotals[k]! && rank < topRanks[k]!))) continue;
      while (k > 0 && (total > topTotals[k - 1]! || (total === topTotals[k - 1]! && rank < topRanks[k - 1]!))) {
        topTotals[k] = topTotals[k - 1]!;
        topRanks[k] = topRanks[k - 1]!;
        top[k] = top[k - 1]!;
        k--;
      }
      topTotals[k] = total;
      topRanks[k] = rank;
      top[k] = j;
      if (kept < SCORED_KEPT) kept++;
    }
    return kept;
  }

  /** Feasible worker j of this decision, with its scores. */
  private workerScore(ids: readonly string[], j: number, scoreOf: (s: number, j: number) => number): WorkerScore {
    return this.scoresOf(ids[this.positions[j]!]!, this.totals[j]! / this.weightSum, (s) => scoreOf(s, j));
  }

  private scoresOf(workerId: string, total: number, scoreOf: (s: number) => number): WorkerScore {
    const scores: Record<ScorePluginName, number> = {};
    for (let s = 0; s < this.scorerNames.length; s++) scores[this.scorerNames[s]!] = scoreOf(s);
    return { workerId, total, scores };
  }
}
