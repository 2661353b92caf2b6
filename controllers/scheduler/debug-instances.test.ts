// GET /debug/instances/{id} (contract §4) served by a running replica over HTTP (issue 17): the body
// of a no-fit decision carries every worker's verdict with its reason; a placed one its worker, its
// score and the scores of the workers that fit; both in the contract's shape
// {instanceId, decidedAt, result, workerId?, score?, message?, reasons, verdicts: [{workerId, reason?, scores?}]}.
import type { FakeClock } from '../../pkg/clock';
import { ConfigHolder, defaultConfig } from '../../pkg/config';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import type { InMemoryStore } from '../../pkg/store';
import type { SchedulerService } from './service';
import type { ServedService } from './service-testing';
import { put as putIn, serveService, stopServed, until as untilOn } from './service-testing';
import { NOW, ScriptedClient } from './testing';

interface Body {
  readonly instanceId: string;
  readonly decidedAt: string;
  readonly result: string;
  readonly workerId?: string;
  readonly score?: number;
  readonly message?: string;
  readonly reasons: Record<string, number>;
  readonly verdicts: Array<{ readonly workerId: string; readonly reason?: string; readonly scores?: Record<string, number> }>;
}

describe('GET /debug/instances/{id}', () => {
  let served: ServedService;
  let clock: FakeClock;
  let store: InMemoryStore;
  let client: ScriptedClient;
  let service: SchedulerService;
  let base: string;

  beforeEach(async () => {
    client = new ScriptedClient();
    served = await serveService({ client, config: new ConfigHolder(defaultConfig()), schedulerId: 'debug-test' });
    ({ clock, store, service, base } = served);
    service.start();
    await until(() => service.controller.isPlacing(), 'the term to start placing');
  });
  afterEach(() => stopServed(served));

  // The shared steps of service-testing.ts, on this test's clock and store.
  const until = (check: () => boolean, what: string, stepMs?: number): Promise<void> => untilOn(clock, check, what, stepMs);
  const put = (kind: 'workers' | 'instances', builder: WorkerBuilder | InstanceBuilder): Promise<void> => putIn(store, '/lcm', kind, builder);
  async function get(id: string): Promise<{ status: number; body: Body }> {
    const reply = await fetch(`${base}/debug/instances/${encodeURIComponent(id)}`);
    return { status: reply.status, body: (await reply.json()) as Body };
  }
  /** The contract's keys, each of its type where present. */
  function expectContractShape(body: Body): void {
    expect([typeof body.instanceId, typeof body.decidedAt, typeof body.result, typeof body.reasons, Array.isArray(body.verdicts)]).toEqual(['string', 'string', 'string', 'object', true]);
    expect(new Date(body.decidedAt).toISOString()).toBe(body.decidedAt);
    expect(Date.parse(body.decidedAt)).toBeGreaterThanOrEqual(NOW);
    expect(Date.parse(body.decidedAt)).toBeLessThanOrEqual(clock.now());
    for (const v of body.verdicts) {
      expect(typeof v.workerId).toBe('string');
      if (v.reason !== undefined) expect(typeof v.reason).toBe('string');
      if (v.scores !== undefined) for (const score of Object.values(v.scores)) expect(typeof score).toBe('number');
    }
  }

  const fleet = async (): Promise<void> => {
    await put('workers', aWorker('w-small').withCpu(8));
    await put('workers', aWorker('w-eval').withLicense('evaluation'));
    await put('workers', aWorker('w-drain').withStatus('DRAINING'));
    await put('workers', aWorker('w-lowmem').withRegion('eu-west-1').withCpu(48).withMemory(32));
  };

  it('shows every worker\'s verdict with its reason when nothing fits', async () => {
    await fleet();
    await put('instances', anInstance('li-big').withCpu(32).withMemory(64).withStorage(100).withLicenseAffinity('enterprise'));
    await until(() => service.controller.decision('li-big') !== undefined, 'a decision on li-big');
    const { status, body } = await get('li-big');
    expect(status).toBe(200);
    expectContractShape(body);
    expect(body).toMatchObject({
      instanceId: 'li-big',
      result: 'unschedulable',
      message: '0/4 workers fit: 1 InsufficientCpu, 1 InsufficientMemory, 1 LicenseMismatch, 1 WorkerDraining',
      reasons: { InsufficientCpu: 1, InsufficientMemory: 1, LicenseMismatch: 1, WorkerDraining: 1 },
    });
    expect(body.workerId).toBeUndefined();
    expect([...body.verdicts].sort((a, b) => a.workerId.localeCompare(b.workerId))).toEqual([
      { workerId: 'w-drain', reason: 'WorkerDraining' },
      { workerId: 'w-eval', reason: 'LicenseMismatch' },
      { workerId: 'w-lowmem', reason: 'InsufficientMemory' },
      { workerId: 'w-small', reason: 'InsufficientCpu' },
    ]);
  });

  it('shows the chosen worker, its score and the scores of every worker that fit when placed', async () => {
    await fleet();
    await put('instances', anInstance('li-small').withCpu(4).withMemory(16).withStorage(64).withLicenseAffinity('enterprise').withPreferredRegion('eu-west-1'));
    await until(() => client.schedules().length === 1, 'li-small placed');
    const { status, body } = await get('li-small');
    expect(status).toBe(200);
    expectContractShape(body);
    // Contract §3: binPacking floor(100 × mean(4/48, 16/32, 64/256)) = 27 on w-lowmem, floor(100 ×
    // mean(4/8, 16/192, 64/256)) = 27 on w-small; locality 100 only in eu-west-1; loadBalance 100 (no
    // holders). Totals 0.6·27 + 0.2·100 + 0.2·100 = 56.2 against 36.2.
    expect(body).toMatchObject({ instanceId: 'li-small', result: 'scheduled', workerId: 'w-lowmem', reasons: { LicenseMismatch: 1, WorkerDraining: 1 } });
    expect(body.score).toBeCloseTo(56.2, 6);
    const scored = [...body.verdicts].sort((a, b) => a.workerId.localeCompare(b.workerId));
    expect(scored.map((v) => [v.workerId, v.reason, v.scores])).toEqual([
      ['w-lowmem', undefined, { BinPacking: 27, Locality: 100, LoadBalance: 100 }],
      ['w-small', undefined, { BinPacking: 27, Locality: 0, LoadBalance: 100 }],
    ]);
    expect(client.schedules()).toEqual([expect.objectContaining({ instanceId: 'li-small', workerId: 'w-lowmem' })]);
  });

  it('answers 404 for an instance it has made no decision on', async () => {
    const reply = await fetch(`${base}/debug/instances/li-unknown`);
    expect(reply.status).toBe(404);
    expect(await reply.json()).toEqual({ error: 'no decision recorded for instance li-unknown' });
  });
});
