// The Control Plane client against the development API over a real etcd: every answer of the
// contract's table (§2), every fault knob, the idempotent retry of a schedule whose answer was lost,
// the fence checked in the write's own transaction, capacity never over-committed by concurrent
// calls (one API server and two sharing etcd), and no secret in any error or log line.
import { inspect } from 'node:util';
import type { HttpControlPlaneClientOptions } from '../pkg/controlplane';
import { RecordingClientLogger } from '../pkg/controlplane/testing';
import { HttpControlPlaneClient, isRetriable } from '../pkg/controlplane';
import { aWorker, anInstance } from '../pkg/objects/testing';
import type { EtcdStore } from '../pkg/store';
import { DevApiFixture } from '../dev/controlplane-api/testing';
import type { FaultRuleInput } from '../dev/controlplane-api';
import { uniquePrefix, waitFor } from './harness';
import { useEtcdStore } from './harness/etcd-store';

jest.setTimeout(60_000);

const KEY = 'e2e-control-plane-key-7d41b9';

/** The outcome of a call as the caller branches on it: 'ok', or the error's code and reason. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (err: unknown) {
    const e = err as { code?: string; reason?: string };
    return [e.code, e.reason].filter((x) => x !== undefined).join(' ');
  }
}

let store: EtcdStore;
useEtcdStore((running) => ({ store } = running));

describe('Control Plane client and development API over etcd', () => {
  let f: DevApiFixture;
  let token: number;
  let rev: number;
  const clients: HttpControlPlaneClient[] = [];
  const logger = new RecordingClientLogger();

  function client(over: Partial<HttpControlPlaneClientOptions> = {}): HttpControlPlaneClient {
    const c = new HttpControlPlaneClient({ baseUrl: f.api.url, schedulerId: 'scheduler-a', apiKey: KEY, random: () => 0, logger, ...over });
    clients.push(c);
    return c;
  }
  const schedule = (over: { id?: string; workerId?: string; revision?: number; token?: number } = {}, c = client()) =>
    c.schedule(over.id ?? 'li-1', { workerId: over.workerId ?? 'w-1', instanceRevision: over.revision ?? rev }, { fencingToken: over.token ?? token });
  const report = { message: '0/1 workers fit: 1 InsufficientCpu', reasons: { InsufficientCpu: 1 }, attempts: 1 };
  const nothing = (): Promise<void> => Promise.resolve();

  beforeEach(async () => {
    f = await DevApiFixture.start({ store, prefix: uniquePrefix('controlplane'), apiKey: KEY });
    token = await f.becomeLeader();
    await f.addWorker(aWorker('w-1').withCpu(4).withMemory(16).withStorage(100).json());
    await f.addWorker(aWorker('w-2').json());
    rev = await f.addInstance(anInstance('li-1').json());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await f.close();
  });

  describe('the contract\'s answers', () => {
    it.each<[string, () => Promise<unknown>, () => Promise<unknown>, string]>([
      ['401 for a wrong key', nothing, () => schedule({}, client({ apiKey: 'wrong-key-value' })), 'Unauthorized'],
      ['404 InstanceNotFound', nothing, () => schedule({ id: 'li-absent' }), 'NotFound InstanceNotFound'],
      ['404 WorkerNotFound', nothing, () => schedule({ workerId: 'w-absent' }), 'NotFound WorkerNotFound'],
      ['409 StaleFencingToken', nothing, () => schedule({ token: token + 1 }), 'StaleFencingToken'],
      ['200 for a retry on the same worker', () => schedule(), () => schedule({ revision: 1 }), 'ok'],
      ['409 NotPending', () => f.api.objects.setPhase('li-1', 'RUNNING', 'w-2'), () => schedule(), 'PlacementConflict NotPending'],
      ['409 StaleRevision', nothing, () => schedule({ revision: rev - 1 }), 'PlacementConflict StaleRevision'],
      ['409 WorkerNotAvailable', () => f.addWorker(aWorker('w-1').withStatus('STOPPING').json()), () => schedule(), 'PlacementConflict WorkerNotAvailable'],
      ['409 InsufficientCapacity', () => f.addInstance(anInstance('li-run').withCpu(3).scheduledOn('w-1').json()), () => schedule(), 'PlacementConflict InsufficientCapacity'],
      ['200 SCHEDULED', nothing, () => schedule(), 'ok'],
      ['unschedulable 200', nothing, () => client().reportUnschedulable('li-1', report, { fencingToken: token }), 'ok'],
      ['unschedulable 404', nothing, () => client().reportUnschedulable('li-absent', report, { fencingToken: token }), 'NotFound InstanceNotFound'],
      ['unschedulable 409 NotPending', () => schedule(), () => client().reportUnschedulable('li-1', report, { fencingToken: token }), 'PlacementConflict NotPending'],
      ['unschedulable 409 StaleFencingToken', nothing, () => client().reportUnschedulable('li-1', report, { fencingToken: token - 1 }), 'StaleFencingToken'],
      ['scale-up 202', nothing, () => client().requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'] }, { fencingToken: token }), 'ok'],
      ['scale-up 409 ScaleUpRefused', () => Promise.resolve(f.api.setScaleUpAnswer('refuse')),
        () => client().requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'] }, { fencingToken: token }), 'ScaleUpRefused'],
      ['scale-up 409 StaleFencingToken', nothing,
        () => client().requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'] }, { fencingToken: token + 5 }), 'StaleFencingToken'],
    ])('%s', async (_name, arrange, act, expected) => {
      await arrange();
      expect(await outcome(act())).toBe(expected);
    });

    it('leaves the instance SCHEDULED on the worker and the report readable', async () => {
      await client().reportUnschedulable('li-1', report, { fencingToken: token });
      await schedule();
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'SCHEDULED', workerId: 'w-1' }));
      expect(await f.api.reports.report('li-1')).toEqual(expect.objectContaining({ message: report.message, fencingToken: token }));
    });
  });

  describe('fault knobs', () => {
    it.each<[string, FaultRuleInput, Partial<HttpControlPlaneClientOptions>, string]>([
      ['500, retried', { route: 'schedule', kind: 'status500', count: 1 }, {}, 'ok'],
      ['503 with Retry-After, retried after it', { route: 'schedule', kind: 'status503', retryAfterSeconds: 1, count: 1 }, {}, 'ok'],
      ['429 with Retry-After 0, retried', { route: 'schedule', kind: 'status429', retryAfterSeconds: 0, count: 1 }, {}, 'ok'],
      ['401, not retried', { route: 'schedule', kind: 'status401', count: 1 }, {}, 'Unauthorized'],
      ['malformed JSON after the commit, a success (contract §2, v1.1)', { route: 'schedule', kind: 'malformedJson', when: 'after', count: 1 }, {}, 'ok'],
      ['a reset connection, retried', { route: 'schedule', kind: 'reset', count: 1 }, {}, 'ok'],
      ['a hang, timed out and retried', { route: 'schedule', kind: 'hang', count: 1 }, { timeoutMs: 300 }, 'ok'],
      ['every call failing, until the attempts run out', { route: 'schedule', kind: 'status500' }, { maxAttempts: 3 }, 'OutcomeUnknown'],
    ])('%s', async (_name, rule, options, expected) => {
      f.api.faults.add(rule);
      expect(await outcome(schedule({}, client(options)))).toBe(expected);
      const faults = Object.entries(f.api.counts()['schedule'] ?? {}).filter(([label]) => label.startsWith('fault')).map(([, n]) => n);
      expect(faults).toEqual([rule.count ?? 3]);
    });

    it('retries a schedule whose answer was lost after the commit and gets 200', async () => {
      f.api.faults.add({ route: 'schedule', kind: 'reset', when: 'after', count: 1 });
      await expect(schedule()).resolves.toEqual(expect.objectContaining({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED' }));
      expect(f.api.counts()['schedule']).toEqual({ 'fault reset after': 1, '200': 1 });
    });

    it('checks the fence in the write\'s transaction: a held call meets the next term', async () => {
      const held = f.api.faults.holdNextSchedule();
      const call = outcome(schedule());
      await held.reached;
      await f.becomeLeader('scheduler-b');
      held.release();
      expect(await call).toBe('StaleFencingToken');
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'PENDING', workerId: null }));
    });
  });

  describe('capacity under concurrency', () => {
    it.each([
      ['one API server', 1],
      ['two API servers sharing etcd', 2],
    ])('never over-commits a small worker with 50 parallel schedules (%s)', async (_name, servers) => {
      await f.addWorker(aWorker('w-small').withCpu(10).withMemory(1000).withStorage(1000).json());
      const revs = await Promise.all(Array.from({ length: 50 }, (_, i) => f.addInstance(anInstance(`li-p${i}`).withCpu(1).json())));
      const twin = servers === 2 ? await DevApiFixture.start({ store, prefix: f.prefix, apiKey: KEY, rebuildAllocations: false }) : f;
      try {
        const clientsByServer = [client(), client({ baseUrl: twin.api.url })];
        const outcomes = await Promise.all(revs.map((r, i) => outcome(
          (clientsByServer[i % servers] ?? client()).schedule(`li-p${i}`, { workerId: 'w-small', instanceRevision: r }, { fencingToken: token }),
        )));
        const placed = (await Promise.all(revs.map((_, i) => f.instance(`li-p${i}`)))).filter((doc) => doc?.['workerId'] === 'w-small');
        expect(placed).toHaveLength(10);
        expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10);
        expect(outcomes.filter((o) => o === 'PlacementConflict InsufficientCapacity')).toHaveLength(40);
      } finally {
        if (twin !== f) await twin.close();
      }
    });
  });

  it('keeps every secret out of errors and log lines', async () => {
    const errors: unknown[] = [];
    const catchIt = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
      } catch (err: unknown) {
        errors.push(err);
      }
    };
    f.api.faults.set({ rules: [{ route: 'schedule', kind: 'reset' }, { route: 'unschedulable', kind: 'hang' }] });
    await catchIt(schedule({}, client({ maxAttempts: 2 })));
    await catchIt(client({ maxAttempts: 1, timeoutMs: 200 }).reportUnschedulable('li-1', report, { fencingToken: token }));
    await catchIt(client({ apiKey: `${KEY}-old` }).requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'] }, { fencingToken: token }));
    await waitFor(() => errors.length === 3, { message: 'three failed calls' });
    expect(errors.map((e) => [(e as { code?: string }).code, isRetriable(e)])).toEqual([['OutcomeUnknown', true], ['OutcomeUnknown', true], ['Unauthorized', false]]);
    const texts = errors.map((e) => inspect(e, { depth: 8, showHidden: true }));
    expect(logger.lines.some((line) => line.includes('control plane call retried'))).toBe(true);
    for (const text of [...texts, ...logger.lines]) expect(text).not.toContain(KEY);
  });
});
