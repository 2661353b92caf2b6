// Scorer LeastAllocated, for the `spread` placer: 100 - BinPacking, so emptier workers win and load
// spreads out. Not part of the contract's default placer.
import type { PlacementRequest, ScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { WorkerColumns } from '../worker-table';
import { BinPackingScorer } from './bin-packing';

export const LEAST_ALLOCATED = 'LeastAllocated' satisfies ScorePluginName;

/** LeastAllocated from the BinPacking score of the same worker and request. */
export function leastAllocatedScore(binPacking: number): number {
  return 100 - binPacking;
}

export class LeastAllocatedScorer implements ScorePlugin {
  readonly name = LEAST_ALLOCATED;
  private readonly packing = new BinPackingScorer();

  score(request: PlacementRequest, workers: WorkerColumns, positions: Int32Array, count: number, out: Float64Array): void {
    this.packing.score(request, workers, positions, count, out);
    for (let j = 0; j < count; j++) out[j] = leastAllocatedScore(out[j]!);
  }
}
