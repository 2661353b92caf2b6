// The engine reusing what plugins declare (shape verdicts, 'row' results kept across decisions) against
// the same engine reusing nothing: the same Decision, field by field, verdict by verdict, on generated
// fleets that change between decisions; the naive full scan of contract §3 is in
// placer.property.test.ts. Also: the reuse really happens, and any filter list runs.
import fc from 'fast-check';
import type { LabletInstance, Resources } from '../objects';
import { anInstance, aWorker } from '../objects/testing';
import type { Decision } from './decision';
import type { FilterPlugin, ScorePlugin, WorkerFilterPlugin } from './framework';
import { SUCCESS, unschedulable } from './framework';
import type { PlaceOptions, Placer, ScoreWeights } from './placer';
import { BinPackingScorer } from './plugins/bin-packing';
import { contractFilters, createPlacer } from './registrations';
import { FrameworkPlacer } from './runner';
import { Snapshot } from './snapshot';
import { failingCmlVersion, MANY_IDS, snapshotOf, worldArb, worldArbOf } from './testing';

type Packing = 'BinPacking' | 'LeastAllocated';

/** The registry's placer (default for BinPacking, spread for LeastAllocated), reusing as declared and reusing nothing. */
function pair(packing: Packing, weights: ScoreWeights, percentageOfWorkersToScore = 100): [Placer, Placer] {
  const name = packing === 'BinPacking' ? 'default' : 'spread';
  return [createPlacer(name, { weights, percentageOfWorkersToScore }), createPlacer(name, { weights, percentageOfWorkersToScore, reuse: 'none' })];
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

/** One worker with room to spare in cpu, memory and nodes: storage (10) and ports (5) are what bind. */
const roomy = () => aWorker('w-1').withCpu(64).withMemory(64).withStorage(10).withPorts(5);

interface Sizes { readonly cpu?: number; readonly storage?: number; readonly ports?: number }

/** A pending instance asking for 1 cpu, 1 GB, 6 GB of storage and 3 ports unless told otherwise. */
function requestOf(sizes: Sizes): LabletInstance {
  return anInstance('li-new').withCpu(sizes.cpu ?? 1).withMemory(1).withStorage(sizes.storage ?? 6).withPorts(sizes.ports ?? 3).build();
}

/** A holder's requirements: nothing but what is given (cpu and memory 0 unless told). */
function resourcesOf(sizes: Sizes): Resources {
  return anInstance().withCpu(sizes.cpu ?? 0).withMemory(0).withStorage(sizes.storage ?? 0).withPorts(sizes.ports ?? 0).build().requirements.resources;
}

describe('the engine reusing what plugins declare', () => {
  it.each([
    ['up to 10 workers', worldArb, 200],
    [`up to ${MANY_IDS.length} workers`, worldArbOf(MANY_IDS, 60), 80],
  ])('decides exactly as with no reuse on %s (seeded)', (_name, arb, numRuns) => {
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
    // One long-lived pair of placers over one snapshot: one keeps per-worker results across
    // decisions until a worker's row changes; the other keeps nothing.
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

  // Issue 17: the row cache keeps ResourcesFit and BinPacking per worker for one request; a change of
  // storage or ports alone, in the request, a holder's allocation or a worker's capacity, must reach it.
  it.each([
    ['the request asks for more storage', (s: Snapshot) => s, { storage: 12 }, 'InsufficientStorage'],
    ['the request asks for more ports', (s: Snapshot) => s, { ports: 6 }, 'InsufficientPorts'],
    ['a holder takes storage only', (s: Snapshot) => s.setHolder('li-0', 'w-1', resourcesOf({ storage: 5 })), {}, 'InsufficientStorage'],
    ['a holder takes ports only', (s: Snapshot) => s.setHolder('li-0', 'w-1', resourcesOf({ ports: 3 })), {}, 'InsufficientPorts'],
    ['the worker shrinks in storage only', (s: Snapshot) => s.upsertWorker(roomy().withStorage(5).build()), {}, 'InsufficientStorage'],
    ['the worker shrinks in ports only', (s: Snapshot) => s.upsertWorker(roomy().withPorts(2).build()), {}, 'InsufficientPorts'],
  ] as const)('decides again when %s between two decisions', (_situation, change, next, reason) => {
    const [fast, reference] = pair('BinPacking', { binPacking: 0.6, locality: 0.2, loadBalance: 0.2 });
    const snapshot = new Snapshot();
    snapshot.upsertWorker(roomy().build());
    const first = requestOf({});
    expect(fast.place(first, snapshot)).toMatchObject({ result: 'scheduled', workerId: 'w-1' });
    change(snapshot);
    const second = requestOf(next);
    const d = fast.place(second, snapshot, { keepVerdicts: true });
    expect(d).toMatchObject({ result: 'unschedulable', reasons: { [reason]: 1 } });
    expect(everything(d)).toEqual(everything(reference.place(second, snapshot, { keepVerdicts: true })));
  });

  it('stays exact when storage and ports alone vary: requests, allocations and capacities (seeded)', () => {
    const worker = fc.nat(7);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('hold' as const), worker, instance: fc.nat(12), storage: fc.constantFrom(0, 3, 6), ports: fc.constantFrom(0, 5, 20), cpu: fc.constantFrom(0, 1) }),
      fc.record({ kind: fc.constant('release' as const), instance: fc.nat(12) }),
      fc.record({ kind: fc.constant('resize' as const), worker, storage: fc.constantFrom(8, 16, 24), ports: fc.constantFrom(undefined, 10, 40) }),
      fc.record({ kind: fc.constant('decide' as const), storage: fc.constantFrom(1, 6, 12, 20), ports: fc.constantFrom(0, 8, 30) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 60 }), packingArb, (ops, packing) => {
        const s = new Snapshot();
        for (let w = 0; w < 8; w++) s.upsertWorker(aWorker(`w-${w}`).withCpu(64).withMemory(64).withStorage(16).withPorts(w % 2 === 0 ? 40 : undefined).build());
        const [fast, reference] = pair(packing, { binPacking: 0.6, locality: 0.2, loadBalance: 0.2 });
        for (const o of ops) {
          switch (o.kind) {
            case 'hold': s.setHolder(`li-${o.instance}`, `w-${o.worker}`, resourcesOf({ cpu: o.cpu, storage: o.storage, ports: o.ports })); break;
            case 'release': s.removeHolder(`li-${o.instance}`); break;
            case 'resize': s.upsertWorker(aWorker(`w-${o.worker}`).withCpu(64).withMemory(64).withStorage(o.storage).withPorts(o.ports).build()); break;
            case 'decide': {
              const instance = requestOf({ storage: o.storage, ports: o.ports });
              const options: PlaceOptions = { keepVerdicts: true };
              expect(everything(fast.place(instance, s, options))).toEqual(everything(reference.place(instance, s, options)));
            }
          }
        }
      }),
      { seed: 17, numRuns: 150 },
    );
  });

  it('stamps a shape filter that fails with an error as with no reuse, without caching it', () => {
    const flaky = failingCmlVersion();
    const filters = contractFilters().map((f) => (f.name === 'CmlVersion' ? flaky.filter : f));
    const engine = (reuse: 'declared' | 'none'): Placer =>
      new FrameworkPlacer({ name: 'p', filters, scorers: [{ plugin: new BinPackingScorer(), weight: 1 }], reuse });
    const [fast, reference] = [engine('declared'), engine('none')];
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

  it('calls a row filter again only for rows that changed, and a request filter every time', () => {
    const calls = { row: 0, request: 0 };
    const counting = (name: string, reason: string, reuse: 'row' | 'request'): WorkerFilterPlugin => ({
      scope: 'worker', name, reasons: [reason], reuse,
      filter: () => { calls[reuse]++; return SUCCESS; },
    });
    const p = new FrameworkPlacer({
      name: 'p',
      filters: [counting('RowCounter', 'RowCounted', 'row'), counting('RequestCounter', 'RequestCounted', 'request')],
      scorers: [{ plugin: new BinPackingScorer(), weight: 1 }],
    });
    const s = new Snapshot();
    for (let w = 0; w < 5; w++) s.upsertWorker(aWorker(`w-${w}`).build());
    const small = requestOf({});
    p.place(small, s);
    expect(calls).toEqual({ row: 5, request: 5 });
    p.place(requestOf({}), s); // another instance asking for the same resources
    expect(calls).toEqual({ row: 5, request: 10 });
    s.assume('li-0', 'w-3', small.requirements.resources);
    p.place(requestOf({}), s);
    expect(calls).toEqual({ row: 6, request: 15 });
    p.place(requestOf({ storage: 2 }), s); // other resources: every row again
    expect(calls).toEqual({ row: 11, request: 20 });
  });

  it('keeps a row filter\'s verdict only before the first filter that runs every decision', () => {
    const calls = { before: 0, request: 0, after: 0 };
    const counting = (key: keyof typeof calls, name: string, reason: string, reuse: 'row' | 'request'): WorkerFilterPlugin => ({
      scope: 'worker', name, reasons: [reason], reuse,
      filter: () => { calls[key]++; return SUCCESS; },
    });
    const p = new FrameworkPlacer({
      name: 'p',
      filters: [counting('before', 'RowBefore', 'RowA', 'row'), counting('request', 'RequestBetween', 'RequestB', 'request'), counting('after', 'RowAfter', 'RowC', 'row')],
      scorers: [{ plugin: new BinPackingScorer(), weight: 1 }],
    });
    const s = new Snapshot();
    for (let w = 0; w < 4; w++) s.upsertWorker(aWorker(`w-${w}`).build());
    p.place(requestOf({}), s);
    p.place(requestOf({}), s);
    expect(calls).toEqual({ before: 4, request: 8, after: 8 });
  });

  it('keeps nothing across requests whose plans differ, even for the same resources', () => {
    // A row filter that applies only to priority-1 requests: its verdicts must not serve priority 0.
    const urgentOnly: WorkerFilterPlugin = {
      scope: 'worker', name: 'UrgentOnly', reasons: ['NotForUrgent'], reuse: 'row',
      appliesTo: (request) => request.instance.priority === 1,
      filter: (_r, workers, at) => (workers.worker(at).id === 'w-1' ? unschedulable('NotForUrgent') : SUCCESS),
    };
    const engine = (reuse: 'declared' | 'none'): Placer =>
      new FrameworkPlacer({ name: 'p', filters: [...contractFilters(), urgentOnly], scorers: [{ plugin: new BinPackingScorer(), weight: 1 }], reuse });
    const [fast, reference] = [engine('declared'), engine('none')];
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.upsertWorker(aWorker('w-2').withCpu(1).build());
    const calm = anInstance('li-calm').withCpu(2).build();
    const urgent = anInstance('li-urgent').withCpu(2).withPriority(1).build();
    for (const instance of [calm, urgent, calm, urgent]) {
      expect(everything(fast.place(instance, s, { keepVerdicts: true }))).toEqual(everything(reference.place(instance, s, { keepVerdicts: true })));
    }
    expect(fast.place(urgent, s)).toMatchObject({ result: 'unschedulable', reasons: { InsufficientCpu: 1, NotForUrgent: 1 } });
    expect(fast.place(calm, s)).toMatchObject({ result: 'scheduled', workerId: 'w-1' });
  });

  describe('a scorer that fails, with its scores kept or not', () => {
    type Fault = 'throws' | 'out of range';
    const broken = (scope: 'row' | 'shape', fault: Fault, on: string): ScorePlugin => {
      const score = (id: string): number => {
        if (id !== on) return 50;
        if (fault === 'throws') throw new Error('no score');
        return 101;
      };
      return scope === 'row'
        ? { scope, name: 'BinPacking', scoreRow: (_r, workers, at) => score(workers.worker(at).id) }
        : { scope, name: 'Locality', scoreShape: (_r, shape) => score(shape.region ?? '') };
    };
    const engine = (scorers: ScorePlugin[], reuse: 'declared' | 'none', filters = contractFilters()): Placer =>
      new FrameworkPlacer({ name: 'p', filters, scorers: scorers.map((plugin) => ({ plugin, weight: 1 })), reuse });
    const fleetOf = (): Snapshot => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').withRegion('r-1').build());
      s.upsertWorker(aWorker('w-2').withRegion('r-2').build());
      return s;
    };

    it.each<[string, 'row' | 'shape', Fault, string, string | undefined, string]>([
      ['a row scorer that throws', 'row', 'throws', 'w-2', undefined, 'no score'],
      ['a row scorer out of range', 'row', 'out of range', 'w-2', 'w-2', 'score 101 is not an integer in 0..100'],
      ['a shape scorer that throws', 'shape', 'throws', 'r-1', undefined, 'no score'],
      ['a shape scorer out of range', 'shape', 'out of range', 'r-1', 'w-1', 'score 101'],
    ])('%s: an error decision every time, as with no reuse', (_name, scope, fault, on, workerId, message) => {
      const s = fleetOf();
      const [fast, reference] = [engine([broken(scope, fault, on)], 'declared'), engine([broken(scope, fault, on)], 'none')];
      for (let k = 0; k < 3; k++) {
        const d = fast.place(requestOf({}), s);
        expect(d).toMatchObject({ result: 'error', plugin: scope === 'row' ? 'BinPacking' : 'Locality', workerId });
        expect(d.result === 'error' ? d.message : '').toContain(message);
        expect(everything(d)).toEqual(everything(reference.place(requestOf({}), s)));
      }
    });

    it('names the first failing scorer of the placer\'s list', () => {
      const d = engine([broken('shape', 'out of range', 'r-2'), broken('row', 'out of range', 'w-1')], 'declared').place(requestOf({}), fleetOf());
      expect(d).toMatchObject({ result: 'error', plugin: 'Locality', workerId: 'w-2' });
    });

    it('is no error on a worker a later filter rejects', () => {
      const notW2: WorkerFilterPlugin = {
        scope: 'worker', name: 'ApiRejection', reasons: ['RejectedByApi'],
        filter: (_r, workers, at) => (workers.worker(at).id === 'w-2' ? unschedulable('RejectedByApi') : SUCCESS),
      };
      const p = engine([broken('row', 'throws', 'w-2')], 'declared', [...contractFilters().slice(0, -1), notW2]);
      for (let k = 0; k < 2; k++) expect(p.place(requestOf({}), fleetOf())).toMatchObject({ result: 'scheduled', workerId: 'w-1' });
    });
  });

  it('lists the verdicts of workers counted by shape slot without a visit, in no-fit and kept decisions', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').withLicense('none').build());
    s.upsertWorker(aWorker('w-2').withStatus('DRAINING').build());
    s.upsertWorker(aWorker('w-3').withCpu(1).build());
    s.upsertWorker(aWorker('w-4').withLicense('none').build());
    const rejected = [
      { workerId: 'w-1', plugin: 'LicenseAffinity', reason: 'LicenseMismatch' },
      { workerId: 'w-2', plugin: 'WorkerStatus', reason: 'WorkerDraining' },
      { workerId: 'w-3', plugin: 'ResourcesFit', reason: 'InsufficientCpu' },
      { workerId: 'w-4', plugin: 'LicenseAffinity', reason: 'LicenseMismatch' },
    ];
    const p = createPlacer('default');
    const enterprise = (): LabletInstance => anInstance('li-new').withCpu(2).withLicenseAffinity('enterprise').build();
    const d = p.place(enterprise(), s);
    expect(d).toMatchObject({ result: 'unschedulable', message: '0/4 workers fit: 2 LicenseMismatch, 1 InsufficientCpu, 1 WorkerDraining' });
    expect(d.result === 'unschedulable' ? d.verdicts() : []).toEqual(rejected);
    s.upsertWorker(aWorker('w-5').build());
    const kept = p.place(enterprise(), s, { keepVerdicts: true });
    expect(kept.result === 'scheduled' ? kept.verdicts?.().filter((v) => v.reason !== undefined) : []).toEqual(rejected);
  });

  it('runs any filter list, counting a worker under the first filter of that list that rejects it', () => {
    const [status, , , , , fit] = contractFilters() as [FilterPlugin, FilterPlugin, FilterPlugin, FilterPlugin, FilterPlugin, FilterPlugin];
    const build = (filters: FilterPlugin[]): Placer => new FrameworkPlacer({ name: 'p', filters, scorers: [{ plugin: new BinPackingScorer(), weight: 1 }] });
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').withStatus('DRAINING').withCpu(1).build());
    const big = anInstance('li-big').withCpu(4).build();
    expect(build([status, fit]).place(big, s)).toMatchObject({ result: 'unschedulable', message: '0/1 workers fit: 1 WorkerDraining' });
    expect(build([fit, status]).place(big, s)).toMatchObject({ result: 'unschedulable', message: '0/1 workers fit: 1 InsufficientCpu' });
  });

  it('counts a reason declared by a plugin outside the contract, in the contract\'s message form', () => {
    const odd: WorkerFilterPlugin = {
      scope: 'worker', name: 'OddWorker', reasons: ['OddWorkerId'],
      filter: (_r, workers, at) => (workers.worker(at).id.endsWith('1') ? unschedulable('OddWorkerId') : SUCCESS),
    };
    const p = new FrameworkPlacer({ name: 'p', filters: [...contractFilters(), odd], scorers: [{ plugin: new BinPackingScorer(), weight: 1 }] });
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.upsertWorker(aWorker('w-2').withCpu(1).build());
    const d = p.place(anInstance().withCpu(2).build(), s, { keepVerdicts: true });
    expect(d).toMatchObject({ result: 'unschedulable', message: '0/2 workers fit: 1 InsufficientCpu, 1 OddWorkerId' });
    expect(d.result === 'unschedulable' ? d.verdicts() : []).toEqual([
      { workerId: 'w-1', plugin: 'OddWorker', reason: 'OddWorkerId' },
      { workerId: 'w-2', plugin: 'ResourcesFit', reason: 'InsufficientCpu' },
    ]);
  });

  it('is what the registry runs', () => {
    expect(createPlacer('default')).toBeInstanceOf(FrameworkPlacer);
    expect(createPlacer('spread')).toBeInstanceOf(FrameworkPlacer);
  });
});
