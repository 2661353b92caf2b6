// The engine's scoring step, by the scope each scorer declares (framework.ts): 'row' scores are taken
// when a row's entry is computed and kept with it (row-memo.ts), weighted and summed; 'shape' scores
// once per live shape per decision; a 'feasible' score in one call per decision. A feasible worker's
// total is its row sum, plus its shape's sum, plus the feasible scores, weighted (weights in
// millionths, so totals are exact integers). An unusable score (a throw, a value that is not an
// integer 0..100, one left unwritten) marks the decision; only then is the failure looked up, scorer
// by scorer in the placer's order, so the decision names the same plugin and worker however the
// scores were reused.
import type { Evaluation, Failure } from './evaluation';
import type { FeasibleScorePlugin, PlacementRequest, RowScorePlugin, ScorePlugin, ShapeScorePlugin } from './framework';
import type { KindEntries } from './row-memo';
import type { WorkerShape } from './snapshot';
import type { WorkerColumns } from './worker-table';

const NOT_SEEN = -1;

export class Scoring {
  /** Per scorer: its index among the scorers of its scope. */
  private readonly indexInScope: readonly number[];
  private readonly rowScorers: readonly RowScorePlugin[];
  private readonly rowWeights: Float64Array;
  private readonly shapeScorers: readonly ShapeScorePlugin[];
  private readonly shapeWeights: Float64Array;
  private readonly feasibleScorers: readonly FeasibleScorePlugin[];
  private readonly feasibleWeights: Float64Array;
  /** Per feasible scorer: its scores of this decision's feasible workers, and what it threw. */
  private readonly feasibleOut: Float64Array[];
  private readonly threw: boolean[];
  private readonly thrown: unknown[];
  /** Per live shape of this decision: the shape scorers' scores at [s x slotStride + slot], their weighted sum. */
  private shapeScores = new Float64Array(0);
  private shapeTotal = new Float64Array(0);
  private shapeSeen = new Float64Array(0);
  private slotStride = 0;
  private decision = 0;
  /** The decision being scanned (begin): what base() reads, and whether every base was usable. */
  private request: PlacementRequest | undefined;
  private slots: readonly (WorkerShape | undefined)[] = [];
  private usable = true;
  /** What scoreOf reads: the last scored decision's kind entries and feasible positions. */
  private kind: KindEntries | undefined;
  private positions: Int32Array = new Int32Array(0);
  private shapeIndex: Int32Array = new Int32Array(0);

  /** weights: one per scorer, integer millionths. */
  constructor(private readonly scorers: readonly ScorePlugin[], weights: readonly number[]) {
    const of = <S extends ScorePlugin['scope']>(scope: S): number[] => scorers.flatMap((s, k) => (s.scope === scope ? [k] : []));
    const rows = of('row');
    const shapes = of('shape');
    const feasible = of('feasible');
    this.indexInScope = scorers.map((_, k) => [rows, shapes, feasible].find((list) => list.includes(k))!.indexOf(k));
    this.rowScorers = rows.map((k) => scorers[k] as RowScorePlugin);
    this.rowWeights = Float64Array.from(rows, (k) => weights[k]!);
    this.shapeScorers = shapes.map((k) => scorers[k] as ShapeScorePlugin);
    this.shapeWeights = Float64Array.from(shapes, (k) => weights[k]!);
    this.feasibleScorers = feasible.map((k) => scorers[k] as FeasibleScorePlugin);
    this.feasibleWeights = Float64Array.from(feasible, (k) => weights[k]!);
    this.feasibleOut = feasible.map(() => new Float64Array(0));
    this.threw = feasible.map(() => false);
    this.thrown = feasible.map(() => undefined);
  }

  /** The number of 'row' scorers (slots of a kind's scores). */
  get numRowScorers(): number {
    return this.rowScorers.length;
  }

  /** The 'row' scorers on row i into kind.scores, their weighted sum into kind.partial (NaN when one fails). */
  scoreRow(request: PlacementRequest, columns: WorkerColumns, kind: KindEntries, i: number): void {
    kind.partial[i] = weighted(this.rowWeights, (r) => this.rowScorers[r]!.scoreRow(request, columns, i), kind.scores, kind.stride, i);
  }

  /** Before a decision's scan, which takes each feasible worker's base (below) as it finds it. */
  begin(request: PlacementRequest, columns: WorkerColumns, slots: readonly (WorkerShape | undefined)[], kind: KindEntries, e: Evaluation): void {
    this.request = request;
    this.slots = slots;
    this.kind = kind;
    this.positions = e.positions;
    this.shapeIndex = columns.shapeIndex;
    e.prepareTotals(columns.size);
    this.prepareShapes(slots.length);
    this.decision++;
    this.usable = true;
  }

  /** The start of feasible row i's total: its 'row' sum and its shape's sum (shapes scored on first use). */
  base(i: number, slot: number): number {
    if (this.shapeSeen[slot] !== this.decision) this.scoreShape(this.request!, this.slots[slot]!, slot, this.decision);
    const total = this.kind!.partial[i]! + this.shapeTotal[slot]!;
    if (Number.isNaN(total)) this.usable = false;
    return total;
  }

  /** After the scan: the 'feasible' scores added to e.totals; the first failure, if any. */
  score(request: PlacementRequest, columns: WorkerColumns, slots: readonly (WorkerShape | undefined)[], e: Evaluation): Failure | undefined {
    const m = e.numFeasible;
    if (m === 0) return undefined;
    let usable = this.usable;
    for (let f = 0; f < this.feasibleScorers.length; f++) usable = this.addFeasible(f, request, columns, e.positions, m, e.totals) && usable;
    return usable ? undefined : this.firstFailure(request, columns, slots, m);
  }

  /** Scorer s's score of feasible worker j of the last scored decision. */
  scoreOf(s: number, j: number): number {
    const k = this.indexInScope[s]!;
    const scope = this.scorers[s]!.scope;
    const i = this.positions[j]!;
    if (scope === 'row') return this.kind!.scores[k * this.kind!.stride + i]!;
    if (scope === 'shape') return this.shapeScores[k * this.slotStride + this.shapeIndex[i]!]!;
    return this.feasibleOut[k]![j]!;
  }

  private prepareShapes(numSlots: number): void {
    if (this.slotStride >= numSlots) return;
    this.slotStride = Math.max(numSlots, 2 * this.slotStride, 16);
    this.shapeScores = new Float64Array(this.shapeScorers.length * this.slotStride);
    this.shapeTotal = new Float64Array(this.slotStride);
    this.shapeSeen = new Float64Array(this.slotStride);
  }

  private scoreShape(request: PlacementRequest, shape: WorkerShape, slot: number, decision: number): void {
    this.shapeTotal[slot] = weighted(this.shapeWeights, (s) => this.shapeScorers[s]!.scoreShape(request, shape), this.shapeScores, this.slotStride, slot);
    this.shapeSeen[slot] = decision;
  }

  /** Feasible scorer f's weighted scores added to the totals; false when one is unusable. */
  private addFeasible(f: number, request: PlacementRequest, columns: WorkerColumns, positions: Int32Array, m: number, totals: Float64Array): boolean {
    if (this.feasibleOut[f]!.length < m) this.feasibleOut[f] = new Float64Array(Math.max(m, 2 * this.feasibleOut[f]!.length));
    const out = this.feasibleOut[f]!;
    out.fill(NOT_SEEN, 0, m); // an unwritten score fails the check below
    this.threw[f] = false;
    try {
      this.feasibleScorers[f]!.score(request, columns, positions, m, out);
    } catch (err: unknown) {
      this.threw[f] = true;
      this.thrown[f] = err;
      return false;
    }
    const weight = this.feasibleWeights[f]!;
    let usable = true;
    for (let j = 0; j < m; j++) {
      const score = out[j]!;
      usable &&= isScore(score);
      totals[j] = totals[j]! + weight * score;
    }
    return usable;
  }

  /**
   * The failure a decision reports: the first scorer in the placer's order with an unusable score, on
   * the first feasible worker it failed on (no worker when the scorer threw). Called only when a
   * score was unusable; scores are pure, so the failing call is repeated to learn what went wrong.
   */
  private firstFailure(request: PlacementRequest, columns: WorkerColumns, slots: readonly (WorkerShape | undefined)[], m: number): Failure | undefined {
    for (let s = 0; s < this.scorers.length; s++) {
      const scorer = this.scorers[s]!;
      if (scorer.scope === 'feasible' && this.threw[this.indexInScope[s]!]!) {
        return { plugin: scorer.name, workerId: undefined, cause: this.thrown[this.indexInScope[s]!] };
      }
      for (let j = 0; j < m; j++) {
        if (isScore(this.scoreOf(s, j))) continue;
        const i = this.positions[j]!;
        let score: number;
        try {
          if (scorer.scope === 'feasible') score = this.feasibleOut[this.indexInScope[s]!]![j]!;
          else if (scorer.scope === 'row') score = scorer.scoreRow(request, columns, i);
          else score = scorer.scoreShape(request, slots[this.shapeIndex[i]!]!);
        } catch (err: unknown) {
          return { plugin: scorer.name, workerId: undefined, cause: err };
        }
        const what = score === NOT_SEEN ? 'gave no score' : `score ${score} is not an integer in 0..100`;
        return { plugin: scorer.name, workerId: columns.worker(i).id, cause: new RangeError(what) };
      }
    }
    return undefined;
  }
}

/**
 * Each scorer's score (NaN when it throws or is not a score) into out[s x stride + at], and their
 * weighted sum (NaN when one is).
 */
function weighted(weights: Float64Array, score: (s: number) => number, out: Float64Array, stride: number, at: number): number {
  let sum = 0;
  for (let s = 0; s < weights.length; s++) {
    let value: number;
    try {
      value = score(s);
    } catch {
      value = Number.NaN;
    }
    if (!isScore(value)) value = Number.NaN;
    out[s * stride + at] = value;
    sum += weights[s]! * value;
  }
  return sum;
}

function isScore(x: number): boolean {
  return x >= 0 && x <= 100 && Math.floor(x) === x;
}
