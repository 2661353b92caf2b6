import fc from 'fast-check';
import type { Resources } from '../objects';
import { aWorker } from '../objects/testing';
import { compareIds } from './decision';
import { Snapshot } from './snapshot';
import { MANY_IDS } from './testing';

const r = (cpu: number, memory = 0, storage = 0, nodes = 0, ports = 0): Resources => ({
  cpuMilli: cpu, memoryMilli: memory, storageMilli: storage, nodesMilli: nodes, portsMilli: ports,
});

function usage(s: Snapshot, workerId: string): [number, number] | undefined {
  const w = s.getWorker(workerId);
  return w === undefined ? undefined : [w.allocated.cpuMilli, w.holders];
}

describe('Snapshot', () => {
  it('counts valid workers and forgets removed ones', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.upsertWorker(aWorker('w-2').build());
    s.upsertWorker(aWorker('w-1').withCpu(4).build());
    expect(s.size).toBe(2);
    s.removeWorker('w-1');
    s.removeWorker('w-1');
    expect([s.size, s.getWorker('w-1'), s.workerIds()]).toEqual([1, undefined, ['w-2']]);
  });

  it('sums holders into allocation and holder count', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.setHolder('li-1', 'w-1', r(2000, 4000, 15000, 2000, 3000));
    s.setHolder('li-2', 'w-1', r(1500, 1000, 0, 0, 0));
    expect(s.getWorker('w-1')?.allocated).toEqual(r(3500, 5000, 15000, 2000, 3000));
    expect(s.getWorker('w-1')?.holders).toBe(2);
  });

  it('is idempotent: the same holder set twice counts once', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.setHolder('li-1', 'w-1', r(2000));
    s.setHolder('li-1', 'w-1', r(2000));
    expect(usage(s, 'w-1')).toEqual([2000, 1]);
    s.removeHolder('li-1');
    s.removeHolder('li-1');
    expect(usage(s, 'w-1')).toEqual([0, 0]);
  });

  it('moves a holder between workers, adjusting both sides', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.upsertWorker(aWorker('w-2').build());
    s.setHolder('li-1', 'w-1', r(2000));
    s.setHolder('li-1', 'w-2', r(3000));
    expect([usage(s, 'w-1'), usage(s, 'w-2')]).toEqual([[0, 0], [3000, 1]]);
  });

  it('adjusts allocation when a holder changes its requirements on the same worker', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.setHolder('li-1', 'w-1', r(2000));
    s.setHolder('li-1', 'w-1', r(500));
    expect(usage(s, 'w-1')).toEqual([500, 1]);
  });

  it('counts a holder seen before its worker once the worker appears', () => {
    const s = new Snapshot();
    s.setHolder('li-1', 'w-9', r(2000));
    s.assume('li-2', 'w-9', r(1000));
    expect(s.getWorker('w-9')).toBeUndefined();
    s.upsertWorker(aWorker('w-9').build());
    expect(usage(s, 'w-9')).toEqual([3000, 2]);
  });

  it('keeps the holders of a removed worker for its return', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.setHolder('li-1', 'w-1', r(2000));
    s.removeWorker('w-1');
    s.removeHolder('li-1');
    s.setHolder('li-2', 'w-1', r(700));
    s.upsertWorker(aWorker('w-1').build());
    expect(usage(s, 'w-1')).toEqual([700, 1]);
  });

  it('keeps the allocation when a worker is updated in place', () => {
    const s = new Snapshot();
    s.upsertWorker(aWorker('w-1').build());
    s.setHolder('li-1', 'w-1', r(2000));
    s.upsertWorker(aWorker('w-1').withStatus('DRAINING').withLicense('personal').build());
    expect(usage(s, 'w-1')).toEqual([2000, 1]);
    expect(s.getWorker('w-1')?.worker.status).toBe('DRAINING');
    expect(s.getWorker('w-1')?.shape.license).toBe('personal');
  });

  describe('observed and assumed layers', () => {
    it('lets an observed holder replace the assumption for the same instance without double counting', () => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').build());
      s.assume('li-1', 'w-1', r(2000));
      s.setHolder('li-1', 'w-1', r(2000));
      expect(usage(s, 'w-1')).toEqual([2000, 1]);
      s.forget('li-1');
      expect(usage(s, 'w-1')).toEqual([2000, 1]);
      expect(s.holderOf('li-1')?.source).toBe('observed');
    });

    it('keeps the assumption while the watch still shows the instance holding nothing', () => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').build());
      s.assume('li-1', 'w-1', r(2000));
      s.removeHolder('li-1');
      expect(usage(s, 'w-1')).toEqual([2000, 1]);
      expect(s.holderOf('li-1')).toEqual({ workerId: 'w-1', resources: r(2000), source: 'assumed' });
    });

    it('follows the observed worker when reality differs from the assumption, and back when it goes', () => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').build());
      s.upsertWorker(aWorker('w-2').build());
      s.assume('li-1', 'w-1', r(2000));
      s.setHolder('li-1', 'w-2', r(2000));
      expect([usage(s, 'w-1'), usage(s, 'w-2')]).toEqual([[0, 0], [2000, 1]]);
      s.removeHolder('li-1');
      expect([usage(s, 'w-1'), usage(s, 'w-2')]).toEqual([[2000, 1], [0, 0]]);
      expect(s.assumedCount).toBe(1);
    });

    it('releases capacity when the assumption is forgotten and nothing was observed', () => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').build());
      s.assume('li-1', 'w-1', r(2000));
      s.forget('li-1');
      expect([usage(s, 'w-1'), s.holderOf('li-1'), s.assumedCount]).toEqual([[0, 0], undefined, 0]);
    });
  });

  describe('shapes', () => {
    it('shares one shape among workers of the same license, version and node definitions', () => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').withNodeDefinitions('iosv', 'csr1000v').build());
      s.upsertWorker(aWorker('w-2').withNodeDefinitions('csr1000v', 'iosv').build());
      s.upsertWorker(aWorker('w-3').withCmlVersion('2.10.0').build());
      expect(s.getWorker('w-1')?.shape).toBe(s.getWorker('w-2')?.shape);
      expect(s.getWorker('w-3')?.shape).not.toBe(s.getWorker('w-1')?.shape);
      expect(s.shapeSlots().filter((x) => x !== undefined)).toHaveLength(2);
    });

    it('frees a shape slot when its last worker goes and reuses it', () => {
      const s = new Snapshot();
      s.upsertWorker(aWorker('w-1').build());
      s.upsertWorker(aWorker('w-2').withLicense('personal').build());
      const freed = s.getWorker('w-2')?.shape.index;
      s.removeWorker('w-2');
      expect(s.shapeSlots()[freed ?? -1]).toBeUndefined();
      s.upsertWorker(aWorker('w-3').withLicense('none').build());
      expect(s.getWorker('w-3')?.shape.index).toBe(freed);
    });
  });

  it('moves a worker\'s allocation, capacity and shape with it when another is removed, and grows past its first rows', () => {
    const s = new Snapshot();
    const ids = Array.from({ length: 70 }, (_, i) => `w-${i}`); // past the table's first 64 rows
    for (const [i, id] of ids.entries()) {
      s.upsertWorker(aWorker(id).withCpu(i + 1).withNodes(i % 2 === 0 ? undefined : 5).withLicense(i === 69 ? 'personal' : 'enterprise').build());
      s.setHolder(`li-${i}`, id, r(i));
    }
    s.removeWorker('w-0'); // the last one (w-69) moves into position 0
    const columns = s.columns();
    const at = s.workerIds().indexOf('w-69');
    expect(at).toBe(0);
    expect([columns.allocated[at * 5], columns.capacity[at * 5], columns.capacity[at * 5 + 3], columns.holders[at]]).toEqual([69, 70_000, 5000, 1]);
    expect(s.shapeSlots()[columns.shapeIndex[at]!]?.license).toBe('personal');
    expect(s.getWorker('w-69')).toMatchObject({ allocated: r(69), holders: 1 });
    expect(s.getWorker('w-68')?.worker.capacity.nodesMilli).toBeUndefined();
    expect(columns.capacity[s.workerIds().indexOf('w-68') * 5 + 3]).toBe(Infinity);
  });

  it('ranks worker ids in byte order, again after workers come and go', () => {
    const s = new Snapshot();
    for (const id of ['w-b', 'W-z', 'w-10', 'w-9']) s.upsertWorker(aWorker(id).build());
    const byRank = (): string[] => {
      const ranks = s.columns().idRanks();
      return s.workerIds().map((id, i) => [id, ranks[i]!] as const).sort((x, y) => x[1] - y[1]).map(([id]) => id);
    };
    expect(byRank()).toEqual(['W-z', 'w-10', 'w-9', 'w-b']);
    s.removeWorker('W-z');
    s.upsertWorker(aWorker('w-0').build());
    expect(byRank()).toEqual(['w-0', 'w-10', 'w-9', 'w-b']);
  });

  it('keeps the ranks, once asked for, right as workers come and go, on forks too (seeded)', () => {
    // Few ids, long runs: most removals find their worker.
    const step = fc.record({ id: fc.constantFrom(...MANY_IDS.slice(0, 8), 'W-0', 'w-00', 'a', 'A'), remove: fc.boolean(), fork: fc.nat(9) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 30, maxLength: 120 }), (steps) => {
        let s = new Snapshot();
        for (const { id, remove, fork } of steps) {
          if (fork === 0) s = s.fork();
          if (remove) s.removeWorker(id);
          else s.upsertWorker(aWorker(id).build());
          const ids = s.workerIds();
          const sorted = [...ids].sort(compareIds);
          expect(Array.from(s.columns().idRanks())).toEqual(ids.map((x) => sorted.indexOf(x)));
        }
      }),
      { seed: 20261127, numRuns: 100 },
    );
  });

  it('keeps columns() and workerIds() aligned through swap-removal, with one ids array between changes', () => {
    const s = new Snapshot();
    for (const id of ['a', 'b', 'c', 'd']) s.upsertWorker(aWorker(id).build());
    s.removeWorker('b');
    const ids = s.workerIds();
    expect(s.workerIds()).toBe(ids);
    const columns = s.columns();
    expect(Array.from({ length: columns.size }, (_, i) => columns.worker(i).id)).toEqual(ids);
    expect([...ids].sort()).toEqual(['a', 'c', 'd']);
    s.upsertWorker(aWorker('e').build());
    expect(s.workerIds()).not.toBe(ids);
  });
});
