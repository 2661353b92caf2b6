// The default placer's fast path (shape caches, incremental allocation, integer weights) against a
// plain full scan of contract §3 written naively here: every worker, every rule, allocation summed
// from the holders, BinPacking in BigInt, version ranges through semver.satisfies.
import fc from 'fast-check';
import { satisfies } from 'semver';
import type { License, Resources, Worker } from '../objects';
import { SCORED_KEPT } from './decision';
import { createPlacer } from './registrations';
import type { World } from './testing';
import { MANY_IDS, snapshotOf, worldArb, worldArbOf } from './testing';

const SATISFIES: Record<License, License[]> = { enterprise: ['enterprise', 'personal'], personal: ['personal'], evaluation: ['evaluation'], none: [] };
const REASONS = [
  'WorkerNotRunning', 'WorkerDraining', 'LicenseMismatch', 'PersonalLicenseInUse', 'CmlVersionMismatch', 'MissingNodeDefinition',
  'InsufficientCpu', 'InsufficientMemory', 'InsufficientStorage', 'InsufficientNodes', 'InsufficientPorts', 'RejectedByApi',
] as const;

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
