// Test support for forked snapshots (fork.test.ts, fork.property.test.ts): a plain model of a fleet
// (workers and the two holder layers) with the snapshot's operations, generated operation
// sequences, the snapshot built from a model the short way, and what a snapshot shows from outside
// (its state and its decisions) as plain data for deep comparison. Not exported from the package.
import fc from 'fast-check';
import type { LabletInstance, License, Resources, Worker, WorkerStatus } from '../objects';
import { anInstance, aWorker } from '../objects/testing';
import type { Decision } from './decision';
import { compareIds } from './decision';
import type { Placer } from './placer';
import type { Holding } from './snapshot';
import { Snapshot } from './snapshot';
import type { World } from './testing';
import { IDS } from './testing';

export type Op =
  | { readonly kind: 'upsertWorker'; readonly worker: Worker }
  | { readonly kind: 'removeWorker'; readonly workerId: string }
  | { readonly kind: 'assume' | 'setHolder'; readonly instanceId: string; readonly workerId: string; readonly resources: Resources }
  | { readonly kind: 'forget' | 'removeHolder'; readonly instanceId: string };

/** A fleet as plain maps: what a snapshot is built from. */
export interface Fleet {
  readonly workers: Map<string, Worker>;
  readonly observed: Map<string, Holding>;
  readonly assumed: Map<string, Holding>;
}

const DECOY: Resources = { cpuMilli: 7000, memoryMilli: 1, storageMilli: 1, nodesMilli: 1, portsMilli: 1 };

/** The fleet that testing.ts's snapshotOf(world) ends with (decoys of observed holders stay as shadowed assumptions). */
export function fleetOf(world: World): Fleet {
  const fleet: Fleet = { workers: new Map(world.workers.map((w) => [w.id, w])), observed: new Map(), assumed: new Map() };
  for (const h of world.holders) {
    const holding = { workerId: h.workerId, resources: h.resources };
    if (h.layer === 'observed') {
      fleet.observed.set(h.instanceId, holding);
      if (h.decoyWorkerId !== undefined) fleet.assumed.set(h.instanceId, { workerId: h.decoyWorkerId, resources: DECOY });
    } else {
      fleet.assumed.set(h.instanceId, holding);
    }
  }
  return fleet;
}

export function copyFleet(f: Fleet): Fleet {
  return { workers: new Map(f.workers), observed: new Map(f.observed), assumed: new Map(f.assumed) };
}

/** Applies op to a snapshot or to a model fleet. */
export function apply(op: Op, to: Snapshot | Fleet): void {
  if (to instanceof Snapshot) {
    switch (op.kind) {
      case 'upsertWorker': return to.upsertWorker(op.worker);
      case 'removeWorker': return to.removeWorker(op.workerId);
      case 'assume': return to.assume(op.instanceId, op.workerId, op.resources);
      case 'setHolder': return to.setHolder(op.instanceId, op.workerId, op.resources);
      case 'forget': return to.forget(op.instanceId);
      case 'removeHolder': return to.removeHolder(op.instanceId);
    }
  }
  switch (op.kind) {
    case 'upsertWorker': to.workers.set(op.worker.id, op.worker); return;
    case 'removeWorker': to.workers.delete(op.workerId); return;
    case 'assume': to.assumed.set(op.instanceId, { workerId: op.workerId, resources: op.resources }); return;
    case 'setHolder': to.observed.set(op.instanceId, { workerId: op.workerId, resources: op.resources }); return;
    case 'forget': to.assumed.delete(op.instanceId); return;
    case 'removeHolder': to.observed.delete(op.instanceId); return;
  }
}

/** A snapshot built straight from a fleet: workers, then observed holders, then assumptions. */
export function freshSnapshot(f: Fleet): Snapshot {
  const s = new Snapshot();
  for (const w of f.workers.values()) s.upsertWorker(w);
  for (const [id, h] of f.observed) s.setHolder(id, h.workerId, h.resources);
  for (const [id, h] of f.assumed) s.assume(id, h.workerId, h.resources);
  return s;
}

/** Instance ids the operations use: the world's holders (h-0..) and new ones. */
export const INSTANCE_IDS = [...Array.from({ length: 14 }, (_, i) => `h-${i}`), 'n-0', 'n-1', 'n-2'];
const WORKER_IDS = [...IDS, 'w-new', 'w-gone'];

const resourcesArb = fc.record({ cpu: fc.constantFrom(0, 1, 2, 4, 9), memory: fc.constantFrom(0, 1, 8), nodes: fc.constantFrom(0, 2) })
  .map((r) => anInstance().withCpu(r.cpu).withMemory(r.memory).withStorage(1).withNodes(r.nodes).withPorts(0).build().requirements.resources);

const workerArb = fc.record({
  id: fc.constantFrom(...WORKER_IDS),
  status: fc.constantFrom<WorkerStatus>('RUNNING', 'RUNNING', 'RUNNING', 'DRAINING'),
  license: fc.constantFrom<License>('enterprise', 'enterprise', 'personal', 'none'),
  version: fc.constantFrom('2.9.1', '2.10.0'),
  cpu: fc.constantFrom(0, 4, 16, 32),
  memory: fc.constantFrom(8, 32, 64),
  region: fc.constantFrom<string | undefined>('us-east-1', 'eu-west-1'),
}).map((w) => aWorker(w.id).withStatus(w.status).withLicense(w.license).withCmlVersion(w.version).withCpu(w.cpu).withMemory(w.memory).withRegion(w.region).build());

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: workerArb.map((worker): Op => ({ kind: 'upsertWorker', worker })) },
  { weight: 1, arbitrary: fc.constantFrom(...WORKER_IDS).map((workerId): Op => ({ kind: 'removeWorker', workerId })) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constantFrom<'assume' | 'setHolder'>('assume', 'setHolder'), instanceId: fc.constantFrom(...INSTANCE_IDS), workerId: fc.constantFrom(...WORKER_IDS), resources: resourcesArb })
      .map((o): Op => o),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom<'forget' | 'removeHolder'>('forget', 'removeHolder'), instanceId: fc.constantFrom(...INSTANCE_IDS) }).map((o): Op => o) },
);

/** What a snapshot shows from outside, independent of the order of its columns. */
export function observe(s: Snapshot): unknown {
  const ids = [...s.workerIds()].sort(compareIds);
  return {
    size: s.size,
    assumedCount: s.assumedCount,
    workers: ids.map((id) => {
      const w = s.getWorker(id);
      return w === undefined ? id : { worker: w.worker, shape: w.shape.key, allocated: w.allocated, holders: w.holders };
    }),
    holders: INSTANCE_IDS.map((id) => s.holderOf(id)),
    shapes: s.shapeSlots().flatMap((x) => (x === undefined ? [] : [x.key])).sort(compareIds),
  };
}

/** Everything a snapshot exposes, columns in their order and revisions included: equal only if nothing changed. */
export function observeExactly(s: Snapshot): unknown {
  const c = s.columns();
  const n = c.size;
  return {
    view: observe(s),
    ids: s.workerIds(),
    shapeSlots: s.shapeSlots().map((x) => x?.key),
    allocated: Array.from(c.allocated.subarray(0, 5 * n)),
    capacity: Array.from(c.capacity.subarray(0, 5 * n)),
    holders: Array.from(c.holders.subarray(0, n)),
    shapeIndex: Array.from(c.shapeIndex.subarray(0, n)),
    revision: Array.from(c.revision.subarray(0, n)),
    ranks: Array.from(c.idRanks().subarray(0, n)),
  };
}

/** A decision as plain data: everything but the functions, with the verdicts and scored list called. */
export function decisionOf(placer: Placer, instance: LabletInstance, s: Snapshot, rejected: ReadonlySet<string>): unknown {
  const d: Decision = placer.place(instance, s, { rejectedWorkerIds: rejected, keepVerdicts: true });
  switch (d.result) {
    case 'scheduled': return { ...d, scored: d.scored(), verdicts: d.verdicts?.() };
    case 'unschedulable': return { ...d, verdicts: d.verdicts() };
    case 'error': return { result: d.result, plugin: d.plugin, message: d.message };
  }
}
