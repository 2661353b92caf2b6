// ContractPlacer (one pass, the registry's placers) against FrameworkPlacer running the same plugins:
// the same Decision, field by field, on generated fleets; the naive full scan of contract §3 is in
// placer.property.test.ts.
import fc from 'fast-check';
import { anInstance, aWorker } from '../objects/testing';
import type { Decision } from './decision';
import { ContractPlacer } from './contract-placer';
import type { PlaceOptions, Placer, ScoreWeights } from './placer';
import { contractFilters, contractScorers, createPlacer } from './placer';
import { FrameworkPlacer } from './runner';
import { Snapshot } from './snapshot';
import { failingCmlVersion, MANY_IDS, snapshotOf, worldArb, worldArbOf } from './testing';

type Packing = 'BinPacking' | 'LeastAllocated';

function pair(packing: Packing, weights: ScoreWeights, percentageOfWorkersToScore = 100, filters = contractFilters()): [Placer, Placer] {
  return [
    new ContractPlacer({ name: 'p', filters, packing, weights, percentageOfWorkersToScore }),
    new FrameworkPlacer({ name: 'p', filters, scorers: contractScorers(packing, weights), percentageOfWorkersToScore }),
  ];
}

/** Everything a decision says, lists included. */
function everything(d: Decision): unknown {
  switch (d.result) {
    case 'scheduled': {
      const { scored, verdicts, ...rest } = d;
      return { ...rest, scored: scored(), verdicts: verdicts?.() };
    }
    case 'unschedulable': {
      const { verdicts, ...rest } = d;
      return { ...rest, verdicts: verdicts() };
    }
    case 'error': {
      const { cause, ...rest } = d;
      return { ...rest, cause: cause instanceof Error ? cause.message : cause };
    }
  }
}

const packingArb = fc.constantFrom<Packing>('BinPacking', 'LeastAllocated');

describe('ContractPlacer', () => {
  it.each([
    ['up to 10 workers', worldArb, 200],
    [`up to ${MANY_IDS.length} workers`, worldArbOf(MANY_IDS, 60), 80],
  ])('decides exactly as FrameworkPlacer with the same plugins on %s (seeded)', (_name, arb, numRuns) => {
    fc.assert(
      fc.property(arb, packingArb, (world, packing) => {
        const [b, l, lb] = world.weights;
        const [fast, reference] = pair(packing, { binPacking: b / 10, locality: l / 10, loadBalance: lb / 10 });
        const snapshot = snapshotOf(world);
        const options: PlaceOptions = { rejectedWorkerIds: world.rejected, keepVerdicts: true };
        expect(everything(fast.place(world.instance, snapshot, options))).toEqual(everything(reference.place(world.instance, snapshot, options)));
      }),
      { seed: 20261127, numRuns },
    );
  });

  it('follows the same scan windows below percentageOfWorkersToScore 100, decision after decision (seeded)', () => {
    const fleetArb = fc.array(fc.record({ cpu: fc.constantFrom(2, 4, 8), draining: fc.boolean() }), { minLength: 150, maxLength: 400 });
    fc.assert(
      fc.property(fleetArb, fc.constantFrom(10, 35, 60), packingArb, (specs, percentage, packing) => {
        const build = (): Snapshot => {
          const s = new Snapshot();
          specs.forEach((w, i) => s.upsertWorker(aWorker(`w-${i}`).withCpu(w.cpu).withStatus(w.draining ? 'DRAINING' : 'RUNNING').build()));
          return s;
        };
        const [fast, reference] = pair(packing, { binPacking: 0.6, locality: 0.2, loadBalance: 0.2 }, percentage);
        const [mine, theirs] = [build(), build()];
        for (let k = 0; k < 12; k++) {
          const instance = anInstance(`li-${k}`).withCpu(2).build();
          const a = fast.place(instance, mine, { keepVerdicts: true });
          const b = reference.place(instance, theirs, { keepVerdicts: true });
          expect(everything(a)).toEqual(everything(b));
          // Assume each placement on both sides, so later windows scan a changing fleet.
          if (a.result === 'scheduled') for (const s of [mine, theirs]) s.assume(instance.id, a.workerId, instance.requirements.resources);
        }
      }),
      { seed: 11, numRuns: 25 },
    );
  });

  it('stays exact when workers change between decisions, with the same or other requests (seeded)', () => {
    // One long-lived pair of placers over one snapshot: ContractPlacer keeps per-worker results
    // across decisions until a worker's row changes; FrameworkPlacer keeps nothing.
    const worker = fc.nat(15);
    const size = fc.constantFrom(1, 2, 4);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('assume' as const), worker, instance: fc.nat(20), size }),
      fc.record({ kind: fc.constant('forget' as const), instance: fc.nat(20) }),
      fc.record({ kind: fc.constant('observe' as const), worker, instance: fc.nat(20), size }),
      fc.record({ kind: fc.constant('resize' as const), worker, cpu: fc.constantFrom(2, 4, 8, 16) }),
      fc.record({ kind: fc.constant('remove' as const), worker }),
      fc.record({ kind: fc.constant('decide' as const), cpu: size, memory: size, nodes: fc.constantFrom(0, 1), near: fc.boolean() }),
    );
    const resources = (cpu: number) => anInstance().withCpu(cpu).withMemory(cpu).withStorage(cpu).withNodes(1).build().requirements.resources;
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 80 }), packingArb, (ops, packing) => {
        const s = new Snapshot();
        const region = (w: number): string => (w % 2 === 0 ? 'us-east-1' : 'eu-west-1');
        for (let w = 0; w < 16; w++) s.upsertWorker(aWorker(`w-${w}`).withCpu(8).withMemory(16).withStorage(16).withNodes(w % 3 === 0 ? 1 : undefined).withRegion(region(w)).build());
        const [fast, reference] = pair(packing, { binPacking: 0.6, locality: 0.2, loadBalance: 0.2 });
        for (const o of ops) {
          switch (o.kind) {
            case 'assume': s.assume(`li-${o.instance}`, `w-${o.worker}`, resources(o.size)); break;
            case 'forget': s.forget(`li-${o.instance}`); s.removeHolder(`li-${o.instance}`); break;
            case 'observe': s.setHolder(`li-${o.instance}`, `w-${o.worker}`, resources(o.size)); break;
            case 'resize': s.upsertWorker(aWorker(`w-${o.worker}`).withCpu(o.cpu).withMemory(16).withStorage(16).withNodes(o.worker % 3 === 0 ? 1 : undefined).withRegion(region(o.worker)).build()); break;
            case 'remove': s.removeWorker(`w-${o.worker}`); break;
            case 'decide': {
              const instance = anInstance('li-new').withCpu(o.cpu).withMemory(o.memory).withStorage(1).withNodes(o.nodes).withPreferredRegion(o.near ? 'us-east-1' : undefined).build();
              const options: PlaceOptions = { keepVerdicts: true };
              expect(everything(fast.place(instance, s, options))).toEqual(everything(reference.place(instance, s, options)));
            }
          }
        }
      }),
      { seed: 5, numRuns: 150 },
    );
  });

  it('stamps a shape filter that fails with an error as FrameworkPlacer does, without caching it', () => {
    const flaky = failingCmlVersion();
    const filters = contractFilters().map((f) => (f.name === 'CmlVersion' ? flaky.filter : f));
    const [fast, reference] = pair('BinPacking', { binPacking: 1, locality: 0, loadBalance: 0 }, 100, filters);
    const snapshot = new Snapshot();
    // A personal worker already in use is rejected by PersonalLicense before CmlVersion is reached.
    snapshot.upsertWorker(aWorker('w-1').withLicense('personal').build());
    snapshot.setHolder('li-0', 'w-1', anInstance().build().requirements.resources);
    snapshot.upsertWorker(aWorker('w-2').withStatus('DRAINING').build());
    const instance = anInstance('li-1').build();
    expect(fast.place(instance, snapshot)).toMatchObject({ result: 'unschedulable', reasons: { PersonalLicenseInUse: 1, WorkerDraining: 1 } });
    snapshot.upsertWorker(aWorker('w-3').build());
    const d = fast.place(instance, snapshot);
    expect(d).toMatchObject({ result: 'error', plugin: 'CmlVersion', workerId: 'w-3' });
    expect(everything(d)).toEqual(everything(reference.place(instance, snapshot)));
    const before = flaky.calls();
    fast.place(instance, snapshot);
    expect(flaky.calls()).toBe(before + 2); // once per shape that reaches it: the personal one and w-3's
  });

  it('refuses filters other than the contract\'s, in its order', () => {
    const reversed = [...contractFilters()].reverse();
    expect(() => new ContractPlacer({ name: 'x', filters: reversed, packing: 'BinPacking', weights: { binPacking: 1, locality: 0, loadBalance: 0 } }))
      .toThrow('needs the contract filters in order');
  });

  it('is what the registry runs', () => {
    expect(createPlacer('default')).toBeInstanceOf(ContractPlacer);
    expect(createPlacer('spread')).toBeInstanceOf(ContractPlacer);
  });
});
