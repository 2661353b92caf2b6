import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Resources } from '../objects';
import { anInstance, aWorker } from '../objects/testing';
import { decisionOf, observeExactly } from './fork-testing';
import { createPlacer } from './registrations';
import { Snapshot } from './snapshot';

const r = (cpu: number): Resources => ({ cpuMilli: cpu, memoryMilli: 0, storageMilli: 0, nodesMilli: 0, portsMilli: 0 });
const usage = (s: Snapshot, id: string): [number, number] | undefined => {
  const w = s.getWorker(id);
  return w === undefined ? undefined : [w.allocated.cpuMilli, w.holders];
};
const NONE: ReadonlySet<string> = new Set();

/** Two 8-core workers: w-1 holds 6 cores (li-1, li-2), w-2 holds 1 core (li-3). */
function liveFleet(): Snapshot {
  const s = new Snapshot();
  s.upsertWorker(aWorker('w-1').withCpu(8).build());
  s.upsertWorker(aWorker('w-2').withCpu(8).build());
  s.setHolder('li-1', 'w-1', r(4000));
  s.assume('li-2', 'w-1', r(2000));
  s.setHolder('li-3', 'w-2', r(1000));
  return s;
}

describe('Snapshot.fork', () => {
  it('starts equal to its parent, columns and revisions included', () => {
    const live = liveFleet();
    expect(observeExactly(live.fork())).toEqual(observeExactly(live));
    expect(observeExactly(new Snapshot().fork())).toEqual(observeExactly(new Snapshot()));
  });

  it('keeps what is done on a fork to the fork, and what is done live after the fork to the live snapshot', () => {
    const live = liveFleet();
    const fork = live.fork();
    fork.removeHolder('li-1'); // released at slot end
    fork.assume('li-9', 'w-2', r(3000));
    fork.upsertWorker(aWorker('w-3').withCpu(16).build()); // booted
    live.setHolder('li-4', 'w-2', r(500));
    live.removeWorker('w-1');
    expect([usage(live, 'w-1'), usage(live, 'w-2'), usage(live, 'w-3'), live.holderOf('li-9'), live.size]).toEqual([undefined, [1500, 2], undefined, undefined, 1]);
    expect([usage(fork, 'w-1'), usage(fork, 'w-2'), usage(fork, 'w-3'), fork.holderOf('li-4'), fork.size]).toEqual([[2000, 1], [4000, 2], [0, 0], undefined, 3]);
  });

  it('counts holders waiting for an absent worker on the side where that worker appears', () => {
    const live = new Snapshot();
    live.setHolder('li-1', 'w-new', r(1000));
    const fork = live.fork();
    fork.assume('li-2', 'w-new', r(2000));
    fork.upsertWorker(aWorker('w-new').build());
    live.removeHolder('li-1');
    live.upsertWorker(aWorker('w-new').build());
    expect([usage(fork, 'w-new'), usage(live, 'w-new')]).toEqual([[3000, 2], [0, 0]]);
  });

  it('forks a fork, each level keeping its own changes', () => {
    const live = liveFleet();
    const fork = live.fork();
    fork.removeHolder('li-3');
    const forkOfFork = fork.fork();
    forkOfFork.forget('li-2');
    fork.assume('li-5', 'w-1', r(1000));
    expect([usage(live, 'w-1'), usage(live, 'w-2')]).toEqual([[6000, 2], [1000, 1]]);
    expect([usage(fork, 'w-1'), usage(fork, 'w-2')]).toEqual([[7000, 3], [0, 0]]);
    expect([usage(forkOfFork, 'w-1'), usage(forkOfFork, 'w-2')]).toEqual([[4000, 1], [0, 0]]);
  });

  it('leaves the live snapshot\'s shapes in use when a fork drops and adds shapes', () => {
    const live = new Snapshot();
    live.upsertWorker(aWorker('w-1').withLicense('personal').build());
    live.upsertWorker(aWorker('w-2').withLicense('personal').build());
    const personal = live.getWorker('w-1')?.shape;
    const fork = live.fork();
    fork.removeWorker('w-1');
    fork.removeWorker('w-2'); // the fork frees the personal shape's slot...
    fork.upsertWorker(aWorker('w-3').withLicense('none').build()); // ...and reuses it
    live.removeWorker('w-1'); // w-2 still has the shape live
    expect(live.getWorker('w-2')?.shape).toBe(personal);
    expect(live.shapeSlots()[personal?.index ?? -1]).toBe(personal);
    expect(fork.getWorker('w-3')?.shape.index).toBe(personal?.index);
  });

  it('lets one placer go from the live snapshot to a fork with a changed row and back, deciding as fresh placers do', () => {
    const live = liveFleet();
    const fork = live.fork();
    fork.removeHolder('li-1'); // w-1's row, written three times on each side after the fork: 5 of 8 cores, 2 holders...
    fork.forget('li-2');
    fork.assume('li-7', 'w-1', r(3000));
    live.removeHolder('li-1'); // ...and 3.5 of 8 cores, 3 holders live (counters per table would give both rows one revision)
    live.setHolder('li-4', 'w-1', r(1000));
    live.setHolder('li-5', 'w-1', r(500));
    const instance = anInstance('li-x').withCpu(2).build();
    const placer = createPlacer('default');
    const fresh = (s: Snapshot): unknown => decisionOf(createPlacer('default'), instance, s, NONE);
    const onLive = decisionOf(placer, instance, live, NONE);
    const onFork = decisionOf(placer, instance, fork, NONE);
    const onLiveAgain = decisionOf(placer, instance, live, NONE);
    expect([onLive, onFork, onLiveAgain]).toEqual([fresh(live), fresh(fork), fresh(live)]);
    expect([onLive, onFork]).toMatchObject([{ workerId: 'w-2' }, { workerId: 'w-1' }]);
  });

  it('needs no cleanup: a discarded fork is collected while its parent lives on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = liveFleet();
    const dropped = ((): WeakRef<Snapshot> => {
      const fork = live.fork();
      fork.upsertWorker(aWorker('w-3').build());
      fork.assume('li-9', 'w-3', r(1000));
      fork.fork().removeHolder('li-1');
      createPlacer('default').place(anInstance().build(), fork);
      return new WeakRef(fork);
    })();
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets are kept to the end of the job
    gc();
    expect(dropped.deref()).toBeUndefined();
    expect(usage(live, 'w-1')).toEqual([6000, 2]);
  });

  it('retains nothing in the parent for forks written to and dropped', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = liveFleet();
    for (let i = 0; i < 5_000; i++) live.setHolder(`held-${i}`, i % 2 === 0 ? 'w-1' : 'w-gone', r(1));
    const heapAfterGc = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const writeAndDrop = (): void => {
      const fork = live.fork();
      for (let i = 0; i < 2_000; i++) fork.assume(`fork-${i}`, 'w-2', r(1));
      for (let i = 0; i < 5_000; i += 7) fork.removeHolder(`held-${i}`);
    };
    writeAndDrop();
    const before = heapAfterGc();
    for (let k = 0; k < 40; k++) writeAndDrop(); // about 10 MB of holders if the parent kept them
    expect(heapAfterGc() - before).toBeLessThan(2_000_000);
    expect(usage(live, 'w-1')).toEqual([6000 + 2500, 2 + 2500]);
  });
});
