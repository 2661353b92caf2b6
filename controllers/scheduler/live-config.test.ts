// Issue 10: each ConfigMap key applied to a running scheduler changes what it does next, without a
// restart (or from the next term, for the keys read when a term starts).
import { FakeClock } from '../../pkg/clock';
import { ConfigHolder, parseConfig } from '../../pkg/config';
import type { CapturedLogs } from '../../pkg/config/testing';
import { captureLogs } from '../../pkg/config/testing';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import { InMemoryStore } from '../../pkg/store';
import type { LeadershipChange } from './service';
import { SchedulerService } from './service';
import { put as putIn, settle as settleOn, until as untilOn } from './service-testing';
import { ScriptedClient } from './testing';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const at = (minutesFromNow: number): string => new Date(NOW + minutesFromNow * 60_000).toISOString();

/** A worker that a small instance fills half of, in us-east-1: bin packing prefers it (50 against 41.2). */
const snug = (): WorkerBuilder => aWorker('w-snug').withRegion('us-east-1').withCpu(4).withMemory(16).withStorage(40);
/** An empty, large worker in eu-west-1: locality and spreading prefer it. */
const roomy = (): WorkerBuilder => aWorker('w-roomy').withRegion('eu-west-1').withCpu(64).withMemory(256).withStorage(1000);
const small = (id: string): InstanceBuilder => anInstance(id).withCpu(2).withMemory(8).withStorage(20).withPreferredRegion('eu-west-1');

describe('a running scheduler under a changing configuration', () => {
  let clock: FakeClock;
  let store: InMemoryStore;
  let client: ScriptedClient;
  let holder: ConfigHolder;
  let logs: CapturedLogs;
  let service: SchedulerService;
  let leadership: LeadershipChange[];

  async function start(yaml = ''): Promise<void> {
    clock = new FakeClock(NOW);
    store = new InMemoryStore({ clock });
    client = new ScriptedClient();
    holder = new ConfigHolder(parseConfig(yaml));
    logs = captureLogs('info');
    leadership = [];
    service = new SchedulerService({
      store, client, prefix: '/lcm', schedulerId: 'live-test', config: holder, clock, logger: logs.logger, onLeadershipChange: (change) => leadership.push(change),
    });
    service.start();
    await until(() => service.controller.isPlacing(), 'the first term to start placing');
  }
  afterEach(async () => {
    const stopping = service.stop(1_000);
    await settle();
    await stopping;
    await store.close();
  });

  // The shared steps of service-testing.ts, on this test's clock and store.
  const settle = (): Promise<void> => settleOn(clock);
  const until = (check: () => boolean, what: string, stepMs?: number): Promise<void> => untilOn(clock, check, what, stepMs);
  const put = (kind: 'workers' | 'instances', builder: WorkerBuilder | InstanceBuilder): Promise<void> => putIn(store, '/lcm', kind, builder);
  const placedOn = (id: string): string | undefined => client.schedules().find((s) => s.instanceId === id)?.workerId;
  const set = (yaml: string): void => holder.set(parseConfig(yaml));

  it('places by the new weights from the next decision on', async () => {
    await start();
    await put('workers', snug());
    await put('workers', roomy());
    await put('instances', small('li-1'));
    await until(() => placedOn('li-1') !== undefined, 'li-1 placed');
    expect(placedOn('li-1')).toBe('w-snug');

    set('placement:\n  weights: {binPacking: 0.2, locality: 0.6, loadBalance: 0.2}\n');
    await put('instances', small('li-2'));
    await until(() => placedOn('li-2') !== undefined, 'li-2 placed');
    expect(placedOn('li-2')).toBe('w-roomy');
  });

  it('switches placer live', async () => {
    await start();
    await put('workers', snug());
    await put('workers', roomy());
    set('placement:\n  placer: spread\n  weights: {binPacking: 1, locality: 0, loadBalance: 0}\n');
    await put('instances', small('li-1'));
    await until(() => placedOn('li-1') !== undefined, 'li-1 placed');
    expect(placedOn('li-1')).toBe('w-roomy');
  });

  it('decides nothing while paused, says so, and places what waited once unpaused', async () => {
    await start();
    await put('workers', roomy());
    set('placement: {paused: true}\n');
    await put('instances', small('li-1'));
    await settle();
    await clock.tick(60_000);
    await settle();
    expect(client.calls).toEqual([]);
    expect(service.controller.decision('li-1')).toBeUndefined();
    expect(service.leaderView().paused).toBe(true);

    set('placement: {paused: false}\n');
    await until(() => placedOn('li-1') !== undefined, 'li-1 placed after unpausing');
    expect(service.leaderView().paused).toBe(false);
  });

  it('records decisions without writing in dry run, and writes once it is off', async () => {
    await start();
    await put('workers', roomy());
    set('placement: {dryRun: true}\n');
    await put('instances', small('li-1'));
    await until(() => service.controller.decision('li-1') !== undefined, 'a dry-run decision');
    expect(service.controller.decision('li-1')).toMatchObject({ result: 'scheduled', workerId: 'w-roomy' });
    expect(client.calls).toEqual([]);

    set('placement: {dryRun: false}\n');
    await until(() => placedOn('li-1') !== undefined, 'li-1 placed after the dry run');
  });

  it('judges a waiting instance by a longer lead time at once', async () => {
    await start();
    await put('workers', roomy());
    await put('instances', small('li-1').withTimeslot(at(60), at(120)));
    await settle();
    await clock.tick(1_000);
    await settle();
    expect(client.calls).toEqual([]);

    set('timeslot: {leadTimeMinutes: 90}\n');
    await until(() => placedOn('li-1') !== undefined, 'li-1 placed within the new lead time', 10);
  });

  it('reports a slot with less than the new minRemainingMinutes left as missed', async () => {
    await start();
    await put('workers', roomy());
    set('timeslot: {minRemainingMinutes: 30}\n');
    await put('instances', small('li-1').withTimeslot(at(-10), at(20)));
    await until(() => client.reports().length === 1, 'a report');
    expect(client.reports()[0]?.body.reasons).toEqual({ TimeslotMissed: 1 });
    expect(client.schedules()).toEqual([]);
  });

  it('retries a failed write after the new requeue.baseDelayMs', async () => {
    await start('requeue: {baseDelayMs: 100}\n');
    set('requeue: {baseDelayMs: 5000}\n');
    await put('workers', roomy());
    client.scheduleAnswers.push(new Error('connection reset'));
    await put('instances', small('li-1'));
    await until(() => client.schedules().length === 1, 'the first attempt', 0);
    await clock.tick(4_900);
    await settle();
    expect(client.schedules()).toHaveLength(1);
    await clock.tick(100);
    await until(() => client.schedules().length === 2, 'the retry', 0);
  });

  it('sends reports at the new reports.minIntervalSeconds', async () => {
    await start();
    await put('instances', small('li-1').withCpu(100));
    await until(() => client.reports().length === 1, 'the first report');
    await put('workers', aWorker('w-1').withCpu(2));
    await clock.tick(5_000);
    await settle();
    expect(client.reports()).toHaveLength(1); // a new message, held back by the 60 s default

    set('reports: {minIntervalSeconds: 1}\n');
    await put('workers', aWorker('w-2').withCpu(2));
    await until(() => client.reports().length === 2, 'the second report');
    expect(client.reports()[1]?.body.message).toBe('0/2 workers fit: 2 InsufficientCpu');
  });

  it('applies leaderElection.leaseTtlSeconds and reconcile.workers from the next term', async () => {
    await start();
    const first = service.elector.currentTerm();
    expect(first?.ttlSeconds).toBe(15);
    set('leaderElection: {leaseTtlSeconds: 30}\nreconcile: {workers: 2}\n');
    expect(service.elector.currentTerm()).toBe(first);

    service.elector.stepDown('keyLost');
    await until(() => (service.elector.currentTerm()?.token ?? 0) > (first?.token ?? 0) && service.controller.isPlacing(), 'the next term', 1_000);
    expect(service.elector.currentTerm()?.ttlSeconds).toBe(30);
    await until(() => logs.withMessage('runner starting workers').length === 2, 'the second term\'s workers');
    expect(logs.withMessage('runner starting workers').map((l) => l['workers'])).toEqual([4, 2]);
    expect(leadership).toEqual([
      { isLeader: true, fencingToken: first?.token },
      { isLeader: false, fencingToken: first?.token, reason: 'keyLost' },
      { isLeader: true, fencingToken: service.elector.currentTerm()?.token },
    ]);
  });
});
