import { OutcomeUnknownError, PlacementConflictError, StaleFencingTokenError, TransportError } from '../../pkg/controlplane';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import { reconcilerFixture } from './testing';

const conflict = (reason: 'StaleRevision' | 'InsufficientCapacity' | 'WorkerNotAvailable' | 'NotPending', modRevision = 50) =>
  new PlacementConflictError({ route: 'schedule', instanceId: 'li-1' }, reason, { phase: 'PENDING', workerId: undefined, modRevision });

describe('SchedulerReconciler', () => {
  const setup = reconcilerFixture;

  it('places a pending instance on the best worker with the term token and the revision it decided on', async () => {
    const t = setup();
    t.worker(aWorker('w-small').withCpu(8).withMemory(32).withStorage(100));
    t.worker(aWorker('w-big').withCpu(64).withMemory(256).withStorage(1000));
    const rev = t.instance(anInstance('li-1').withCpu(6).withMemory(24).withStorage(80));
    expect(await t.reconciler.reconcile('li-1')).toEqual({});
    expect(t.client.schedules()).toEqual([{ instanceId: 'li-1', workerId: 'w-small', instanceRevision: rev, fencingToken: '100' }]);
    expect(t.snapshot.holderOf('li-1')).toMatchObject({ workerId: 'w-small', source: 'assumed' });
    expect(t.decisions.view('li-1')).toMatchObject({ result: 'scheduled', workerId: 'w-small' });
  });

  it('counts an assumption before the cache shows it, so the next decision never over-commits', async () => {
    const t = setup();
    t.worker(aWorker('w-1').withCpu(4).withMemory(16).withStorage(100));
    t.instance(anInstance('li-1').withCpu(3).withMemory(4).withStorage(10));
    t.instance(anInstance('li-2').withCpu(3).withMemory(4).withStorage(10));
    await t.reconciler.reconcile('li-1');
    const second = await t.reconciler.reconcile('li-2');
    expect(t.client.schedules().map((s) => s.instanceId)).toEqual(['li-1']);
    expect(second.requeueAfterMs).toBe(500);
    expect(t.client.reports()).toEqual([{ instanceId: 'li-2', body: { message: '0/1 workers fit: 1 InsufficientCpu', reasons: { InsufficientCpu: 1 }, attempts: 1 } }]);
  });

  it('lets the observed holder replace the assumption once the watch shows the instance scheduled', async () => {
    const t = setup();
    t.worker(aWorker('w-1').withCpu(4));
    t.instance(anInstance('li-1').withCpu(3));
    await t.reconciler.reconcile('li-1');
    t.instance(anInstance('li-1').withCpu(3).scheduledOn('w-1'));
    expect(t.assumptions.size).toBe(0);
    expect(t.snapshot.holderOf('li-1')).toMatchObject({ workerId: 'w-1', source: 'observed' });
    expect(t.snapshot.getWorker('w-1')?.allocated.cpuMilli).toBe(3000);
    expect(await t.reconciler.reconcile('li-1')).toEqual({});
    expect(t.client.schedules()).toHaveLength(1);
  });

  it.each([
    ['a scheduled instance', anInstance('li-1').scheduledOn('w-1')],
    ['a pending instance that already names a worker', anInstance('li-1').withWorkerId('w-1')],
    ['a stopped instance', anInstance('li-1').withPhase('STOPPED')],
  ])('leaves %s alone', async (_situation, builder) => {
    const t = setup();
    t.worker(aWorker('w-1'));
    t.instance(builder);
    expect(await t.reconciler.reconcile('li-1')).toEqual({});
    expect(t.client.calls).toEqual([]);
  });

  it('waits for a timeslot further away than the lead time, then places it', async () => {
    const t = setup();
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-1').withTimeslot('2026-11-27T11:00:00Z', '2026-11-27T12:00:00Z'));
    expect(await t.reconciler.reconcile('li-1')).toEqual({ requeueAfterMs: 25 * 60_000 });
    expect(t.states.count('waitingTimeslot')).toBe(1);
    t.clock.step(25 * 60_000);
    await t.reconciler.reconcile('li-1');
    expect(t.client.schedules().map((s) => s.workerId)).toEqual(['w-1']);
  });

  it('reports a missed timeslot once and places nothing', async () => {
    const t = setup();
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-1').withTimeslot('2026-11-27T08:00:00Z', '2026-11-27T09:30:00Z'));
    await t.reconciler.reconcile('li-1');
    await t.reconciler.reconcile('li-1');
    expect(t.client.calls.map((c) => [c.route, c.body])).toEqual([
      ['unschedulable', { message: 'timeslot ended at 2026-11-27T09:30:00Z', reasons: { TimeslotMissed: 1 }, attempts: 1 }],
    ]);
  });

  it('reports a malformed instance whose id and phase read as InvalidSpec', async () => {
    const t = setup();
    t.raw('li-bad', JSON.stringify({ ...anInstance('li-bad').json(), requirements: { cpuCores: -2, memoryGb: 1, storageGb: 1 } }));
    await t.reconciler.reconcile('li-bad');
    const [report] = t.client.reports();
    expect(report?.body.reasons).toEqual({ InvalidSpec: 1 });
    expect(report?.body.message).toContain('cpuCores');
    expect(t.client.schedules()).toEqual([]);
  });

  it('backs off a no-fit instance exponentially and reports again only when the message changes', async () => {
    const t = setup('requeue: {baseDelayMs: 100, maxDelayMs: 350}');
    t.worker(aWorker('w-1').withCpu(1));
    t.instance(anInstance('li-1').withCpu(2));
    const delays: Array<number | undefined> = [];
    for (let i = 0; i < 4; i++) delays.push((await t.reconciler.reconcile('li-1')).requeueAfterMs);
    expect(delays).toEqual([100, 200, 350, 350]);
    expect(t.client.reports()).toHaveLength(1);
    t.worker(aWorker('w-2').withStatus('DRAINING'));
    t.clock.step(60_000);
    await t.reconciler.reconcile('li-1');
    expect(t.client.reports().map((r) => r.body.message)).toEqual([
      '0/1 workers fit: 1 InsufficientCpu',
      '0/2 workers fit: 1 InsufficientCpu, 1 WorkerDraining',
    ]);
  });

  it('stops writing at once on StaleFencingToken', async () => {
    const t = setup();
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-1'));
    t.client.scheduleAnswers.push(new StaleFencingTokenError({ route: 'schedule', instanceId: 'li-1' }, '100'));
    await t.reconciler.reconcile('li-1');
    expect(t.terms.stepDowns).toEqual(['staleFencingToken']);
    expect(t.assumptions.size).toBe(0);
    t.instance(anInstance('li-2'));
    await t.reconciler.reconcile('li-2');
    expect(t.client.schedules()).toHaveLength(1);
  });

  it('looks again after StaleRevision once the cache reaches the returned revision', async () => {
    const t = setup();
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-1'));
    t.client.scheduleAnswers.push(conflict('StaleRevision', 77));
    await t.reconciler.reconcile('li-1');
    expect(t.assumptions.size).toBe(0);
    expect(t.revisionWaits.map((w) => w.revision)).toEqual([77]);
    expect(t.requeued).toEqual([]);
    t.revisionWaits[0]?.resolve();
    await Promise.resolve();
    expect(t.requeued).toEqual(['li-1']);
  });

  it.each(['InsufficientCapacity', 'WorkerNotAvailable'] as const)(
    'does not offer a worker refused with %s again until its revision changes',
    async (reason) => {
      const t = setup();
      t.worker(aWorker('w-a').withCpu(4));
      t.worker(aWorker('w-b').withCpu(64));
      t.instance(anInstance('li-1').withCpu(2));
      t.client.scheduleAnswers.push(conflict(reason), conflict(reason));
      await t.reconciler.reconcile('li-1');
      expect(t.requeued).toEqual(['li-1']);
      await t.reconciler.reconcile('li-1');
      await t.reconciler.reconcile('li-1');
      expect(t.client.reports().map((r) => r.body.message)).toEqual(['0/2 workers fit: 2 RejectedByApi']);
      t.worker(aWorker('w-a').withCpu(4).withName('changed'));
      await t.reconciler.reconcile('li-1');
      expect(t.client.schedules().map((s) => s.workerId)).toEqual(['w-a', 'w-b', 'w-a']);
    },
  );

  it('keeps its assumption after an unknown outcome and resends the same call, even when another worker became better', async () => {
    const t = setup();
    t.worker(aWorker('w-a').withCpu(8));
    const rev = t.instance(anInstance('li-1').withCpu(4));
    t.client.scheduleAnswers.push(new OutcomeUnknownError({ route: 'schedule', instanceId: 'li-1' }, 4, new TransportError({ route: 'schedule' }, 'ECONNRESET', true)));
    await expect(t.reconciler.reconcile('li-1')).rejects.toMatchObject({ code: 'OutcomeUnknown' });
    expect(t.snapshot.holderOf('li-1')).toMatchObject({ workerId: 'w-a', source: 'assumed' });
    t.worker(aWorker('w-0').withCpu(4));
    await t.reconciler.reconcile('li-1');
    expect(t.client.schedules()).toEqual([
      { instanceId: 'li-1', workerId: 'w-a', instanceRevision: rev, fencingToken: '100' },
      { instanceId: 'li-1', workerId: 'w-a', instanceRevision: rev, fencingToken: '100' },
    ]);
  });

  it('drops an assumption whose instance changed since, and decides anew', async () => {
    const t = setup();
    t.worker(aWorker('w-a').withCpu(8));
    t.instance(anInstance('li-1').withCpu(4));
    t.client.scheduleAnswers.push(new OutcomeUnknownError({ route: 'schedule', instanceId: 'li-1' }, 4, new TransportError({ route: 'schedule' }, 'ETIMEDOUT', true)));
    await expect(t.reconciler.reconcile('li-1')).rejects.toThrow();
    const rev = t.instance(anInstance('li-1').withCpu(4).withPriority(3));
    await t.reconciler.reconcile('li-1');
    expect(t.client.schedules().map((s) => s.instanceRevision).slice(1)).toEqual([rev]);
  });

  it('writes nothing without a term', async () => {
    const t = setup();
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-1'));
    t.terms.stepDown('renewDeadline');
    expect(await t.reconciler.reconcile('li-1')).toEqual({});
    expect(t.client.calls).toEqual([]);
  });

  it('decides nothing while paused, and records without writing in a dry run', async () => {
    const t = setup('placement: {paused: true}');
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-1'));
    await t.reconciler.reconcile('li-1');
    expect(t.decisions.view('li-1')).toBeUndefined();
    t.setConfig('placement: {dryRun: true}');
    await t.reconciler.reconcile('li-1');
    expect(t.decisions.view('li-1')).toMatchObject({ result: 'scheduled', dryRun: true, workerId: 'w-1' });
    expect(t.client.calls).toEqual([]);
    expect(t.assumptions.size).toBe(0);
  });

  it('follows a weight change at the next decision', async () => {
    const t = setup('placement: {weights: {binPacking: 1, locality: 0, loadBalance: 0}}');
    t.worker(aWorker('w-full').withRegion('eu-west-1').withCpu(4));
    t.worker(aWorker('w-home').withRegion('us-east-1').withCpu(64));
    t.instance(anInstance('li-1').withCpu(2).withPreferredRegion('us-east-1'));
    t.instance(anInstance('li-2').withCpu(2).withPreferredRegion('us-east-1'));
    await t.reconciler.reconcile('li-1');
    t.setConfig('placement: {weights: {binPacking: 0, locality: 1, loadBalance: 0}}');
    await t.reconciler.reconcile('li-2');
    expect(t.client.schedules().map((s) => s.workerId)).toEqual(['w-full', 'w-home']);
  });

  describe('scale-up', () => {
    const templates = `scaleUp:
  enabled: true
  cooldownSeconds: 300
  templates:
    - {name: small, license: personal, cmlVersion: 2.9.1, capacity: {cpuCores: 4, memoryGb: 16, storageGb: 50}}
    - {name: multi, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [iosv], capacity: {cpuCores: 48, memoryGb: 192, storageGb: 256}}`;
    const scaleUps = (t: ReturnType<typeof setup>) => t.client.calls.filter((c) => c.route === 'scaleUp').map((c) => c.body);

    it('is off by default', async () => {
      const t = setup();
      t.instance(anInstance('li-1').withCpu(8));
      await t.reconciler.reconcile('li-1');
      expect(scaleUps(t)).toEqual([]);
    });

    it('asks for the first template that fits, naming every waiting instance it would fit, then waits out the cooldown', async () => {
      const t = setup(templates);
      t.worker(aWorker('w-1').withCpu(1));
      t.instance(anInstance('li-b').withCpu(8).withNodeDefinitions('iosv'));
      t.instance(anInstance('li-a').withCpu(8));
      t.instance(anInstance('li-z').withCpu(2).withLicenseAffinity('evaluation'));
      await t.reconciler.reconcile('li-z');
      await t.reconciler.reconcile('li-b');
      expect(scaleUps(t)).toEqual([{ template: 'multi', reason: expect.stringContaining('multi') as string, instanceIds: ['li-b'] }]);
      await t.reconciler.reconcile('li-a');
      t.clock.step(299_000);
      await t.reconciler.reconcile('li-a');
      expect(scaleUps(t)).toHaveLength(1);
      t.clock.step(1_000);
      await t.reconciler.reconcile('li-a');
      expect(scaleUps(t).at(-1)).toEqual({ template: 'multi', reason: expect.any(String) as string, instanceIds: ['li-a', 'li-b'] });
    });

    it('asks nothing while a worker of the template is on its way', async () => {
      const t = setup(templates);
      t.worker(aWorker('w-boot').withStatus('STARTING').withTemplate('multi'));
      t.instance(anInstance('li-1').withCpu(8));
      await t.reconciler.reconcile('li-1');
      expect(scaleUps(t)).toEqual([]);
    });

    it('asks nothing for an instance no template would fit', async () => {
      const t = setup(templates);
      t.instance(anInstance('li-1').withCpu(500));
      await t.reconciler.reconcile('li-1');
      expect(scaleUps(t)).toEqual([]);
    });
  });
});
