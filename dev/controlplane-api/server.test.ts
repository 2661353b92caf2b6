import { aWorker, anInstance } from '../../pkg/objects/testing';
import { InMemoryStore } from '../../pkg/store';
import { DevApiFixture, eventually } from './testing';

const KEY = 'dev-api-key-0123456789';

describe('development Control Plane API', () => {
  let f: DevApiFixture;
  let token: number;
  let rev: number;

  beforeEach(async () => {
    f = await DevApiFixture.start({ store: new InMemoryStore(), prefix: '/lcm', apiKey: KEY });
    token = await f.becomeLeader();
    await f.addWorker(aWorker('w-1').withCpu(4).withMemory(16).withStorage(100).json());
    await f.addWorker(aWorker('w-2').json());
    rev = await f.addInstance({ ...anInstance('li-1').json(), extra: 'kept' });
  });
  afterEach(() => f.close());

  const schedule = (over: { id?: string; workerId?: string; revision?: number; token?: number; apiKey?: string } = {}) =>
    f.schedule(over.id ?? 'li-1', { workerId: over.workerId ?? 'w-1', instanceRevision: over.revision ?? rev }, { fencingToken: over.token ?? token, apiKey: over.apiKey });

  describe('schedule, checks in the contract\'s order', () => {
    it('answers 401 before anything else', async () => {
      const answer = await schedule({ id: 'absent', apiKey: 'wrong-key', token: 1 });
      expect([answer.status, answer.body]).toEqual([401, expect.objectContaining({ reason: 'Unauthorized' })]);
    });

    it('answers 404 InstanceNotFound before a stale token', async () => {
      const answer = await schedule({ id: 'absent', token: token - 1 });
      expect([answer.status, answer.body]).toEqual([404, { reason: 'InstanceNotFound' }]);
    });

    it('answers 404 WorkerNotFound before a stale token', async () => {
      const answer = await schedule({ workerId: 'w-absent', token: token - 1 });
      expect([answer.status, answer.body]).toEqual([404, { reason: 'WorkerNotFound' }]);
    });

    it('answers 409 StaleFencingToken with the instance state', async () => {
      const answer = await schedule({ token: token + 1 });
      expect([answer.status, answer.body]).toEqual([409, { reason: 'StaleFencingToken', phase: 'PENDING', workerId: null, modRevision: rev }]);
    });

    it('answers 409 StaleFencingToken when there is no leader', async () => {
      await f.store.txn([], [{ type: 'delete', key: '/lcm/scheduler/leader' }]);
      expect((await schedule()).status).toBe(409);
    });

    it('answers 200 to a retry on the same worker, whatever the revision', async () => {
      expect((await schedule()).status).toBe(200);
      const again = await schedule({ revision: 1 });
      expect([again.status, again.body]).toEqual([200, expect.objectContaining({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED' })]);
    });

    it('answers 409 NotPending when the instance holds capacity elsewhere', async () => {
      const moved = await f.api.objects.setPhase('li-1', 'RUNNING', 'w-2');
      const answer = await schedule();
      expect([answer.status, answer.body]).toEqual([409, { reason: 'NotPending', phase: 'RUNNING', workerId: 'w-2', modRevision: moved }]);
    });

    it('answers 409 NotPending for a STOPPED instance without a worker', async () => {
      await f.api.objects.setPhase('li-1', 'STOPPED');
      expect((await schedule()).body).toEqual(expect.objectContaining({ reason: 'NotPending', phase: 'STOPPED' }));
    });

    it('answers 409 StaleRevision when the decision was made on an older instance', async () => {
      const answer = await schedule({ revision: rev - 1 });
      expect([answer.status, answer.body]).toEqual([409, { reason: 'StaleRevision', phase: 'PENDING', workerId: null, modRevision: rev }]);
    });

    it('answers 409 WorkerNotAvailable for a DRAINING worker', async () => {
      await f.addWorker(aWorker('w-1').withStatus('DRAINING').json());
      expect((await schedule()).body).toEqual(expect.objectContaining({ reason: 'WorkerNotAvailable' }));
    });

    it.each([
      ['cpu', anInstance('li-big').withCpu(4.001)],
      ['memory', anInstance('li-big').withMemory(16.5)],
      ['storage', anInstance('li-big').withStorage(101)],
    ])('answers 409 InsufficientCapacity on %s', async (_what, builder) => {
      const bigRev = await f.addInstance(builder.json());
      expect((await schedule({ id: 'li-big', revision: bigRev })).body).toEqual(expect.objectContaining({ reason: 'InsufficientCapacity' }));
    });

    it.each([
      ['nodes', aWorker('w-3').withNodes(3), anInstance('li-n').withNodes(4)],
      ['ports', aWorker('w-3').withPorts(10), anInstance('li-n').withPorts(10.5)],
    ])('answers 409 InsufficientCapacity on %s', async (_what, worker, instance) => {
      await f.addWorker(worker.json());
      const r = await f.addInstance(instance.json());
      expect((await schedule({ id: 'li-n', workerId: 'w-3', revision: r })).body).toEqual(expect.objectContaining({ reason: 'InsufficientCapacity' }));
    });

    it('fits exactly equal capacity', async () => {
      const r = await f.addInstance(anInstance('li-full').withCpu(4).withMemory(16).withStorage(100).json());
      expect((await schedule({ id: 'li-full', revision: r })).status).toBe(200);
    });

    it('holds a personal worker to one instance', async () => {
      await f.addWorker(aWorker('w-p').withLicense('personal').json());
      const other = await f.addInstance(anInstance('li-2').json());
      expect((await schedule({ workerId: 'w-p' })).status).toBe(200);
      const second = await schedule({ id: 'li-2', workerId: 'w-p', revision: other });
      expect(second.body).toEqual(expect.objectContaining({ reason: 'InsufficientCapacity' }));
    });

    it('schedules: phase SCHEDULED on the worker, unknown fields kept, capacity allocated', async () => {
      const answer = await schedule();
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: expect.any(Number) as number });
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'SCHEDULED', workerId: 'w-1', extra: 'kept' }));
      expect(await f.api.objects.allocation('w-1')).toEqual({ count: 1, used: [2000, 4000, 15000, 0, 0], holders: ['li-1'] });
    });

    it('frees capacity when an instance stops', async () => {
      const big = await f.addInstance(anInstance('li-big').withCpu(3).json());
      expect((await schedule({ id: 'li-big', revision: big })).status).toBe(200);
      expect((await schedule()).status).toBe(409);
      await f.api.objects.setPhase('li-big', 'STOPPED');
      expect((await schedule()).status).toBe(200);
    });

    it('counts instances written as already holding', async () => {
      await f.addInstance(anInstance('li-run').withCpu(3).withPhase('RUNNING').withWorkerId('w-1').json());
      expect((await schedule()).body).toEqual(expect.objectContaining({ reason: 'InsufficientCapacity' }));
    });

    it('never over-commits a worker under concurrent calls', async () => {
      const revs = await Promise.all(Array.from({ length: 12 }, (_, i) => f.addInstance(anInstance(`li-c${i}`).withCpu(1).withMemory(1).withStorage(1).json())));
      const answers = await Promise.all(revs.map((r, i) => schedule({ id: `li-c${i}`, revision: r })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(8);
      expect((await f.api.objects.allocation('w-1')).holders).toHaveLength(4);
    });

    it.each([
      ['a body that is not JSON', '{"workerId":', token],
      ['a body without instanceRevision', { workerId: 'w-1' }, token],
      ['a fractional revision', { workerId: 'w-1', instanceRevision: 1.5 }, token],
      ['a token that is not a number', { workerId: 'w-1', instanceRevision: 1 }, 'abc'],
    ])('answers 400 to %s', async (_name, body, fencingToken) => {
      const answer = await f.schedule('li-1', body, { fencingToken });
      expect([answer.status, (answer.body as { reason: string }).reason]).toEqual([400, 'InvalidRequest']);
    });
  });

  describe('a held schedule request', () => {
    it('commits only when released, and then meets the new term\'s fence', async () => {
      const held = f.api.faults.holdNextSchedule();
      const answer = schedule();
      await held.reached;
      await f.becomeLeader('scheduler-b');
      held.release();
      expect((await answer).body).toEqual(expect.objectContaining({ reason: 'StaleFencingToken', phase: 'PENDING' }));
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'PENDING', workerId: null }));
    });

    it('re-checks capacity when the worker filled up while it was held', async () => {
      const held = f.api.faults.holdNextSchedule();
      const answer = schedule();
      await held.reached;
      const big = await f.addInstance(anInstance('li-big').withCpu(3).json());
      expect((await schedule({ id: 'li-big', revision: big })).status).toBe(200);
      held.release();
      expect((await answer).body).toEqual(expect.objectContaining({ reason: 'InsufficientCapacity' }));
      expect((await f.api.objects.allocation('w-1')).holders).toEqual(['li-big']);
    });

    it('commits when released within its own term', async () => {
      const held = f.api.faults.holdNextSchedule();
      const answer = schedule();
      await held.reached;
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'PENDING' }));
      held.release();
      expect((await answer).status).toBe(200);
    });
  });

  describe('unschedulable', () => {
    const report = { message: '0/2 workers fit: 2 InsufficientCpu', reasons: { InsufficientCpu: 2 }, attempts: 1 };

    it('stores the latest report, readable back, without touching the instance', async () => {
      expect((await f.unschedulable('li-1', report, { fencingToken: token })).status).toBe(200);
      expect((await f.unschedulable('li-1', { ...report, attempts: 2 }, { fencingToken: token })).body).toEqual({ instanceId: 'li-1' });
      expect(await f.api.reports.report('li-1')).toEqual(expect.objectContaining({ attempts: 2, fencingToken: token, schedulerId: 'scheduler-a' }));
      expect((await f.store.get('/lcm/instances/li-1'))?.modRevision).toBe(rev);
    });

    it.each([
      ['an absent instance', 'absent', 0, 404, 'InstanceNotFound'],
      ['a stale token', 'li-1', 1, 409, 'StaleFencingToken'],
    ])('answers %s', async (_name, id, tokenShift, status, reason) => {
      const answer = await f.unschedulable(id, report, { fencingToken: token + tokenShift });
      expect([answer.status, (answer.body as { reason: string }).reason]).toEqual([status, reason]);
    });

    it('answers 409 NotPending once the instance is placed', async () => {
      expect((await schedule()).status).toBe(200);
      const answer = await f.unschedulable('li-1', report, { fencingToken: token });
      expect(answer.body).toEqual(expect.objectContaining({ reason: 'NotPending', phase: 'SCHEDULED', workerId: 'w-1' }));
    });
  });

  describe('scale-up', () => {
    const request = { template: 'multi-sessions', reason: 'no fit', instanceIds: ['li-1', 'li-2'] };

    it('records a request once per Idempotency-Key', async () => {
      const first = await f.scaleUp(request, { fencingToken: token, idempotencyKey: 'k-1' });
      const again = await f.scaleUp(request, { fencingToken: token, idempotencyKey: 'k-1' });
      expect([first.status, again.status]).toEqual([202, 202]);
      expect(again.body).toEqual(first.body);
      expect(await f.api.reports.scaleUps()).toEqual([expect.objectContaining({ template: 'multi-sessions', idempotencyKey: 'k-1' })]);
    });

    it.each([
      ['a stale token', { fencingToken: 1, idempotencyKey: 'k' }, 409, 'StaleFencingToken'],
      ['no Idempotency-Key', { fencingToken: 0 }, 400, 'InvalidRequest'],
    ])('answers %s', async (_name, headers, status, reason) => {
      const answer = await f.scaleUp(request, { ...headers, fencingToken: headers.fencingToken === 0 ? token : headers.fencingToken });
      expect([answer.status, (answer.body as { reason: string }).reason]).toEqual([status, reason]);
    });

    it('answers 409 ScaleUpRefused when set to refuse', async () => {
      f.api.setScaleUpAnswer('refuse');
      const answer = await f.scaleUp(request, { fencingToken: token, idempotencyKey: 'k-2' });
      expect([answer.status, answer.body]).toEqual([409, expect.objectContaining({ reason: 'ScaleUpRefused' })]);
    });

    it('answers 400 to unsorted instance ids', async () => {
      const answer = await f.scaleUp({ ...request, instanceIds: ['li-2', 'li-1'] }, { fencingToken: token, idempotencyKey: 'k-3' });
      expect(answer.status).toBe(400);
    });
  });

  describe('answering the least the contract allows (issue 17)', () => {
    beforeEach(() => f.api.setAnswerMode('minimal'));

    it.each([
      ['schedule', () => schedule(), 200],
      ['a repeated schedule', async () => { await schedule(); return schedule(); }, 200],
      ['a report', () => f.unschedulable('li-1', { message: '0/2 workers fit', reasons: {} }, { fencingToken: token }), 200],
      ['scale-up', () => f.scaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'] }, { fencingToken: token, idempotencyKey: 'k' }), 202],
    ] as const)('sends %s its status with no body', async (_name, call, status) => {
      const answer = await call();
      expect([answer.status, answer.text, answer.headers.get('content-type')]).toEqual([status, '', null]);
    });

    it.each([
      ['409 StaleRevision', () => schedule({ revision: rev - 1 }), 409, 'StaleRevision'],
      ['409 StaleFencingToken', () => schedule({ token: token + 1 }), 409, 'StaleFencingToken'],
      ['404 WorkerNotFound', () => schedule({ workerId: 'w-absent' }), 404, 'WorkerNotFound'],
    ] as const)('sends %s with its reason alone', async (_name, call, status, reason) => {
      const answer = await call();
      expect([answer.status, answer.body]).toEqual([status, { reason }]);
    });

    it('still commits exactly what a full answer commits', async () => {
      await schedule();
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'SCHEDULED', workerId: 'w-1' }));
    });

    it('switches back to full answers through PUT /dev/answer-mode', async () => {
      const put = await fetch(`${f.api.url}/dev/answer-mode`, { method: 'PUT', headers: { 'X-API-Key': KEY }, body: '{"mode":"full"}' });
      expect(put.status).toBe(200);
      expect((await schedule()).body).toEqual({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: expect.any(Number) as number });
    });
  });

  describe('fault knobs', () => {
    it.each([
      ['status500', 500, undefined],
      ['status503', 503, '3'],
      ['status429', 429, '3'],
      ['status401', 401, undefined],
    ] as const)('answers %s before processing', async (kind, status, retryAfter) => {
      f.api.faults.add({ route: 'schedule', kind, retryAfterSeconds: 3, count: 1 });
      const answer = await schedule();
      expect([answer.status, answer.headers.get('retry-after') ?? undefined]).toEqual([status, retryAfter]);
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'PENDING' }));
      expect((await schedule()).status).toBe(200);
    });

    it('answers malformed JSON after committing', async () => {
      f.api.faults.add({ route: '*', kind: 'malformedJson', when: 'after', count: 1 });
      const answer = await schedule();
      expect([answer.status, answer.text]).toEqual([200, '{"instanceId": "li-']);
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'SCHEDULED' }));
    });

    it('refuses to play malformed JSON before processing: a 200 is a promise that the call committed', () => {
      expect(() => f.api.faults.add({ route: 'schedule', kind: 'malformedJson' })).toThrow(/when: 'after'/);
    });

    it('resets the connection after committing', async () => {
      f.api.faults.add({ route: 'schedule', kind: 'reset', when: 'after', count: 1 });
      await expect(schedule()).rejects.toThrow();
      expect(await f.instance('li-1')).toEqual(expect.objectContaining({ phase: 'SCHEDULED' }));
      expect(f.api.counts()['schedule']).toEqual({ 'fault reset after': 1 });
    });

    it('hangs until the caller gives up', async () => {
      f.api.faults.add({ route: 'unschedulable', kind: 'hang' });
      const abort = new AbortController();
      const call = fetch(`${f.api.url}/api/internal/instances/li-1/unschedulable`, { method: 'POST', body: '{}', signal: abort.signal });
      await eventually(() => f.api.counts()['unschedulable']?.['fault hang before'] === 1);
      abort.abort();
      await expect(call).rejects.toThrow();
    });

    it('repeats the same faults for the same seed', async () => {
      const pattern = async (): Promise<number[]> => {
        f.api.faults.set({ seed: 42, rules: [{ route: 'unschedulable', kind: 'status500', share: 0.5 }] });
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) statuses.push((await f.unschedulable('absent', { message: 'm', reasons: {} }, { fencingToken: token })).status);
        return statuses;
      };
      const first = await pattern();
      expect(new Set(first)).toEqual(new Set([404, 500]));
      expect(await pattern()).toEqual(first);
    });

    it('sets faults over HTTP and counts answers by route', async () => {
      const put = await fetch(`${f.api.url}/dev/faults`, {
        method: 'PUT', headers: { 'X-API-Key': KEY }, body: JSON.stringify({ rules: [{ route: 'schedule', kind: 'status503', count: 1 }] }),
      });
      expect(put.status).toBe(200);
      await schedule();
      await schedule();
      expect(f.api.counts()['schedule']).toEqual({ 'fault status503 before': 1, '200': 1 });
    });
  });

  describe('/dev endpoints', () => {
    const dev = (method: string, path: string, body?: unknown, apiKey = KEY): Promise<Response> =>
      fetch(f.api.url + path, { method, headers: { 'X-API-Key': apiKey }, body: body === undefined ? undefined : JSON.stringify(body) });

    it('writes instances and moves their phase, keeping allocations', async () => {
      expect((await dev('PUT', '/dev/instances/li-9', anInstance('li-9').withPhase('RUNNING').withWorkerId('w-2').json())).status).toBe(200);
      expect(await (await dev('GET', '/dev/allocations/w-2')).json()).toEqual({ count: 1, used: [2000, 4000, 15000, 0, 0], holders: ['li-9'] });
      expect((await dev('POST', '/dev/instances/li-9/phase', { phase: 'STOPPED' })).status).toBe(200);
      expect(await (await dev('GET', '/dev/allocations/w-2')).json()).toEqual({ count: 0, used: [0, 0, 0, 0, 0], holders: [] });
    });

    it('keeps a malformed instance holding with its last good value until deleted', async () => {
      await f.api.objects.putInstance(anInstance('li-9').withPhase('RUNNING').withWorkerId('w-2').json());
      await f.api.objects.putInstance('{"id": "li-9", "phase": "BROKEN"}', 'li-9');
      expect((await f.api.objects.allocation('w-2')).holders).toEqual(['li-9']);
      await f.api.objects.deleteInstance('li-9');
      expect(await f.api.objects.allocation('w-2')).toEqual({ count: 0, used: [0, 0, 0, 0, 0], holders: [] });
    });

    it('rebuilds allocations from instances written around the API', async () => {
      await f.store.txn([], [{ type: 'put', key: '/lcm/instances/li-x', value: JSON.stringify(anInstance('li-x').scheduledOn('w-1').json()) }]);
      await f.api.objects.rebuildAllocations();
      expect(await f.api.objects.allocation('w-1')).toEqual({ count: 1, used: [2000, 4000, 15000, 0, 0], holders: ['li-x'] });
    });

    it('refuses a wrong key and names unknown routes', async () => {
      expect((await dev('GET', '/dev/counters', undefined, 'nope')).status).toBe(401);
      expect((await dev('GET', '/dev/nothing')).status).toBe(404);
    });
  });
});
