// Scorer Locality (contract §3): 100 when the instance's preferredRegion equals the worker's region,
// else 0 (also when either is absent). The region is part of the worker's shape, so the comparison
// runs once per shape and decision, and per worker only an array lookup.
import type { PlacementRequest, ScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { WorkerColumns } from '../worker-table';

export const LOCALITY = 'Locality' satisfies ScorePluginName;
const NOT_SEEN = 255;

export function localityScore(preferredRegion: string | undefined, region: string | undefined): number {
  return preferredRegion !== undefined && preferredRegion === region ? 100 : 0;
}

export class LocalityScorer implements ScorePlugin {
  readonly name = LOCALITY;

  private byShape = new Uint8Array(0);

  score(request: PlacementRequest, workers: WorkerColumns, positions: Int32Array, count: number, out: Float64Array): void {
    const preferred = request.instance.preferredRegion;
    const shapes = workers.shapeIndex;
    // Score per shape slot, from a worker of that shape (slots are few); then one lookup per worker.
    let byShape = this.byShape;
    byShape.fill(NOT_SEEN);
    for (let j = 0; j < count; j++) {
      const at = positions[j]!;
      const slot = shapes[at]!;
      if (slot >= byShape.length) {
        const grown = new Uint8Array(Math.max(2 * byShape.length, slot + 1)).fill(NOT_SEEN);
        grown.set(byShape);
        byShape = this.byShape = grown;
      }
      if (byShape[slot] === NOT_SEEN) byShape[slot] = localityScore(preferred, workers.worker(at).region);
      out[j] = byShape[slot]!;
    }
  }
}
