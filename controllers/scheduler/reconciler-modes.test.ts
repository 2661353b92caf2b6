// Issue 17: the reconciler reads the least answer contract §2 (v1.1) allows, and a paused or dry-run
// leader writes nothing (contract §4). Each mode meets the same four instances: a malformed one, one
// whose timeslot has passed, one that fits nowhere, and one that fits.
import { OutcomeUnknownError, PlacementConflictError, TransportError, UnexpectedResponseError } from '../../pkg/controlplane';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import { reconcilerFixture } from './testing';

type Fixture = ReturnType<typeof reconcilerFixture>;

const IDS = ['li-bad', 'li-missed', 'li-huge', 'li-fits'] as const;
/** A template li-huge would fit, so that writing modes also send a scale-up. */
const SCALE_UP = 'scaleUp: {enabled: true, templates: [{name: big, license: enterprise, cmlVersion: 2.9.0, nodeDefinitions: [], capacity: {cpuCores: 128, memoryGb: 512, storageGb: 4000}}]}';

/** The four instances of every mode, on one worker with 8 cores. */
function fourInstances(t: Fixture): Record<(typeof IDS)[number], number> {
  t.worker(aWorker('w-1').withCpu(8));
  return {
    'li-bad': t.raw('li-bad', JSON.stringify({ ...anInstance('li-bad').json(), requirements: { cpuCores: -2, memoryGb: 1, storageGb: 1 } })),
    'li-missed': t.instance(anInstance('li-missed').withTimeslot('2026-11-27T08:00:00Z', '2026-11-27T09:30:00Z')),
    'li-huge': t.instance(anInstance('li-huge').withCpu(64)),
    'li-fits': t.instance(anInstance('li-fits').withCpu(2)),
  };
}

async function reconcileAll(t: Fixture): Promise<void> {
  for (const id of IDS) await t.reconciler.reconcile(id);
}

/** A 409 that carries only its reason, as a minimal API sends it. */
const bareConflict = (reason: 'StaleRevision' | 'InsufficientCapacity') =>
  new PlacementConflictError({ route: 'schedule', instanceId: 'li-fits' }, reason, { phase: undefined, workerId: undefined, modRevision: undefined });

const outsideContract = (route: 'schedule' | 'unschedulable', status: number) =>
  new UnexpectedResponseError({ route, instanceId: 'li-fits' }, status, 'status not in the contract');

describe('SchedulerReconciler with placement paused', () => {
  it('sends no schedule, report or scale-up call and records no decision', async () => {
    const t = reconcilerFixture(`placement: {paused: true}\n${SCALE_UP}`);
    fourInstances(t);
    await reconcileAll(t);
    expect(t.client.calls).toEqual([]);
    expect(t.scaleUpResults).toEqual([]);
    expect(IDS.map((id) => t.decisions.view(id))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('does not resend an assumed placement whose outcome is unknown until placement resumes', async () => {
    const t = reconcilerFixture();
    fourInstances(t);
    const site = { route: 'schedule', instanceId: 'li-fits' } as const;
    t.client.scheduleAnswers.push(new OutcomeUnknownError(site, 4, new TransportError(site, 'ETIMEDOUT', true)));
    await expect(t.reconciler.reconcile('li-fits')).rejects.toMatchObject({ code: 'OutcomeUnknown' });
    expect(t.assumptions.size).toBe(1);
    t.setConfig('placement: {paused: true}');
    await t.reconciler.reconcile('li-fits');
    expect(t.client.schedules()).toHaveLength(1);
    t.setConfig('');
    await t.reconciler.reconcile('li-fits');
    expect(t.client.schedules()).toHaveLength(2);
  });
});

describe('SchedulerReconciler in a dry run', () => {
  it('sends nothing and shows on /debug/instances/{id} the call it would have sent', async () => {
    const t = reconcilerFixture(`placement: {dryRun: true}\n${SCALE_UP}`);
    const revisions = fourInstances(t);
    await reconcileAll(t);
    expect(t.client.calls).toEqual([]);
    expect(t.scaleUpResults).toEqual([]);

    const bad = t.decisions.view('li-bad');
    expect(bad).toMatchObject({ result: 'unschedulable', dryRun: true, reasons: { InvalidSpec: 1 } });
    expect(bad?.wouldSend).toMatchObject({ method: 'POST', path: '/api/internal/instances/li-bad/unschedulable', body: { reasons: { InvalidSpec: 1 }, attempts: 1 } });
    expect(t.decisions.view('li-missed')?.wouldSend).toEqual({
      method: 'POST', path: '/api/internal/instances/li-missed/unschedulable',
      body: { message: 'timeslot ended at 2026-11-27T09:30:00Z', reasons: { TimeslotMissed: 1 }, attempts: 1 },
    });
    expect(t.decisions.view('li-huge')).toMatchObject({
      result: 'unschedulable', dryRun: true, verdicts: [{ workerId: 'w-1', reason: 'InsufficientCpu' }],
      wouldSend: { path: '/api/internal/instances/li-huge/unschedulable', body: { message: '0/1 workers fit: 1 InsufficientCpu', reasons: { InsufficientCpu: 1 }, attempts: 1 } },
    });
    expect(t.decisions.view('li-fits')).toMatchObject({
      result: 'scheduled', dryRun: true, workerId: 'w-1',
      wouldSend: { path: '/api/internal/instances/li-fits/schedule', body: { workerId: 'w-1', instanceRevision: revisions['li-fits'] } },
    });
  });

  it('shows no unsent call when writing, and every call goes out', async () => {
    const t = reconcilerFixture(SCALE_UP);
    fourInstances(t);
    await reconcileAll(t);
    expect(t.client.calls.map((c) => `${c.route} ${c.instanceId}`)).toEqual([
      'unschedulable li-bad', 'unschedulable li-missed', 'unschedulable li-huge', 'scaleUp ', 'schedule li-fits',
    ]);
    expect(t.scaleUpResults).toEqual(['now accepted']);
    expect(IDS.map((id) => t.decisions.view(id)?.wouldSend)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('SchedulerReconciler reading minimal answers (contract §2, v1.1)', () => {
  it('after a StaleRevision with no modRevision, decides again only once the instance changes in the cache', async () => {
    const t = reconcilerFixture();
    t.worker(aWorker('w-1'));
    const first = t.instance(anInstance('li-fits').withCpu(2));
    t.client.scheduleAnswers.push(bareConflict('StaleRevision'));
    expect(await t.reconciler.reconcile('li-fits')).toEqual({});
    expect(t.requeued).toEqual([]); // nothing to wait for: the next change of the instance enqueues it
    expect(t.revisionWaits).toEqual([]);
    // A resync or a stray add looks again at the same revision: no call.
    expect(await t.reconciler.reconcile('li-fits')).toEqual({});
    expect(t.client.schedules()).toEqual([{ instanceId: 'li-fits', workerId: 'w-1', instanceRevision: first, fencingToken: '100' }]);
    const second = t.instance(anInstance('li-fits').withCpu(2).withPriority(1));
    await t.reconciler.reconcile('li-fits');
    expect(t.client.schedules().map((s) => s.instanceRevision)).toEqual([first, second]);
  });

  it('does not offer a worker again after an InsufficientCapacity that carried only its reason', async () => {
    const t = reconcilerFixture();
    t.worker(aWorker('w-1'));
    t.worker(aWorker('w-2'));
    t.instance(anInstance('li-fits').withCpu(2));
    t.client.scheduleAnswers.push(bareConflict('InsufficientCapacity'));
    await t.reconciler.reconcile('li-fits');
    expect(t.requeued).toEqual(['li-fits']);
    await t.reconciler.reconcile('li-fits');
    expect(t.client.schedules().map((s) => s.workerId)).toEqual(['w-1', 'w-2']);
  });

  it.each([
    ['a 409 with an unknown reason', 409],
    ['a 404 with no reason (a wrong base URL)', 404],
    ['a 410', 410],
  ])('backs the instance off after %s instead of resending the call', async (_name, status) => {
    const t = reconcilerFixture('requeue: {baseDelayMs: 100, maxDelayMs: 350}');
    t.worker(aWorker('w-1'));
    t.instance(anInstance('li-fits').withCpu(2));
    t.client.scheduleAnswers.push(outsideContract('schedule', status), outsideContract('schedule', status));
    expect(await t.reconciler.reconcile('li-fits')).toEqual({ requeueAfterMs: 100 });
    expect(t.assumptions.size).toBe(0); // not an outcome unknown: nothing is held for a resend
    expect(await t.reconciler.reconcile('li-fits')).toEqual({ requeueAfterMs: 200 });
    expect(t.client.schedules()).toHaveLength(2);
    expect(t.states.stateOf('li-fits')).toBe('failed');
  });

  it('sends an unschedulable report that got a definite failure once, not on every attempt', async () => {
    const t = reconcilerFixture();
    t.worker(aWorker('w-1').withCpu(1));
    t.instance(anInstance('li-huge').withCpu(64));
    t.client.reportAnswers.push(outsideContract('unschedulable', 422));
    for (let i = 0; i < 3; i++) await t.reconciler.reconcile('li-huge');
    expect(t.client.reports()).toHaveLength(1);
  });
});
