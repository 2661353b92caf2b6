// Keeps the placement snapshot in step with the cache: workers as they come, change and go, and the
// observed layer of holders (contract §1: an instance holds capacity on workerId while its phase
// says so, also with the last good value kept for a malformed one). An instance that is no longer
// PENDING without a worker (held, finished, deleted) is settled: any assumption for it ends. While it
// still shows PENDING with no worker, an assumption stays (the write may be in flight).
import type { CachedInstance, CachedWorker, CacheListener } from '../../pkg/informer';
import { holdsCapacity, isPlaceable } from '../../pkg/objects';
import type { Snapshot } from '../../pkg/placement';

export class FleetSync implements CacheListener {
  constructor(
    private readonly snapshot: Snapshot,
    /** Told when the cache shows an instance out of the scheduler's hands. */
    private readonly onSettled: (instanceId: string) => void,
  ) {}

  onWorkerChange(id: string, _before: CachedWorker | undefined, after: CachedWorker | undefined): void {
    if (after === undefined) this.snapshot.removeWorker(id);
    else this.snapshot.upsertWorker(after.worker);
  }

  onInstanceChange(id: string, _before: CachedInstance | undefined, after: CachedInstance | undefined): void {
    const instance = after?.instance;
    if (instance?.workerId !== undefined && holdsCapacity(instance)) {
      this.snapshot.setHolder(id, instance.workerId, instance.requirements.resources);
    } else {
      this.snapshot.removeHolder(id);
    }
    if (instance === undefined || after?.isStale === true || !isPlaceable(instance)) this.onSettled(id);
  }
}
