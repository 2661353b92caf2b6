// The default placer's fast path (shape caches, incremental allocation, integer weights) against a
// plain full scan of contract §3 written naively here: every worker, every rule, allocation summed
// from the holders, BinPacking in BigInt, version ranges through semver.satisfies.
import fc from 'fast-check';
import { satisfies } from 'semver';
import type { LabletInstance, License, Resources, Worker, WorkerStatus } from '../objects';
import { anInstance, aWorker } from '../objects/testing';
import { SCORED_KEPT } from './decision';
import { createPlacer } from './placer';
import { Snapshot } from './snapshot';

interface HolderSpec {
  readonly instanceId: string;
  readonly workerId: string;
  readonly resources: Resources;
  readonly layer: 'observed' | 'assumed';
  /** An earlier holding elsewhere that the final one must replace (or shadow). */
  readonly decoyWorkerId: string | undefined;
}

interface World {
  readonly workers: readonly Worker[];
  readonly holders: readonly HolderSpec[];
  readonly instance: LabletInstance;
  readonly rejected: ReadonlySet<string>;
  /** Integer weights, given to the placer divided by 10. */
  readonly weights: readonly [number, number, number];
  readonly order: readonly number[];
}

const IDS = ['w-1', 'w-10', 'w-2', 'W-3', 'w-a', 'w-b', 'w-c', 'w-9', 'x.1', 'x_2'];
/** More workers than a decision keeps scored, with ids whose byte order is not their number's. */
const MANY_IDS = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `W-${i}` : `w-${(i * 7) % 40}.${i}`));
const SATISFIES: Record<License, License[]> = { enterprise: ['enterprise', 'personal'], personal: ['personal'], evaluation: ['evaluation'], none: [] };
const DEFS = ['iosv', 'csr1000v', 'nxosv9000'];
const REASONS = [
  'WorkerNotRunning', 'WorkerDraining', 'LicenseMismatch', 'PersonalLicenseInUse', 'CmlVersionMismatch', 'MissingNodeDefinition',
  'InsufficientCpu', 'InsufficientMemory', 'InsufficientStorage', 'InsufficientNodes', 'InsufficientPorts', 'RejectedByApi',
] as const;

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

const worldArbOf = (pool: readonly string[], maxHolders: number): fc.Arbitrary<World> => fc
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
const worldArb = worldArbOf(IDS, 14);

/** Builds the snapshot the long way round: decoys first, then workers and final holders interleaved. */
function snapshotOf(world: World): Snapshot {
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

interface NaiveDecision {
  readonly workerId: string | undefined;
  readonly scores: Record<string, number> | undefined;
  /** The best feasible workers' ids, best first (at most SCORED_KEPT). */
  readonly ranked: readonly string[];
  readonly message: string;
  readonly reasonOf: Record<string, string | undefined>;
}

function naivePlace(world: World): NaiveDecision {
  const { instance } = world;
  const req = instance.requirements;
  const q = req.resources;
  const reasonOf: Record<string, string | undefined> = {};
  const feasible: { w: Worker; a: Resources; holders: number }[] = [];
  for (const w of [...world.workers].sort((x, y) => (x.id < y.id ? -1 : 1))) {
    const mine = world.holders.filter((h) => h.workerId === w.id);
    const a = {
      cpuMilli: mine.reduce((s, h) => s + h.resources.cpuMilli, 0),
      memoryMilli: mine.reduce((s, h) => s + h.resources.memoryMilli, 0),
      storageMilli: mine.reduce((s, h) => s + h.resources.storageMilli, 0),
      nodesMilli: mine.reduce((s, h) => s + h.resources.nodesMilli, 0),
      portsMilli: mine.reduce((s, h) => s + h.resources.portsMilli, 0),
    };
    const c = w.capacity;
    let reason: string | undefined;
    if (w.status !== 'RUNNING') reason = w.status === 'DRAINING' ? 'WorkerDraining' : 'WorkerNotRunning';
    else if (req.licenseAffinity.length > 0 && !req.licenseAffinity.some((l) => SATISFIES[w.license].includes(l))) reason = 'LicenseMismatch';
    else if (w.license === 'personal' && mine.length > 0) reason = 'PersonalLicenseInUse';
    else if (req.cmlVersion !== undefined && (w.cmlVersion === undefined || !satisfies(w.cmlVersion.raw, req.cmlVersion.raw))) reason = 'CmlVersionMismatch';
    else if (req.nodeDefinitions.some((d) => !w.nodeDefinitions.includes(d))) reason = 'MissingNodeDefinition';
    else if (a.cpuMilli + q.cpuMilli > c.cpuMilli) reason = 'InsufficientCpu';
    else if (a.memoryMilli + q.memoryMilli > c.memoryMilli) reason = 'InsufficientMemory';
    else if (a.storageMilli + q.storageMilli > c.storageMilli) reason = 'InsufficientStorage';
    else if (c.nodesMilli !== undefined && a.nodesMilli + q.nodesMilli > c.nodesMilli) reason = 'InsufficientNodes';
    else if (c.portsMilli !== undefined && a.portsMilli + q.portsMilli > c.portsMilli) reason = 'InsufficientPorts';
    else if (world.rejected.has(w.id)) reason = 'RejectedByApi';
    reasonOf[w.id] = reason;
    if (reason === undefined) feasible.push({ w, a, holders: mine.length });
  }
  if (feasible.length === 0) {
    const counts = REASONS.map((r) => [r, Object.values(reasonOf).filter((x) => x === r).length] as const).filter(([, n]) => n > 0);
    counts.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const n = world.workers.length;
    const message = counts.length === 0 ? `0/${n} workers fit` : `0/${n} workers fit: ${counts.map(([r, k]) => `${k} ${r}`).join(', ')}`;
    return { workerId: undefined, scores: undefined, ranked: [], message, reasonOf };
  }
  const maxHolders = Math.max(...feasible.map((f) => f.holders));
  let best: { id: string; sum: number; scores: Record<string, number> } | undefined;
  const all: { id: string; sum: number }[] = [];
  for (const { w, a, holders } of feasible) {
    const pairs = [
      [a.cpuMilli + q.cpuMilli, w.capacity.cpuMilli],
      [a.memoryMilli + q.memoryMilli, w.capacity.memoryMilli],
      [a.storageMilli + q.storageMilli, w.capacity.storageMilli],
    ].filter(([, cap]) => cap! > 0).map(([u, cap]) => [BigInt(u!), BigInt(cap!)] as const);
    const den = pairs.reduce((p, [, cap]) => p * cap, 1n);
    const num = pairs.reduce((s, [u, cap]) => s + (u * den) / cap, 0n);
    const scores = {
      BinPacking: Number((100n * num) / (3n * den)),
      Locality: instance.preferredRegion !== undefined && instance.preferredRegion === w.region ? 100 : 0,
      LoadBalance: maxHolders === 0 ? 100 : Math.floor((100 * (maxHolders - holders)) / maxHolders),
    };
    const [wb, wl, wlb] = world.weights;
    const sum = wb * scores.BinPacking + wl * scores.Locality + wlb * scores.LoadBalance;
    if (best === undefined || sum > best.sum) best = { id: w.id, sum, scores }; // sorted by id: ties keep the first
    all.push({ id: w.id, sum });
  }
  const ranked = all.sort((x, y) => y.sum - x.sum || (x.id < y.id ? -1 : 1)).slice(0, SCORED_KEPT).map((x) => x.id);
  return { workerId: best?.id, scores: best?.scores, ranked, message: '', reasonOf };
}

describe('default placer against a naive full scan', () => {
  it.each([
    ['up to 10 workers', worldArb, 200],
    [`up to ${MANY_IDS.length} workers, more than it keeps scored`, worldArbOf(MANY_IDS, 60), 60],
  ])('makes the same decision and ranking on %s (seeded)', (_name, arb, numRuns) => {
    fc.assert(
      fc.property(arb, (world) => {
        const [b, l, lb] = world.weights;
        const placer = createPlacer('default', { weights: { binPacking: b / 10, locality: l / 10, loadBalance: lb / 10 } });
        const decision = placer.place(world.instance, snapshotOf(world), { rejectedWorkerIds: world.rejected, keepVerdicts: true });
        const naive = naivePlace(world);
        if (naive.workerId === undefined) {
          expect(decision.result === 'unschedulable' ? decision.message : decision.result).toBe(naive.message);
        } else {
          expect(decision.result === 'scheduled' ? [decision.workerId, decision.score.scores, decision.scored().map((x) => x.workerId)] : decision.result)
            .toEqual([naive.workerId, naive.scores, naive.ranked]);
        }
        if (decision.result === 'error') return;
        const verdicts = Object.fromEntries((decision.verdicts?.() ?? []).map((v) => [v.workerId, v.reason]));
        expect(verdicts).toEqual(naive.reasonOf);
      }),
      { seed: 20261127, numRuns },
    );
  });
});
