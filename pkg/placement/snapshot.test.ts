import type { Resources } from '../objects';
import { aWorker } from '../objects/testing';
import { Snapshot } from './snapshot';

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

  it('keeps workers() and workerIds() aligned through swap-removal, with one ids array between changes', () => {
    const s = new Snapshot();
    for (const id of ['a', 'b', 'c', 'd']) s.upsertWorker(aWorker(id).build());
    s.removeWorker('b');
    const ids = s.workerIds();
    expect(s.workerIds()).toBe(ids);
    expect(s.workers().map((w) => w.worker.id)).toEqual(ids);
    expect([...ids].sort()).toEqual(['a', 'c', 'd']);
    s.upsertWorker(aWorker('e').build());
    expect(s.workerIds()).not.toBe(ids);
  });
});
