// Every instance and worker under PREFIX/ in etcd now, decoded: what e2e tests check placements
// against (phases, held workers, over-commitment), read straight from etcd.
import { decode, holdsCapacity } from '../../pkg/objects';
import type { Store } from '../../pkg/store';
import type { FleetState } from './scheduler-fixture';

type InstanceState = FleetState['instances'] extends ReadonlyMap<string, infer V> ? V : never;
type WorkerState = FleetState['workers'] extends ReadonlyMap<string, infer V> ? V : never;

export async function readFleetState(store: Store, prefix: string): Promise<FleetState> {
  const listed = await store.list(`${prefix}/`);
  const instances = new Map<string, InstanceState>();
  const workers = new Map<string, WorkerState>();
  for (const kv of listed.kvs) {
    const d = decode(prefix, kv.key, kv.value);
    if (d.type === 'instance') {
      const r = d.instance.requirements.resources;
      instances.set(d.instance.id, { phase: d.instance.phase, workerId: d.instance.workerId, cpuMilli: r.cpuMilli, memoryMilli: r.memoryMilli, storageMilli: r.storageMilli, holds: holdsCapacity(d.instance) });
    } else if (d.type === 'worker') {
      const c = d.worker.capacity;
      workers.set(d.worker.id, { status: d.worker.status, license: d.worker.license, cpuMilli: c.cpuMilli, memoryMilli: c.memoryMilli, storageMilli: c.storageMilli });
    }
  }
  return { instances, workers };
}
