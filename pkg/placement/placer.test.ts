import fc from 'fast-check';
import type { LabletInstance, Worker } from '../objects';
import { anInstance, aWorker } from '../objects/testing';
import type { Decision, ScheduledDecision, UnschedulableDecision } from './decision';
import { SCORED_KEPT } from './decision';
import type { FilterPlugin, ScorePlugin } from './framework';
import { errorVerdict, SUCCESS, unschedulable } from './framework';
import type { Placer, PlacerConfig } from './placer';
import { contractFilters, createPlacer, placerNames } from './registrations';
import { binPacking, BinPackingScorer } from './plugins/bin-packing';
import { PlacementRegistry } from './registry';
import { FrameworkPlacer } from './runner';
import { Snapshot } from './snapshot';
import { failingCmlVersion } from './testing';

function fleet(...workers: Worker[]): Snapshot {
  const s = new Snapshot();
  for (const w of workers) s.upsertWorker(w);
  return s;
}

function scheduled(d: Decision): ScheduledDecision {
  if (d.result !== 'scheduled') throw new Error(`expected scheduled, got ${JSON.stringify(d)}`);
  return d;
}

function noFit(d: Decision): UnschedulableDecision {
  if (d.result !== 'unschedulable') throw new Error(`expected unschedulable, got ${d.result}`);
  return d;
}

const placer = (config?: PlacerConfig): Placer => createPlacer('default', config);
const small = anInstance('li-1').withCpu(2).withMemory(4).withStorage(10).build();

describe('default placer: filters', () => {
  it('counts a worker once, under the first filter that rejects it', () => {
    const snapshot = fleet(
      aWorker('w-1').withStatus('DRAINING').withLicense('none').withCpu(1).build(),
      aWorker('w-2').withLicense('none').withCpu(1).build(),
      aWorker('w-3').withCmlVersion('2.7.0').withCpu(1).build(),
      aWorker('w-4').withCpu(1).withMemory(1).build(),
    );
    const instance = anInstance().withLicenseAffinity('enterprise').withCmlVersion('>=2.9.0').withCpu(2).build();
    const d = noFit(placer().place(instance, snapshot));
    expect(d.reasons).toEqual({ CmlVersionMismatch: 1, InsufficientCpu: 1, LicenseMismatch: 1, WorkerDraining: 1 });
    expect(d.verdicts()).toEqual([
      { workerId: 'w-1', plugin: 'WorkerStatus', reason: 'WorkerDraining' },
      { workerId: 'w-2', plugin: 'LicenseAffinity', reason: 'LicenseMismatch' },
      { workerId: 'w-3', plugin: 'CmlVersion', reason: 'CmlVersionMismatch' },
      { workerId: 'w-4', plugin: 'ResourcesFit', reason: 'InsufficientCpu' },
    ]);
  });

  it('writes the contract message with counts summing to N', () => {
    const workers = [
      ...Array.from({ length: 7 }, (_, i) => aWorker(`w-m${i}`).withMemory(2).build()),
      ...Array.from({ length: 5 }, (_, i) => aWorker(`w-l${i}`).withLicense('evaluation').build()),
    ];
    const d = noFit(placer().place(anInstance().withLicenseAffinity('personal').build(), fleet(...workers)));
    expect(d.message).toBe('0/12 workers fit: 7 InsufficientMemory, 5 LicenseMismatch');
    expect(Object.keys(d.reasons)).toEqual(['InsufficientMemory', 'LicenseMismatch']);
    expect(d.numWorkers).toBe(12);
    expect(d.verdicts()).toHaveLength(12);
  });

  it('says 0/0 workers fit with no reasons when there are no workers', () => {
    const d = noFit(placer().place(small, new Snapshot()));
    expect([d.message, d.reasons, d.verdicts()]).toEqual(['0/0 workers fit', {}, []]);
  });

  it('counts RejectedByApi from the option, after every other filter', () => {
    const snapshot = fleet(aWorker('w-1').build(), aWorker('w-2').withCpu(1).build(), aWorker('w-3').build());
    const d = scheduled(placer().place(small, snapshot, { rejectedWorkerIds: new Set(['w-1', 'w-2']) }));
    expect(d.workerId).toBe('w-3');
    expect(d.reasons).toEqual({ InsufficientCpu: 1, RejectedByApi: 1 });
    const all = noFit(placer().place(small, snapshot, { rejectedWorkerIds: new Set(['w-1', 'w-2', 'w-3']) }));
    expect(all.message).toBe('0/3 workers fit: 2 RejectedByApi, 1 InsufficientCpu');
  });

  it('refuses a personal worker that already holds an instance, assumed or observed', () => {
    const snapshot = fleet(aWorker('w-p').withLicense('personal').build());
    const instance = anInstance().withLicenseAffinity('personal').build();
    expect(scheduled(placer().place(instance, snapshot)).workerId).toBe('w-p');
    snapshot.assume('li-0', 'w-p', small.requirements.resources);
    expect(noFit(placer().place(instance, snapshot)).message).toBe('0/1 workers fit: 1 PersonalLicenseInUse');
  });

  it('fits 0.1 + 0.2 into 0.3 cores exactly', () => {
    const snapshot = fleet(aWorker('w-1').withCpu(0.3).build());
    snapshot.setHolder('li-0', 'w-1', anInstance().withCpu(0.2).withMemory(0).withStorage(0).build().requirements.resources);
    const instance = anInstance().withCpu(0.1).withMemory(1).withStorage(1).build();
    expect(scheduled(placer().place(instance, snapshot)).workerId).toBe('w-1');
    expect(noFit(placer().place(anInstance().withCpu(0.101).build(), snapshot)).reasons).toEqual({ InsufficientCpu: 1 });
  });

  it('follows a worker whose shape changes (no stale shape verdict)', () => {
    const snapshot = fleet(aWorker('w-1').withCmlVersion('2.9.1').build());
    const instance = anInstance().withCmlVersion('>=2.10.0').build();
    const p = placer();
    expect(noFit(p.place(instance, snapshot)).reasons).toEqual({ CmlVersionMismatch: 1 });
    snapshot.upsertWorker(aWorker('w-1').withCmlVersion('2.10.0').build());
    expect(scheduled(p.place(instance, snapshot)).workerId).toBe('w-1');
    expect(noFit(p.place(anInstance().withCmlVersion('>=2.11.0').build(), snapshot)).reasons).toEqual({ CmlVersionMismatch: 1 });
  });
});

describe('default placer: scores', () => {
  it('scores per contract and weights them into the total', () => {
    const snapshot = fleet(
      aWorker('w-far').withRegion('eu-west-1').withCpu(10).withMemory(10).withStorage(10).build(),
      aWorker('w-near').withRegion('us-east-1').withCpu(10).withMemory(10).withStorage(10).build(),
    );
    snapshot.setHolder('li-0', 'w-far', anInstance().withCpu(5).withMemory(5).withStorage(5).build().requirements.resources);
    const instance = anInstance().withCpu(1).withMemory(1).withStorage(1).withPreferredRegion('us-east-1').build();
    const d = scheduled(placer().place(instance, snapshot));
    expect(d.scored()).toEqual([
      // BinPacking 60 x 0.6 + LoadBalance 0 x 0.2 = 36; BinPacking 10 x 0.6 + Locality 100 x 0.2 + LoadBalance 100 x 0.2 = 46
      { workerId: 'w-near', total: 46, scores: { BinPacking: 10, Locality: 100, LoadBalance: 100 } },
      { workerId: 'w-far', total: 36, scores: { BinPacking: 60, Locality: 0, LoadBalance: 0 } },
    ]);
    expect([d.workerId, d.score.total, d.numFeasible, d.numEvaluated]).toEqual(['w-near', 46, 2, 2]);
  });

  it('lets the weights decide: all on binPacking packs the fuller worker', () => {
    const snapshot = fleet(aWorker('w-empty').build(), aWorker('w-busy').build());
    snapshot.setHolder('li-0', 'w-busy', anInstance().withCpu(40).build().requirements.resources);
    const packed = placer({ weights: { binPacking: 1, locality: 0, loadBalance: 0 } }).place(small, snapshot);
    const balanced = placer({ weights: { binPacking: 0, locality: 0, loadBalance: 1 } }).place(small, snapshot);
    expect([scheduled(packed).workerId, scheduled(balanced).workerId]).toEqual(['w-busy', 'w-empty']);
  });

  it.each([
    ['a negative weight', { binPacking: -0.1, locality: 0.2, loadBalance: 0.2 }, 'the weight of BinPacking must be'],
    ['a weight that is not a number', { binPacking: Number.NaN, locality: 0.2, loadBalance: 0.2 }, 'BinPacking'],
    ['weights summing to 0', { binPacking: 0, locality: 0, loadBalance: 0 }, 'must sum to more than 0'],
  ])('refuses %s', (_name, weights, message) => {
    expect(() => placer({ weights })).toThrow(message);
  });

  it.each([0, -5, 101, Number.NaN])('refuses percentageOfWorkersToScore %s', (percentageOfWorkersToScore) => {
    expect(() => placer({ percentageOfWorkersToScore })).toThrow('placement.percentageOfWorkersToScore');
  });
});

describe('default placer: ties and determinism', () => {
  it('gives equal totals to the smallest worker id in byte order', () => {
    const ids = ['w-9', 'w-b', 'w-10', 'W-z', 'w-a'];
    const d = scheduled(placer().place(small, fleet(...ids.map((id) => aWorker(id).build()))));
    expect(d.workerId).toBe('W-z');
    expect(d.scored().map((s) => s.workerId)).toEqual(['W-z', 'w-10', 'w-9', 'w-a', 'w-b']);
  });

  it(`keeps the best ${SCORED_KEPT} scored workers, ties by id, however many tie at the cut`, () => {
    // 25 equal workers: every total ties, so the kept ones are the smallest ids in byte order.
    const ids = Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? `w-${i}` : `W-${50 - i}`));
    const d = scheduled(placer().place(small, fleet(...ids.map((id) => aWorker(id).build()))));
    expect(d.scored().map((s) => s.workerId)).toEqual([...ids].sort().slice(0, SCORED_KEPT));
  });

  it('keeps the same scored workers as a sort of every scored worker (seeded, generated fleets)', () => {
    const fleetArb = fc.array(fc.record({ cpu: fc.constantFrom(16, 32), held: fc.integer({ min: 0, max: 3 }), near: fc.boolean() }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fleetArb, fc.integer({ min: 0, max: 1000 }), (specs, salt) => {
        const s = fleet(...specs.map((w, i) => aWorker(`w-${(i * 7919 + salt) % 1009}-${i}`).withCpu(w.cpu).withRegion(w.near ? 'us-east-1' : undefined).build()));
        specs.forEach((w, i) => {
          for (let h = 0; h < w.held; h++) s.setHolder(`h-${i}-${h}`, s.workerIds()[i]!, small.requirements.resources);
        });
        const d = scheduled(placer().place(anInstance().withPreferredRegion('us-east-1').build(), s, { keepVerdicts: true }));
        const all = (d.verdicts?.() ?? []).flatMap((v) => (v.reason === undefined ? [v] : []));
        const sorted = all.sort((x, y) => y.total - x.total || (x.workerId < y.workerId ? -1 : 1)).slice(0, SCORED_KEPT);
        expect(d.scored()).toEqual(sorted);
      }),
      { seed: 7, numRuns: 150 },
    );
  });

  it('makes the same decision for the same input, whatever order the fleet was built in', () => {
    const workers = Array.from({ length: 30 }, (_, i) =>
      aWorker(`w-${i}`).withCpu(8 + (i % 4)).withRegion(i % 3 === 0 ? 'us-east-1' : 'eu-west-1').build(),
    );
    const build = (order: readonly Worker[]): Snapshot => {
      const s = fleet(...order);
      workers.forEach((w, i) => { if (i % 5 === 0) s.setHolder(`h-${i}`, w.id, small.requirements.resources); });
      return s;
    };
    const instance = anInstance().withPreferredRegion('us-east-1').build();
    const forward = build(workers);
    const backward = build([...workers].reverse());
    const summary = (d: Decision): unknown => (d.result === 'scheduled' ? [d.workerId, d.score, d.scored()] : d);
    const first = summary(placer().place(instance, forward));
    expect(summary(placer().place(instance, forward))).toEqual(first);
    expect(summary(placer().place(instance, backward))).toEqual(first);
  });
});

describe('FrameworkPlacer: errors are never reasons', () => {
  const broken = (verdict: 'error' | 'throw' | 'undeclared'): FilterPlugin => ({
    scope: 'worker',
    name: 'ApiRejection',
    reasons: ['RejectedByApi'],
    filter: (_request, workers, at) => {
      if (workers.worker(at).id !== 'w-2') return SUCCESS;
      if (verdict === 'throw') throw new Error('boom');
      return verdict === 'error' ? errorVerdict(new Error('bad data')) : unschedulable('InsufficientCpu');
    },
  });
  const withFilter = (last: FilterPlugin, scorers: ScorePlugin[] = [new BinPackingScorer()]): FrameworkPlacer =>
    new FrameworkPlacer({
      name: 'test',
      filters: [...contractFilters().slice(0, -1), last],
      scorers: scorers.map((plugin) => ({ plugin, weight: 1 })),
    });
  const snapshot = (): Snapshot => fleet(aWorker('w-1').build(), aWorker('w-2').build());

  it.each([
    ['an Error verdict', 'error', 'plugin ApiRejection failed on worker w-2: bad data'],
    ['a throw', 'throw', 'plugin ApiRejection failed on worker w-2: boom'],
    ['an undeclared reason', 'undeclared', 'plugin ApiRejection failed on worker w-2: gave reason InsufficientCpu'],
  ] as const)('turns %s into an error decision stamped with plugin and worker', (_name, kind, message) => {
    const d = withFilter(broken(kind)).place(small, snapshot());
    expect(d).toMatchObject({ result: 'error', plugin: 'ApiRejection', workerId: 'w-2', instanceId: 'li-1' });
    expect(d.result === 'error' ? d.message : '').toContain(message);
  });

  it.each<[string, () => number[], string | undefined, string]>([
    ['throws', () => { throw new Error('no score'); }, undefined, 'no score'],
    ['scores out of range', () => [0, 101], 'w-2', 'score 101 is not an integer in 0..100'],
    ['scores a fraction', () => [50.5, 0], 'w-1', 'score 50.5'],
    ['scores too few workers', () => [1], 'w-2', 'gave no score'],
    ['scores NaN', () => [Number.NaN, 1], 'w-1', 'score NaN'],
  ])('turns a scorer that %s into an error decision', (_name, scores, workerId, message) => {
    const scorer: ScorePlugin = { scope: 'feasible', name: 'Locality', score: (_r, _w, _p, _count, out) => out.set(scores()) };
    const d = withFilter(contractFilters().at(-1)!, [scorer]).place(small, snapshot());
    expect(d).toMatchObject({ result: 'error', plugin: 'Locality', workerId });
    expect(d.result === 'error' ? d.message : '').toContain(message);
  });

  it('surfaces a shape filter error only on a worker that reaches it, and does not cache it', () => {
    const flaky = failingCmlVersion();
    const filters = contractFilters().map((f) => (f.name === 'CmlVersion' ? flaky.filter : f));
    const p = new FrameworkPlacer({ name: 'test', filters, scorers: [{ plugin: new BinPackingScorer(), weight: 1 }] });
    const draining = fleet(aWorker('w-1').withStatus('DRAINING').build());
    expect(noFit(p.place(small, draining)).reasons).toEqual({ WorkerDraining: 1 });
    const running = fleet(aWorker('w-1').withStatus('DRAINING').build(), aWorker('w-2').build());
    const d = p.place(small, running);
    expect(d).toMatchObject({ result: 'error', plugin: 'CmlVersion', workerId: 'w-2' });
    const before = flaky.calls();
    p.place(small, running);
    expect(flaky.calls()).toBe(before + 1);
  });

  it('skips a worker filter for shapes it does not apply to, and counts its rejections elsewhere', () => {
    const seen: string[] = [];
    const onlyEvaluation: FilterPlugin = {
      scope: 'worker',
      name: 'ApiRejection',
      reasons: ['RejectedByApi'],
      appliesTo: (_request, shape) => shape.license === 'evaluation',
      filter: (_request, workers, at) => {
        seen.push(workers.worker(at).id);
        return unschedulable('RejectedByApi');
      },
    };
    const d = scheduled(withFilter(onlyEvaluation).place(small, fleet(aWorker('w-e').build(), aWorker('w-v').withLicense('evaluation').build())));
    expect(d.workerId).toBe('w-e');
    expect([seen, d.reasons]).toEqual([['w-v'], { RejectedByApi: 1 }]);
  });

  it('refuses a placer whose filters share a reason or repeat a plugin', () => {
    const filters = contractFilters();
    expect(() => new FrameworkPlacer({ name: 'x', filters: [...filters, filters[0]!], scorers: [{ plugin: new BinPackingScorer(), weight: 1 }] }))
      .toThrow('already belongs to another filter');
  });
});

describe('percentageOfWorkersToScore', () => {
  const many = (n: number): Snapshot => fleet(...Array.from({ length: n }, (_, i) => aWorker(`w-${String(i).padStart(3, '0')}`).build()));

  it('scores every worker at 100', () => {
    const d = scheduled(placer().place(small, many(300)));
    expect([d.numEvaluated, d.numFeasible]).toEqual([300, 300]);
  });

  it('stops once max(100, n x p%) feasible workers are found, and starts where the last decision stopped', () => {
    const p = placer({ percentageOfWorkersToScore: 10 });
    const s = many(300);
    const first = scheduled(p.place(small, s, { keepVerdicts: true }));
    const second = scheduled(p.place(small, s, { keepVerdicts: true }));
    expect([first.numEvaluated, first.numFeasible, first.scored().length]).toEqual([100, 100, SCORED_KEPT]);
    const seen = (d: ScheduledDecision): string[] => (d.verdicts?.() ?? []).map((v) => v.workerId);
    expect(seen(second)).toHaveLength(100);
    expect(seen(second).filter((id) => seen(first).includes(id))).toEqual([]);
  });

  it('still scans every worker when nothing fits, so the histogram sums to N', () => {
    const d = noFit(placer({ percentageOfWorkersToScore: 10 }).place(anInstance().withCpu(100).build(), many(300)));
    expect(d.message).toBe('0/300 workers fit: 300 InsufficientCpu');
  });
});

describe('registry', () => {
  it('names every placer it knows', () => {
    expect(placerNames().map((name) => createPlacer(name).name)).toEqual(['default', 'spread']);
  });

  it('spreads where default packs', () => {
    const s = fleet(aWorker('w-empty').build(), aWorker('w-busy').build());
    s.setHolder('li-0', 'w-busy', anInstance().withCpu(40).withMemory(100).build().requirements.resources);
    const weights = { binPacking: 1, locality: 0, loadBalance: 0 };
    const pick = (name: string, instance: LabletInstance): string => scheduled(createPlacer(name, { weights }).place(instance, s)).workerId;
    expect([pick('default', small), pick('spread', small)]).toEqual(['w-busy', 'w-empty']);
  });

  it.each(['nope', 'toString', ''])('refuses the unknown placer %j, naming the known ones', (name) => {
    expect(() => createPlacer(name)).toThrow('known: default, spread');
  });

  it.each<[string, (r: PlacementRegistry) => void, string]>([
    ['a plugin registered twice', (r) => r.registerPlugin(binPacking), 'plugin BinPacking is already registered'],
    ['a plugin name not in PascalCase', (r) => r.registerPlugin({ ...binPacking, name: 'binPacking' }), 'must be PascalCase'],
    ['a placer naming an unknown filter', (r) => r.registerPlacer({ name: 'x', filters: ['Nope'], scorers: [] }), 'no filter plugin Nope'],
    ['a placer naming a scorer as a filter', (r) => r.registerPlacer({ name: 'x', filters: ['BinPacking'], scorers: [] }), 'no filter plugin BinPacking'],
    ['a placer naming an unknown scorer', (r) => r.registerPlacer({ name: 'x', filters: [], scorers: [{ plugin: 'Nope', weight: 1 }] }), 'no score plugin Nope'],
    ['a placer registered twice', (r) => r.registerPlacer({ name: 'p', filters: [], scorers: [{ plugin: 'BinPacking', weight: 1 }] }), 'placer p is already registered'],
  ])('refuses %s', (_name, register, message) => {
    const r = new PlacementRegistry();
    r.registerPlugin(binPacking);
    r.registerPlacer({ name: 'p', filters: [], scorers: [{ plugin: 'BinPacking', weight: 1 }] });
    expect(() => register(r)).toThrow(message);
  });
});
