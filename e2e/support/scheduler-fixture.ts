// One scheduler replica in this process over a real etcd, with the development Control Plane API
// over HTTP in front of the same etcd: what e2e tests of placement drive and inspect.
import { SchedulerService } from '../../controllers/scheduler';
import { SystemClock } from '../../pkg/clock';
import { ConfigHolder, parseConfig } from '../../pkg/config';
import { HttpControlPlaneClient } from '../../pkg/controlplane';
import type { LabletInstanceJson, WorkerJson } from '../../pkg/objects';
import { NOOP_LOGGER } from '../../pkg/observability';
import type { Logger } from '../../pkg/observability';
import type { Store } from '../../pkg/store';
import { EtcdStore } from '../../pkg/store';
import type { DevControlPlaneApi } from '../../dev/controlplane-api';
import { start as startDevApi } from '../../dev/controlplane-api';
import { readFleetState } from './fleet-state';

export interface SchedulerFixture {
  readonly prefix: string;
  readonly api: DevControlPlaneApi;
  readonly scheduler: SchedulerService;
  readonly config: ConfigHolder;
  /** A separate client to etcd for inspection. */
  readonly store: Store;
  putWorkers(workers: readonly WorkerJson[]): Promise<void>;
  putInstances(instances: readonly LabletInstanceJson[]): Promise<void>;
  /** Every instance and worker in etcd now, decoded. */
  state(): Promise<FleetState>;
  close(): Promise<void>;
}

export interface FleetState {
  readonly instances: ReadonlyMap<string, { phase: string; workerId: string | undefined; cpuMilli: number; memoryMilli: number; storageMilli: number; holds: boolean }>;
  readonly workers: ReadonlyMap<string, { status: string; license: string; cpuMilli: number; memoryMilli: number; storageMilli: number }>;
}

export interface SchedulerFixtureOptions {
  /**
   * Whether the development API boots the workers of an accepted scale-up, from the templates of the
   * scheduler's configuration (scaleUp.templates, read at each request) on the system clock (issue 19).
   * Default false: requests are only recorded.
   */
  readonly bootWorkers?: boolean;
}

export async function startSchedulerFixture(
  endpoints: readonly string[], prefix: string, configYaml = '', logger: Logger = NOOP_LOGGER, options: SchedulerFixtureOptions = {},
): Promise<SchedulerFixture> {
  const clock = new SystemClock();
  const apiStore = await EtcdStore.connect({ endpoints });
  const schedulerStore = await EtcdStore.connect({ endpoints });
  const config = new ConfigHolder(parseConfig(configYaml));
  const templates = options.bootWorkers === true ? { templates: () => config.current().scaleUp.templates, clock } : {};
  const api = await startDevApi({ store: apiStore, prefix, port: 0, host: '127.0.0.1', ...templates });
  const client = new HttpControlPlaneClient({ baseUrl: api.url, schedulerId: 'e2e-scheduler', clock, timeoutMs: config.current().controlPlane.timeoutMs, baseDelayMs: 20, maxBackoffMs: 200 });
  const scheduler = new SchedulerService({ store: schedulerStore, client, prefix, schedulerId: 'e2e-scheduler', config, clock, logger });
  return {
    prefix, api, scheduler, config, store: apiStore,
    async putWorkers(workers) {
      for (const w of workers) await api.objects.putWorker(w);
    },
    async putInstances(instances) {
      await inBatches(instances, 32, (i) => api.objects.putInstance(i));
    },
    state: () => readFleetState(apiStore, prefix),
    async close() {
      await scheduler.stop(2_000);
      client.close();
      await api.close();
      await schedulerStore.close();
      await apiStore.close();
    },
  };
}

/** Workers whose holders exceed their capacity, or personal workers with more than one holder. */
export function overCommitted(state: FleetState): string[] {
  const used = new Map<string, { cpu: number; memory: number; storage: number; holders: number }>();
  for (const i of state.instances.values()) {
    if (!i.holds || i.workerId === undefined) continue;
    const u = used.get(i.workerId) ?? { cpu: 0, memory: 0, storage: 0, holders: 0 };
    used.set(i.workerId, { cpu: u.cpu + i.cpuMilli, memory: u.memory + i.memoryMilli, storage: u.storage + i.storageMilli, holders: u.holders + 1 });
  }
  const bad: string[] = [];
  for (const [id, u] of used) {
    const w = state.workers.get(id);
    if (w === undefined) continue;
    if (u.cpu > w.cpuMilli || u.memory > w.memoryMilli || u.storage > w.storageMilli || (w.license === 'personal' && u.holders > 1)) bad.push(id);
  }
  return bad;
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}
