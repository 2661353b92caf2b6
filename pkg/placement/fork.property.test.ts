// Forked snapshots, property-based and seeded: generated fleets (testing.ts worlds) and operation
// sequences applied to a fork, to a fork of that fork, and to the live snapshot after both forks.
// Each of the three must show exactly what a fresh snapshot built from its own fleet shows, and make
// the same decisions, whether placed by fresh placers or by one placer going from one to the other;
// and the live snapshot is left exactly as it was by what its forks do.
import fc from 'fast-check';
import type { Op } from './fork-testing';
import { apply, copyFleet, decisionOf, fleetOf, freshSnapshot, observe, observeExactly, opArb } from './fork-testing';
import { createPlacer } from './registrations';
import type { Snapshot } from './snapshot';
import type { World } from './testing';
import { snapshotOf, worldArb } from './testing';

const PARAMS = { seed: 20261127, numRuns: process.env['SOAK'] === '1' ? 5_000 : 150 };
const ops = fc.array(opArb, { maxLength: 25, size: 'max' });

function placerFor(world: World): ReturnType<typeof createPlacer> {
  const [b, l, lb] = world.weights;
  return createPlacer('default', { weights: { binPacking: b / 10, locality: l / 10, loadBalance: lb / 10 } });
}

describe('Snapshot.fork', () => {
  it('shows and decides on each fork what a fresh snapshot of the same fleet shows and decides (seeded)', () => {
    fc.assert(
      fc.property(worldArb, ops, ops, ops, (world, onFork, onForkOfFork, onLiveAfter) => {
        const live = snapshotOf(world);
        const fleet = fleetOf(world);
        expect(observe(live)).toEqual(observe(freshSnapshot(fleet))); // the model is right to begin with
        const fork = live.fork();
        onFork.forEach((op) => apply(op, fork));
        const forkOfFork = fork.fork();
        onForkOfFork.forEach((op) => apply(op, forkOfFork));
        onLiveAfter.forEach((op) => apply(op, live));

        const forkFleet = copyFleet(fleet);
        onFork.forEach((op) => apply(op, forkFleet));
        const forkOfForkFleet = copyFleet(forkFleet);
        onForkOfFork.forEach((op) => apply(op, forkOfForkFleet));
        onLiveAfter.forEach((op) => apply(op, fleet));

        const cases: [Snapshot, Snapshot][] = [[fork, freshSnapshot(forkFleet)], [forkOfFork, freshSnapshot(forkOfForkFleet)], [live, freshSnapshot(fleet)]];
        const reused = placerFor(world);
        for (const [snapshot, fresh] of [...cases, ...[...cases].reverse()]) {
          expect(observe(snapshot)).toEqual(observe(fresh));
          const expected = decisionOf(placerFor(world), world.instance, fresh, world.rejected);
          expect(decisionOf(placerFor(world), world.instance, snapshot, world.rejected)).toEqual(expected);
          expect(decisionOf(reused, world.instance, snapshot, world.rejected)).toEqual(expected);
        }
      }),
      PARAMS,
    );
  });

  it('leaves the live snapshot exactly as it was, columns and revisions included, whatever its forks do (seeded)', () => {
    fc.assert(
      fc.property(worldArb, ops, ops, (world, onFork, onForkOfFork) => {
        const live = snapshotOf(world);
        const before = observeExactly(live);
        const decided = decisionOf(placerFor(world), world.instance, live, world.rejected);
        const fork = live.fork();
        const reused = placerFor(world);
        onFork.forEach((op: Op) => apply(op, fork));
        decisionOf(reused, world.instance, fork, world.rejected);
        const forkOfFork = fork.fork();
        onForkOfFork.forEach((op: Op) => apply(op, forkOfFork));
        decisionOf(reused, world.instance, forkOfFork, world.rejected);
        expect(observeExactly(live)).toEqual(before);
        expect(decisionOf(reused, world.instance, live, world.rejected)).toEqual(decided);
      }),
      PARAMS,
    );
  });

  it('gives equal revisions at a position, in any snapshot of a family of forks, only to equal rows (seeded)', () => {
    // A row cache keyed by (position, revision) may then serve every snapshot of the family.
    const step = fc.oneof(
      { weight: 1, arbitrary: fc.record({ on: fc.nat(7), fork: fc.constant(true as const) }) },
      { weight: 6, arbitrary: fc.record({ on: fc.nat(7), op: opArb }) },
    );
    fc.assert(
      fc.property(worldArb, fc.array(step, { maxLength: 60 }), (world, steps) => {
        const family: Snapshot[] = [snapshotOf(world)];
        const rowAt = new Map<string, string>();
        const record = (s: Snapshot): void => {
          const c = s.columns();
          const slots = s.shapeSlots();
          for (let i = 0; i < c.size; i++) {
            const row = JSON.stringify([
              c.worker(i), slots[c.shapeIndex[i]!]?.key, c.holders[i],
              Array.from(c.allocated.subarray(5 * i, 5 * i + 5)), Array.from(c.capacity.subarray(5 * i, 5 * i + 5)),
            ]);
            const key = `${i}@${c.revision[i]}`;
            expect(rowAt.get(key) ?? row).toBe(row);
            rowAt.set(key, row);
          }
        };
        family.forEach(record);
        for (const s of steps) {
          const on = family[s.on % family.length]!;
          if ('fork' in s) family.push(on.fork());
          else apply(s.op, on);
          family.forEach(record);
        }
      }),
      PARAMS,
    );
  });
});
