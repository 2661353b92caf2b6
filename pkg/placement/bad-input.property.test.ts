// Bad input at the placer (issue 13), property-based and seeded. The placer only ever sees what the
// decoder accepted, so its hostile input is the edge of what is valid: zero and 1e9 quantities,
// capacities of 0, fleets already over-committed by others, holders on workers that are gone, odd ids,
// unicode node definitions and regions, prerelease versions and ranges such as "" or "<0.0.0-0",
// duplicate affinities, extreme weights and percentageOfWorkersToScore. Whatever the input: place()
// never throws nor errs; a chosen worker passes every rule of contract §3 checked here independently
// (with node-semver as the oracle for ranges); "no fit" happens only when no worker fits, with counts
// that sum to N; and the decision does not depend on the order the snapshot was built in.
// CI runs a fixed count; `SOAK=1 npx jest pkg/placement/bad-input.property.test.ts` runs many more.
import fc from 'fast-check';
import { satisfies } from 'semver';
import type { LabletInstance, License, Resources, Worker } from '../objects';
import { decode } from '../objects';
import { createPlacer } from './registrations';
import { Snapshot } from './snapshot';

const PARAMS = { seed: 20261127, numRuns: process.env['SOAK'] === '1' ? 10_000 : 200 };
const P = '/lcm';

/** Contract §1 license table, written out here as the oracle. */
const OFFERS: Record<License, readonly License[]> = { enterprise: ['enterprise', 'personal'], personal: ['personal'], evaluation: ['evaluation'], none: [] };
const IDS = ['0', 'A', 'a', 'a..b', 'Z-_.', 'w-1', 'w-10', 'W-1', 'w-2', `x${'y'.repeat(127)}`];
const DEFS = ['iosv', 'é-image', '中文', '', 'd'.repeat(300), 'a\u0000b', 'a', 'b'];
const REGIONS = [undefined, 'us-east-1', 'é', ''];
const LICENSES: License[] = ['enterprise', 'personal', 'evaluation', 'none'];

const amount = fc.constantFrom(0, 0.001, 1, 2.5, 48, 999_999_999.999, 1e9);
const optionalAmount = fc.constantFrom(undefined, 0, 0.001, 3, 1e9);

function decoded<T extends 'instance' | 'worker'>(kind: T, id: string, doc: unknown): T extends 'instance' ? LabletInstance : Worker {
  const d = decode(P, `${P}/${kind}s/${id}`, Buffer.from(JSON.stringify(doc), 'utf8'));
  if (d.type === 'instance' || d.type === 'worker') return (d.type === 'instance' ? d.instance : d.worker) as T extends 'instance' ? LabletInstance : Worker;
  throw new Error(`the generator made an invalid ${kind}: ${d.type === 'malformed' ? d.reason : d.type}`);
}

const workerArb = (id: string): fc.Arbitrary<Worker> =>
  fc.record({
    status: fc.constantFrom('RUNNING', 'RUNNING', 'RUNNING', 'DRAINING', 'UNKNOWN'),
    license: fc.constantFrom(...LICENSES),
    cmlVersion: fc.constantFrom(undefined, '2.9.1', '3.0.0-rc.1', '0.0.0', '999999.999999.999999', '2.9.1+build.7'),
    nodeDefinitions: fc.subarray(DEFS),
    region: fc.constantFrom(...REGIONS),
    capacity: fc.record({ cpuCores: amount, memoryGb: amount, storageGb: amount, nodes: optionalAmount, ports: optionalAmount }),
  }).map((w) => decoded('worker', id, { id, ...w }));

const resourcesArb: fc.Arbitrary<Resources> = fc
  .record({ cpuCores: amount, memoryGb: amount, storageGb: amount, nodes: optionalAmount, ports: optionalAmount })
  .map((requirements) => decoded('instance', 'h', { id: 'h', phase: 'PENDING', requirements }).requirements.resources);

const instanceArb: fc.Arbitrary<LabletInstance> = fc
  .record({
    cpuCores: amount, memoryGb: amount, storageGb: amount, nodes: optionalAmount, ports: optionalAmount,
    licenseAffinity: fc.array(fc.constantFrom(...LICENSES), { maxLength: 3 }),
    cmlVersion: fc.constantFrom(undefined, '*', '', '<0.0.0-0', '>=3.0.0-rc.1', '^2.9.0', '>=999999.0.0', '2.9.1 || 3.0.0-rc.1', '>=0.0.0'),
    nodeDefinitions: fc.subarray(DEFS, { maxLength: 2 }),
    preferredRegion: fc.constantFrom(...REGIONS),
    priority: fc.constantFrom(Number.MIN_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER),
  })
  .map(({ preferredRegion, priority, ...requirements }) =>
    decoded('instance', 'li-x', { id: 'li-x', phase: 'PENDING', requirements, preferredRegion, priority }));

interface Holder {
  readonly instanceId: string;
  readonly workerId: string;
  readonly resources: Resources;
  readonly layer: 'observed' | 'assumed';
}

interface World {
  readonly workers: readonly Worker[];
  readonly holders: readonly Holder[];
  readonly instance: LabletInstance;
  readonly weights: { readonly binPacking: number; readonly locality: number; readonly loadBalance: number };
  readonly percentage: number;
}

const worldArb: fc.Arbitrary<World> = fc
  .uniqueArray(fc.constantFrom(...IDS), { minLength: 0, maxLength: IDS.length })
  .chain((ids) => fc.record({
    workers: fc.tuple(...ids.map(workerArb)),
    holders: fc.array(fc.record({
      workerId: fc.constantFrom(...IDS, 'w-gone'),
      resources: resourcesArb,
      layer: fc.constantFrom<'observed' | 'assumed'>('observed', 'assumed'),
      instance: fc.nat(5),
    }), { maxLength: 10 }).map((hs) => hs.map((h): Holder => ({ ...h, instanceId: `h-${h.instance}` }))),
    instance: instanceArb,
    weights: fc.constantFrom(
      { binPacking: 0.6, locality: 0.2, loadBalance: 0.2 }, { binPacking: 1e-6, locality: 0, loadBalance: 0 },
      { binPacking: 0, locality: 0, loadBalance: 1 }, { binPacking: 1e6, locality: 1e6, loadBalance: 1e6 }, { binPacking: 1, locality: 1e-6, loadBalance: 0 },
    ),
    percentage: fc.constantFrom(100, 100, 50, 1),
  }));

/** Workers then holders; or, reversed, holders first (waiting for their workers) and workers in reverse. */
function snapshotOf(world: World, reversed: boolean): Snapshot {
  const s = new Snapshot();
  const holders = (): void => {
    for (const h of world.holders) {
      if (h.layer === 'observed') s.setHolder(h.instanceId, h.workerId, h.resources);
      else s.assume(h.instanceId, h.workerId, h.resources);
    }
  };
  if (reversed) holders();
  for (const w of reversed ? [...world.workers].reverse() : world.workers) s.upsertWorker(w);
  if (!reversed) holders();
  return s;
}

/** Each instance's effective holding (observed over assumed; the last write of a layer wins), summed per worker. */
function allocations(world: World): Map<string, { sum: Resources; holders: number }> {
  const effective = new Map<string, Holder>();
  for (const layer of ['assumed', 'observed'] as const) {
    for (const h of world.holders) if (h.layer === layer) effective.set(h.instanceId, h);
  }
  const out = new Map<string, { sum: Resources; holders: number }>();
  for (const h of effective.values()) {
    const a = out.get(h.workerId)?.sum ?? { cpuMilli: 0, memoryMilli: 0, storageMilli: 0, nodesMilli: 0, portsMilli: 0 };
    const r = h.resources;
    out.set(h.workerId, {
      sum: { cpuMilli: a.cpuMilli + r.cpuMilli, memoryMilli: a.memoryMilli + r.memoryMilli, storageMilli: a.storageMilli + r.storageMilli, nodesMilli: a.nodesMilli + r.nodesMilli, portsMilli: a.portsMilli + r.portsMilli },
      holders: (out.get(h.workerId)?.holders ?? 0) + 1,
    });
  }
  return out;
}

/** Contract §1 and §3 for one worker, written from the contract's text. */
function fits(world: World, w: Worker, allocated: { sum: Resources; holders: number } | undefined): boolean {
  const req = world.instance.requirements;
  const q = req.resources;
  const a = allocated?.sum ?? { cpuMilli: 0, memoryMilli: 0, storageMilli: 0, nodesMilli: 0, portsMilli: 0 };
  const c = w.capacity;
  const range = req.cmlVersion?.raw;
  return w.status === 'RUNNING'
    && (req.licenseAffinity.length === 0 || req.licenseAffinity.some((l) => OFFERS[w.license].includes(l)))
    && !(w.license === 'personal' && (allocated?.holders ?? 0) > 0)
    && (range === undefined || (w.cmlVersion !== undefined && satisfies(w.cmlVersion.raw, range)))
    && req.nodeDefinitions.every((d) => w.nodeDefinitions.includes(d))
    && a.cpuMilli + q.cpuMilli <= c.cpuMilli && a.memoryMilli + q.memoryMilli <= c.memoryMilli && a.storageMilli + q.storageMilli <= c.storageMilli
    && (c.nodesMilli === undefined || a.nodesMilli + q.nodesMilli <= c.nodesMilli)
    && (c.portsMilli === undefined || a.portsMilli + q.portsMilli <= c.portsMilli);
}

/** Running workers alike but for their node definitions: what the placer's per-shape caching must tell apart. */
const alikeWorldArb: fc.Arbitrary<World> = fc
  .uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: IDS.length })
  .chain((ids) => fc.record({
    workers: fc.tuple(...ids.map(() => fc.subarray(DEFS, { maxLength: 3 }))).map((defs) => ids.map((id, i) =>
      decoded('worker', id, { id, status: 'RUNNING', license: 'enterprise', cmlVersion: '2.9.1', nodeDefinitions: defs[i], capacity: { cpuCores: 8, memoryGb: 8, storageGb: 8 } }))),
    holders: fc.constant([]),
    instance: fc.subarray(DEFS, { maxLength: 2 }).map((nodeDefinitions) =>
      decoded('instance', 'li-x', { id: 'li-x', phase: 'PENDING', requirements: { cpuCores: 1, memoryGb: 1, storageGb: 1, nodeDefinitions } })),
    weights: fc.constant({ binPacking: 0.6, locality: 0.2, loadBalance: 0.2 }),
    percentage: fc.constant(100),
  }));

describe('the default placer at the edges of valid input (property-based, seeded)', () => {
  it.each([
    ['extreme quantities, odd ids, over-committed fleets, extreme weights', worldArb],
    ['workers that differ only in node definitions ([] and [""], ["a\\u0000b"] and ["a", "b"])', alikeWorldArb],
  ])('never throws or errs; a chosen worker fits by every rule; no fit only when none fits, with counts summing to N: %s', (_name, arb) => {
    fc.assert(fc.property(arb, (world) => {
      const placer = createPlacer('default', { weights: world.weights, percentageOfWorkersToScore: world.percentage });
      const snapshot = snapshotOf(world, false);
      const decision = placer.place(world.instance, snapshot);
      const allocated = allocations(world);
      const feasible = world.workers.filter((w) => fits(world, w, allocated.get(w.id))).map((w) => w.id);
      expect(decision.numWorkers).toBe(world.workers.length);
      switch (decision.result) {
        case 'error':
          throw new Error(`placement erred in ${decision.plugin}: ${decision.message}`);
        case 'scheduled': {
          expect(feasible).toContain(decision.workerId);
          const { total, scores } = decision.score;
          for (const s of Object.values(scores)) expect(Number.isInteger(s) && s >= 0 && s <= 100).toBe(true);
          expect(Number.isFinite(total) && total >= 0 && total <= 100).toBe(true);
          break;
        }
        case 'unschedulable': {
          expect(feasible).toEqual([]);
          const counts = Object.values(decision.reasons);
          expect(counts.reduce((x, y) => x + y, 0)).toBe(world.workers.length);
          const terms = decision.message.match(/^0\/(\d+) workers fit(?:: (.*))?$/);
          expect(terms?.[1]).toBe(String(world.workers.length));
          const inText = (terms?.[2] ?? '').split(', ').filter((t) => t !== '').map((t) => Number(t.split(' ')[0]));
          expect(inText.reduce((x, y) => x + y, 0)).toBe(world.workers.length);
          break;
        }
      }
    }), PARAMS);
  });

  it('decides the same whatever order the snapshot was built in (exact mode)', () => {
    fc.assert(fc.property(worldArb, (world) => {
      const placer = createPlacer('default', { weights: world.weights });
      const summary = (s: Snapshot): unknown => {
        const d = placer.place(world.instance, s);
        return d.result === 'scheduled' ? [d.workerId, d.score.total] : d.message;
      };
      expect(summary(snapshotOf(world, true))).toEqual(summary(snapshotOf(world, false)));
    }), PARAMS);
  });
});
