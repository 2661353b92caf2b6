// Issue 18: a plugin outside the contract set, registered (here, as an extension would, before the
// config is loaded), put in a placer profile, named by the ConfigMap key placement.placer, and placed
// with by a running scheduler. NewestCmlVersion sends the lab to the newest CML version where the
// `default` placer, packing, sends it to the fuller worker on an older version.
import { FakeClock } from '../../pkg/clock';
import { ConfigHolder, parseConfig } from '../../pkg/config';
import { captureLogs } from '../../pkg/config/testing';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import { placerNames, registerPlacer, registerPlugin } from '../../pkg/placement';
import { CONTRACT_FILTERS } from '../../pkg/placement/placers/contract';
import { newestCmlVersion, NEWEST_CML_VERSION } from '../../pkg/placement/plugins/newest-cml-version';
import { InMemoryStore } from '../../pkg/store';
import { SchedulerService } from './service';
import { put, settle, until } from './service-testing';
import { ScriptedClient } from './testing';

const NOW = Date.parse('2026-11-27T10:00:00Z');

registerPlugin(newestCmlVersion);
registerPlacer({
  name: 'newest',
  filters: CONTRACT_FILTERS,
  scorers: [
    { plugin: 'BinPacking', weight: 'binPacking' },
    { plugin: NEWEST_CML_VERSION, weight: 1 },
  ],
});

/** Half full after a small lab: bin packing prefers it. */
const packedOld = (): WorkerBuilder => aWorker('w-old').withCmlVersion('2.9.1').withCpu(4).withMemory(16).withStorage(40);
const roomyNew = (): WorkerBuilder => aWorker('w-new').withCmlVersion('2.10.0').withCpu(64).withMemory(256).withStorage(1000);
const lab = (): InstanceBuilder => anInstance('li-1').withCpu(2).withMemory(8).withStorage(20).withCmlVersion('>=2.9.0');

describe('a placer with a plugin outside the contract set', () => {
  let clock: FakeClock;
  let store: InMemoryStore;
  let client: ScriptedClient;
  let service: SchedulerService | undefined;

  afterEach(async () => {
    if (service === undefined) return;
    const stopping = service.stop(1_000);
    await settle(clock);
    await stopping;
    await store.close();
    service = undefined;
  });

  /** Starts a scheduler with the given ConfigMap, puts both workers and the lab, returns where it went. */
  async function placeWith(yaml: string): Promise<string | undefined> {
    clock = new FakeClock(NOW);
    store = new InMemoryStore({ clock });
    client = new ScriptedClient();
    service = new SchedulerService({
      store, client, prefix: '/lcm', schedulerId: 'plugin-test', config: new ConfigHolder(parseConfig(yaml)), clock, logger: captureLogs('info').logger,
    });
    service.start();
    const running = service;
    await until(clock, () => running.controller.isPlacing(), 'the first term to start placing');
    await put(store, '/lcm', 'workers', packedOld());
    await put(store, '/lcm', 'workers', roomyNew());
    await put(store, '/lcm', 'instances', lab());
    const placedOn = (): string | undefined => client.schedules().find((s) => s.instanceId === 'li-1')?.workerId;
    await until(clock, () => placedOn() !== undefined, 'li-1 placed');
    return placedOn();
  }

  it('is a known placer name, so the config naming it loads, and unknown names are refused with the known ones', () => {
    expect(placerNames()).toEqual(['default', 'spread', 'newest']);
    expect(parseConfig('placement: {placer: newest}\n').placement.placer).toBe('newest');
    expect(() => parseConfig('placement: {placer: oldest}\n')).toThrow('unknown placer "oldest" (known: default, spread, newest)');
  });

  it('places on the newest CML version when the config names its placer', async () => {
    expect(await placeWith('placement: {placer: newest}\n')).toBe('w-new');
  });

  it('places on the fuller, older worker with the default placer', async () => {
    expect(await placeWith('placement: {placer: default}\n')).toBe('w-old');
  });
});
