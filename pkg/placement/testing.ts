// Generated worlds for the placement property tests: a fleet, holders in both layers (with decoys
// that must be replaced or shadowed), an instance, refused workers and weights; and the snapshot
// built from them the long way round. Test support only: not exported from the package.
import fc from 'fast-check';
import type { LabletInstance, License, Resources, Worker, WorkerStatus } from '../objects';
import { anInstance, aWorker } from '../objects/testing';
import type { ShapeFilterPlugin } from './framework';
import { Snapshot } from './snapshot';

export interface HolderSpec {
  readonly instanceId: string;
  readonly workerId: string;
  readonly resources: Resources;
  readonly layer: 'observed' | 'assumed';
  /** An earlier holding elsewhere that the final one must replace (or shadow). */
  readonly decoyWorkerId: string | undefined;
}

export interface World {
  readonly workers: readonly Worker[];
  readonly holders: readonly HolderSpec[];
  readonly instance: LabletInstance;
  readonly rejected: ReadonlySet<string>;
  /** Integer weights, given to the placer divided by 10. */
  readonly weights: readonly [number, number, number];
  readonly order: readonly number[];
}

export const IDS = ['w-1', 'w-10', 'w-2', 'W-3', 'w-a', 'w-b', 'w-c', 'w-9', 'x.1', 'x_2'];
/** More workers than a decision keeps scored, with ids whose byte order is not their number's. */
export const MANY_IDS = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `W-${i}` : `w-${(i * 7) % 40}.${i}`));
const DEFS = ['iosv', 'csr1000v', 'nxosv9000'];

const license = fc.constantFrom<License>('enterprise', 'personal', 'evaluation', 'none');
const amount = fc.constantFrom(0, 0.5, 1, 1.25, 2, 2.5, 4);
const capacityAmount = fc.constantFrom(0, 4, 8, 16, 16, 32, 32);

const workerArb = (id: string) =>
  fc.record({
    status: fc.constantFrom<WorkerStatus>('RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'DRAINING', 'STOPPED'),
    license,
    version: fc.constantFrom<string | undefined>('2.7.0', '2.9.1', '2.10.0', '3.0.0-rc.1', undefined),
    defs: fc.subarray(DEFS),
    region: fc.constantFrom<string | undefined>('us-east-1', 'eu-west-1', undefined),
    cpu: capacityAmount, memory: capacityAmount, storage: capacityAmount,
    nodes: fc.constantFrom<number | undefined>(undefined, 0, 4, 10),
    ports: fc.constantFrom<number | undefined>(undefined, 2, 8),
  }).map((w) =>
    aWorker(id).withStatus(w.status).withLicense(w.license).withCmlVersion(w.version).withNodeDefinitions(...w.defs)
      .withRegion(w.region).withCpu(w.cpu).withMemory(w.memory).withStorage(w.storage).withNodes(w.nodes).withPorts(w.ports).build(),
  );

const resourcesArb = fc.record({ cpu: amount, memory: amount, storage: amount, nodes: fc.constantFrom(0, 1, 3), ports: fc.constantFrom(0, 1, 3) })
  .map((r) => anInstance().withCpu(r.cpu).withMemory(r.memory).withStorage(r.storage).withNodes(r.nodes).withPorts(r.ports).build().requirements.resources);

export const worldArbOf = (pool: readonly string[], maxHolders: number): fc.Arbitrary<World> => fc
  .uniqueArray(fc.constantFrom(...pool), { minLength: 2, maxLength: pool.length })
  .chain((ids) =>
    fc.record({
      workers: fc.tuple(...ids.map(workerArb)),
      holders: fc.array(
        fc.record({
          workerId: fc.constantFrom(...pool, 'w-gone'),
          resources: resourcesArb,
          layer: fc.constantFrom<'observed' | 'assumed'>('observed', 'assumed'),
          decoyWorkerId: fc.option(fc.constantFrom(...pool), { nil: undefined }),
        }),
        { maxLength: maxHolders },
      ).map((hs) => hs.map((h, i): HolderSpec => ({ ...h, instanceId: `h-${i}` }))),
      instance: fc.record({
        resources: resourcesArb,
        affinity: fc.oneof(
          { weight: 2, arbitrary: fc.constant<License[]>([]) },
          { weight: 1, arbitrary: fc.subarray<License>(['enterprise', 'personal', 'evaluation', 'none'], { minLength: 1 }) },
        ),
        range: fc.constantFrom<string | undefined>(undefined, undefined, undefined, '>=2.9.0', '>=2.7.0 <3.0.0', '^2.9.0', '>=3.0.0-rc.1', '*'),
        defs: fc.oneof({ weight: 2, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray(DEFS, { maxLength: 2 }) }),
        region: fc.constantFrom<string | undefined>('us-east-1', undefined),
      }).map((i) =>
        anInstance('li-x').withCpu(i.resources.cpuMilli / 1000).withMemory(i.resources.memoryMilli / 1000).withStorage(i.resources.storageMilli / 1000)
          .withNodes(i.resources.nodesMilli / 1000).withPorts(i.resources.portsMilli / 1000).withLicenseAffinity(...i.affinity)
          .withCmlVersion(i.range).withNodeDefinitions(...i.defs).withPreferredRegion(i.region).build(),
      ),
      rejected: fc.subarray([...pool], { maxLength: 2 }).map((r) => new Set(r)),
      weights: fc.constantFrom<[number, number, number]>([6, 2, 2], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [3, 0, 1]),
      order: fc.shuffledSubarray([...Array(ids.length + maxHolders).keys()], { minLength: ids.length + maxHolders }),
    }),
  );
export const worldArb = worldArbOf(IDS, 14);

/** Builds the snapshot the long way round: decoys first, then workers and final holders interleaved. */
export function snapshotOf(world: World): Snapshot {
  const s = new Snapshot();
  const decoyResources = { cpuMilli: 7000, memoryMilli: 1, storageMilli: 1, nodesMilli: 1, portsMilli: 1 };
  for (const w of world.workers) s.upsertWorker({ ...w, status: 'UNKNOWN', capacity: { ...w.capacity, cpuMilli: 1 } });
  for (const h of world.holders) {
    if (h.decoyWorkerId === undefined) continue;
    if (h.layer === 'observed') s.assume(h.instanceId, h.decoyWorkerId, decoyResources); // shadowed by the observed one
    else { s.setHolder(h.instanceId, h.decoyWorkerId, decoyResources); s.removeHolder(h.instanceId); }
  }
  // Half the workers leave again, to come back among the holders: holders wait for their worker.
  world.workers.forEach((w, i) => { if (i % 2 === 0) s.removeWorker(w.id); });
  const ops = [
    ...world.workers.map((w) => () => s.upsertWorker(w)),
    ...world.holders.map((h) => () =>
      h.layer === 'observed' ? s.setHolder(h.instanceId, h.workerId, h.resources) : s.assume(h.instanceId, h.workerId, h.resources)),
  ];
  for (const i of world.order) ops[i]?.();
  return s;
}

/** A CmlVersion shape filter that throws on every call, and how often it was called. */
export function failingCmlVersion(): { filter: ShapeFilterPlugin; calls: () => number } {
  let calls = 0;
  const filter: ShapeFilterPlugin = {
    scope: 'shape',
    name: 'CmlVersion',
    reasons: ['CmlVersionMismatch'],
    filterShape: () => {
      calls++;
      throw new Error('no semver today');
    },
  };
  return { filter, calls: () => calls };
}
