// The engine's scoring step: each scorer once over the feasible workers of a decision, by the scope it
// declares (framework.ts): a 'shape' score once per live shape, a 'row' score kept per worker row
// across decisions (RowMemo), a 'feasible' score in one call. Every score is checked (an integer
// 0..100) when it is computed, and summed, weighted, into the totals (weights in millionths, so the
// totals are exact integers).
import type { Failure } from './evaluation';
import type { Evaluation } from './evaluation';
import type { PlacementRequest, ScorePlugin } from './framework';
import type { RowEntries } from './row-memo';
import type { WorkerShape } from './snapshot';
import type { WorkerColumns } from './worker-table';

const NOT_SEEN = -1;

export class Scoring {
  private byShape = new Float64Array(0);

  /** rowSlots[s]: the RowMemo slot of scorer s when it is a 'row' scorer, else -1. */
  constructor(
    private readonly scorers: readonly ScorePlugin[],
    private readonly rowSlots: readonly number[],
  ) {}

  /** Scores of the evaluation's feasible workers into e.scores, weighted sums into e.totals. */
  score(
    request: PlacementRequest,
    columns: WorkerColumns,
    slots: readonly (WorkerShape | undefined)[],
    rows: RowEntries,
    e: Evaluation,
  ): Failure | undefined {
    const m = e.numFeasible;
    if (m === 0) return undefined;
    e.prepareScores(m);
    const { positions, totals } = e;
    for (let s = 0; s < this.scorers.length; s++) {
      const scorer = this.scorers[s]!;
      const out = e.scores[s]!;
      let failed: Failure | undefined;
      try {
        if (scorer.scope === 'feasible') failed = this.feasible(scorer.name, () => scorer.score(request, columns, positions, m, out), columns, positions, m, out);
        else if (scorer.scope === 'row') failed = this.rows(request, columns, rows, this.rowSlots[s]!, scorer.scoreRow.bind(scorer), positions, m, out);
        else failed = this.shapes(request, columns, slots, scorer.scoreShape.bind(scorer), positions, m, out);
      } catch (err: unknown) {
        failed = { plugin: scorer.name, workerId: undefined, cause: err };
      }
      if (failed !== undefined) return { ...failed, plugin: scorer.name };
      const weight = e.weights[s]!;
      for (let j = 0; j < m; j++) totals[j] = totals[j]! + weight * out[j]!;
    }
    return undefined;
  }

  private feasible(name: string, run: () => void, columns: WorkerColumns, positions: Int32Array, m: number, out: Float64Array): Failure | undefined {
    out.fill(NOT_SEEN, 0, m); // an unwritten score fails the check below
    run();
    for (let j = 0; j < m; j++) {
      if (!isScore(out[j]!)) return badScore(name, columns, positions[j]!, out[j]!);
    }
    return undefined;
  }

  private rows(
    request: PlacementRequest,
    columns: WorkerColumns,
    rows: RowEntries,
    slot: number,
    scoreRow: (request: PlacementRequest, workers: WorkerColumns, position: number) => number,
    positions: Int32Array,
    m: number,
    out: Float64Array,
  ): Failure | undefined {
    const { seenAt, value } = rows;
    const revision = columns.revision;
    const base = slot * rows.stride;
    for (let j = 0; j < m; j++) {
      const i = positions[j]!;
      const o = base + i;
      if (seenAt[o] !== revision[i]) {
        const score = scoreRow(request, columns, i);
        if (!isScore(score)) return badScore('', columns, i, score);
        value[o] = score;
        seenAt[o] = revision[i]!;
      }
      out[j] = value[o]!;
    }
    return undefined;
  }

  private shapes(
    request: PlacementRequest,
    columns: WorkerColumns,
    slots: readonly (WorkerShape | undefined)[],
    scoreShape: (request: PlacementRequest, shape: WorkerShape) => number,
    positions: Int32Array,
    m: number,
    out: Float64Array,
  ): Failure | undefined {
    if (this.byShape.length < slots.length) this.byShape = new Float64Array(Math.max(slots.length, 2 * this.byShape.length));
    const byShape = this.byShape;
    byShape.fill(NOT_SEEN, 0, slots.length);
    const shapeIndex = columns.shapeIndex;
    for (let j = 0; j < m; j++) {
      const i = positions[j]!;
      const slot = shapeIndex[i]!;
      if (byShape[slot] === NOT_SEEN) {
        const score = scoreShape(request, slots[slot]!);
        if (!isScore(score)) return badScore('', columns, i, score);
        byShape[slot] = score;
      }
      out[j] = byShape[slot]!;
    }
    return undefined;
  }
}

function isScore(x: number): boolean {
  return x >= 0 && x <= 100 && Math.floor(x) === x;
}

/** The plugin name is stamped by the caller. */
function badScore(plugin: string, columns: WorkerColumns, position: number, score: number): Failure {
  const what = score === NOT_SEEN ? 'gave no score' : `score ${score} is not an integer in 0..100`;
  return { plugin, workerId: columns.worker(position).id, cause: new RangeError(what) };
}
