// The forecast on a fork of the live snapshot (contract §5, issue 19), against the live reconciler of
// the same fixture: what it predicts is what live placement does when nothing changes but time.
import { aWorker, anInstance } from '../../pkg/objects/testing';
import { createPlacer } from '../../pkg/placement';
import { Forecaster } from './forecast';
import { NOW, reconcilerFixture } from './testing';

type Fixture = ReturnType<typeof reconcilerFixture>;

const TEMPLATES = `scaleUp:
  templates:
    - {name: multi, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [], capacity: {cpuCores: 8, memoryGb: 64, storageGb: 200}, bootSeconds: 1200}`;
/** NOW is 10:00; minutes from it as an RFC 3339 time. */
const inMinutes = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();
const booked = (id: string, startMinutes: number, cpuCores = 3) =>
  anInstance(id).withCpu(cpuCores).withMemory(4).withStorage(10).withTimeslot(inMinutes(startMinutes), inMinutes(startMinutes + 120));

function forecaster(t: Fixture, over: Partial<ConstructorParameters<typeof Forecaster>[0]> = {}): Forecaster {
  return new Forecaster({ cache: t.cache, snapshot: t.snapshot, clock: t.clock, config: t.config, placer: () => createPlacer('default', {}), ...over });
}

describe('Forecaster', () => {
  it('predicts the live placements and shortfalls, instance by instance, when nothing changes but time (§5 Exactness)', async () => {
    const t = reconcilerFixture();
    t.worker(aWorker('w-1').withCpu(8));
    t.worker(aWorker('w-2').withCpu(4));
    const ids = ['li-a', 'li-b', 'li-c', 'li-d', 'li-e'];
    ids.forEach((id, i) => t.instance(booked(id, 60 + i * 10)));
    const result = await forecaster(t).run();
    // Three at their ready time; li-d and li-e late, once the first sessions end and free w-1.
    expect(result?.placed).toBe(5);
    const predicted = result?.shortfalls.map((s) => [s.instance.id, s.message]);

    t.clock.step(70 * 60_000); // every booked instance inside its lead time
    for (const id of ids) await t.reconciler.reconcile(id);
    const live = t.client.reports().map((r) => [r.instanceId, r.body.message]);
    expect(predicted).toEqual(live);
    expect(predicted).toEqual([['li-d', '0/2 workers fit: 2 InsufficientCpu'], ['li-e', '0/2 workers fit: 2 InsufficientCpu']]);
  });

  it('frees capacity at slot end plus releaseAfterEndMinutes and counts booting workers from their boot time', async () => {
    const t = reconcilerFixture(`${TEMPLATES}\nforecast: {releaseAfterEndMinutes: 10}`);
    t.worker(aWorker('w-1').withCpu(4));
    t.instance(anInstance('li-held').withCpu(4).withTimeslot(inMinutes(-60), inMinutes(30)).scheduledOn('w-1'));
    t.worker(aWorker('w-boot').withCpu(8).withStatus('STARTING').withTemplate('multi'));
    t.instance(booked('li-after-release', 40 + 35, 4)); // ready at +40, as the release lands
    t.instance(booked('li-before-boot', 35 + 10, 8)); // ready at +10, before w-boot runs at +20
    t.instance(booked('li-after-boot', 35 + 20, 8)); // ready at +20
    const result = await forecaster(t).run();
    // li-before-boot fits nowhere at +10 and is offered again when w-boot runs at +20, before its
    // start and ahead of li-after-boot (earlier start), as live placement would: no worker needed for it.
    expect(result?.shortfalls.map((s) => s.instance.id)).toEqual(['li-after-boot']);
    expect(result?.placed).toBe(2); // li-before-boot on w-boot, li-after-release on w-1
  });

  it('plans a template for the shortfalls and requests it once: an accepted request counts as booting workers', async () => {
    const t = reconcilerFixture(TEMPLATES);
    t.worker(aWorker('w-1').withCpu(2));
    t.instance(booked('li-a', 120, 4));
    t.instance(booked('li-b', 130, 4));
    const f = forecaster(t);
    const first = await f.run();
    expect(first?.plan.needs).toEqual([{
      template: 'multi', count: 1, neededByMs: NOW + 85 * 60_000, requestAtMs: NOW + (85 - 20 - 5) * 60_000, instanceIds: ['li-a', 'li-b'],
    }]);
    f.requested({ template: 'multi', count: 1, sentAtMs: t.clock.now() });
    const second = await f.run();
    expect([second?.shortfalls, second?.plan.needs]).toEqual([[], []]);
    // The requested worker appears, booting: it is capacity from its boot time, and the request is met.
    t.clock.step(60_000);
    t.worker(aWorker('w-new').withCpu(8).withMemory(64).withStorage(200).withStatus('PENDING').withTemplate('multi'));
    const third = await f.run();
    expect([third?.shortfalls, third?.plan.needs, third?.placed]).toEqual([[], [], 2]);
  });

  it('keeps neededBy, and so the Idempotency-Key, from one forecast to the next for instances already ready', async () => {
    const t = reconcilerFixture(TEMPLATES);
    t.worker(aWorker('w-1').withCpu(2));
    t.instance(booked('li-ready', 20, 4)); // ready 15 minutes ago
    const f = forecaster(t);
    const first = await f.run();
    t.clock.step(30_000);
    const second = await f.run();
    expect(first?.plan.needs[0]?.neededByMs).toBe(NOW - 15 * 60_000);
    expect(second?.plan.needs).toEqual(first?.plan.needs);
  });

  it('leaves the live snapshot as it was', async () => {
    const t = reconcilerFixture(TEMPLATES);
    t.worker(aWorker('w-1').withCpu(8));
    t.instance(anInstance('li-held').withCpu(2).withTimeslot(inMinutes(-60), inMinutes(1)).scheduledOn('w-1'));
    t.instance(booked('li-a', 40));
    const before = { worker: t.snapshot.getWorker('w-1'), held: t.snapshot.holderOf('li-held'), a: t.snapshot.holderOf('li-a'), assumed: t.snapshot.assumedCount };
    expect((await forecaster(t).run())?.placed).toBe(1);
    expect({ worker: t.snapshot.getWorker('w-1'), held: t.snapshot.holderOf('li-held'), a: t.snapshot.holderOf('li-a'), assumed: t.snapshot.assumedCount }).toEqual(before);
  });

  it('yields to the event loop between slices and stops when its signal aborts', async () => {
    const t = reconcilerFixture();
    t.worker(aWorker('w-1').withCpu(64));
    for (let i = 0; i < 20; i++) t.instance(booked(`li-${i}`, 40, 1));
    const abort = new AbortController();
    let yields = 0;
    const f = forecaster(t, { sliceMs: 0, yieldNow: () => { yields += 1; if (yields === 5) abort.abort(); return Promise.resolve(); } });
    expect(await f.run(abort.signal)).toBeUndefined();
    expect(yields).toBe(5);
    expect((await forecaster(t, { sliceMs: 0 }).run())?.placed).toBe(20);
  });
});
