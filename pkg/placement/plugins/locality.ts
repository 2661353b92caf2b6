// Scorer Locality (contract §3): 100 when the instance's preferredRegion equals the worker's region,
// else 0 (also when either is absent).
import type { PlacementRequest, ScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { WorkerInfo } from '../snapshot';

export const LOCALITY = 'Locality' satisfies ScorePluginName;

export function localityScore(preferredRegion: string | undefined, region: string | undefined): number {
  return preferredRegion !== undefined && preferredRegion === region ? 100 : 0;
}

export class LocalityScorer implements ScorePlugin {
  readonly name = LOCALITY;

  score(request: PlacementRequest, feasible: readonly WorkerInfo[]): Uint8Array {
    const preferred = request.instance.preferredRegion;
    const out = new Uint8Array(feasible.length);
    if (preferred === undefined) return out;
    for (let j = 0; j < feasible.length; j++) out[j] = localityScore(preferred, feasible[j]!.worker.region);
    return out;
  }
}
