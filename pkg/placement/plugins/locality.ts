// Scorer Locality (contract §3): 100 when the instance's preferredRegion equals the worker's region,
// else 0 (also when either is absent). The region is part of the worker's shape, so the engine scores
// it once per shape and decision, and per worker only looks it up.
import type { PlacementRequest, ShapeScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerShape } from '../snapshot';

export const LOCALITY = 'Locality' satisfies ScorePluginName;

export function localityScore(preferredRegion: string | undefined, region: string | undefined): number {
  return preferredRegion !== undefined && preferredRegion === region ? 100 : 0;
}

export class LocalityScorer implements ShapeScorePlugin {
  readonly scope = 'shape';
  readonly name = LOCALITY;

  scoreShape(request: PlacementRequest, shape: WorkerShape): number {
    return localityScore(request.instance.preferredRegion, shape.region);
  }
}

export const locality: PluginFactory = { kind: 'scorer', name: LOCALITY, make: () => new LocalityScorer() };
