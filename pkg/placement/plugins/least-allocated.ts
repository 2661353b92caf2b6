// Scorer LeastAllocated, for the `spread` placer: 100 - BinPacking, so emptier workers win and load
// spreads out. Not part of the contract's default placer.
import type { PlacementRequest, ScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { WorkerInfo } from '../snapshot';
import { BinPackingScorer } from './bin-packing';

export const LEAST_ALLOCATED = 'LeastAllocated' satisfies ScorePluginName;

export class LeastAllocatedScorer implements ScorePlugin {
  readonly name = LEAST_ALLOCATED;
  private readonly packing = new BinPackingScorer();

  score(request: PlacementRequest, feasible: readonly WorkerInfo[]): Uint8Array {
    const out = this.packing.score(request, feasible);
    for (let j = 0; j < out.length; j++) out[j] = 100 - out[j]!;
    return out;
  }
}
