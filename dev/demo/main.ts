// The embedded demo (`make demo`): an etcd (in memory, or real when ETCD_ENDPOINTS is set), the
// development Control Plane API over it, and one scheduler replica, in one process. It loads the
// sample fleet and workload, shows a progress bar while the scheduler places them, and ends with a
// table of workers (placements, utilisation) and of unschedulable instances with their messages,
// then the leader's forecast of the booked morning, hour by hour, and the scale-ups it would send.
import { join } from 'node:path';
import { SchedulerService } from '../../controllers/scheduler';
import { SystemClock } from '../../pkg/clock';
import { ConfigHolder, parseEnvironment } from '../../pkg/config';
import { HttpControlPlaneClient } from '../../pkg/controlplane';
import type { SchedulerConfig } from '../../pkg/config';
import type { LogLevel } from '../../pkg/observability';
import { WinstonLogger } from '../../pkg/observability';
import type { Store } from '../../pkg/store';
import { EtcdStore, InMemoryStore } from '../../pkg/store';
import { start as startDevApi } from '../controlplane-api';
import { forecastReport } from './forecast-report';
import { loadSamples } from './samples';
import { percent, progressBar, renderTable } from './tables';

const SAMPLES = join(__dirname, '..', '..', '..', 'config', 'samples', 'demo-fleet.yaml');
const DEADLINE_MS = 120_000;
/** A forecast computed after placement settled: within two forecast.intervalSeconds of the sample config. */
const FORECAST_WAIT_MS = 10_000;

async function main(): Promise<number> {
  const clock = new SystemClock();
  const startedAtMs = clock.now();
  const useEtcd = (process.env['ETCD_ENDPOINTS'] ?? '') !== '';
  const env = parseEnvironment(process.env);
  const store: Store = useEtcd ? await EtcdStore.connect(env.etcd) : new InMemoryStore({ clock });
  const prefix = useEtcd ? `${env.etcd.prefix}-demo-${startedAtMs}` : '/lcm';
  const logger = WinstonLogger.create({ level: (process.env['DEMO_LOG_LEVEL'] as LogLevel | undefined) ?? 'error', stream: process.stderr, defaultFields: { service: 'lablet-scheduler-demo' } });

  const api = await startDevApi({ store, prefix, port: 0, host: '127.0.0.1' });
  const samples = await loadSamples(SAMPLES, startedAtMs);
  for (const worker of samples.workers) await api.objects.putWorker(worker);
  for (const instance of samples.instances) await api.objects.putInstance(instance);
  print(`Lablet scheduler demo: ${samples.workers.length} workers, ${samples.instances.length} instances, etcd ${useEtcd ? `at ${env.etcd.endpoints.join(',')} under ${prefix}` : 'in memory'}, development API at ${api.url}`);

  const config = new ConfigHolder(samples.config);
  const client = new HttpControlPlaneClient({ baseUrl: api.url, schedulerId: 'demo-scheduler', clock });
  const scheduler = new SchedulerService({ store, client, prefix, schedulerId: 'demo-scheduler', config, clock, logger });
  scheduler.start();

  const total = samples.instances.length;
  let lastLine = '';
  const settled = await waitUntil(clock, DEADLINE_MS, () => {
    const state = progress(scheduler, total);
    if (state.line !== lastLine) {
      lastLine = state.line;
      print(state.line);
    }
    return state.done;
  });
  const elapsedS = (clock.now() - startedAtMs) / 1000;
  print('');
  print(workerTable(scheduler));
  print('');
  print(await unschedulableTable(scheduler, api.reports));
  const placed = countPlaced(scheduler);
  print('');
  print(`${placed} of ${total} instances placed in ${elapsedS.toFixed(1)} s; ${settled ? 'every other one is reported above' : `gave up waiting after ${DEADLINE_MS / 1000} s`}.`);
  print('');
  print(await forecastSection(scheduler, clock, samples.config));

  await scheduler.stop(2_000);
  client.close();
  await api.close();
  await store.close();
  return settled ? 0 : 1;
}

interface Progress {
  readonly done: boolean;
  readonly line: string;
}

function progress(scheduler: SchedulerService, total: number): Progress {
  const placed = countPlaced(scheduler);
  const pending = scheduler.controller.pendingCounts();
  const decided = placed + pending.unschedulable + pending.waiting_timeslot;
  const idle = pending.active === 0 && scheduler.controller.assumedCount() === 0;
  const done = scheduler.controller.isPlacing() && idle && decided + scheduler.cache.counts().invalidInstances >= total;
  const line = `${progressBar(decided, total)} ${placed} placed, ${pending.unschedulable} unschedulable, ${pending.waiting_timeslot} waiting for their timeslot`;
  return { done, line };
}

function countPlaced(scheduler: SchedulerService): number {
  let placed = 0;
  for (const { instance } of scheduler.cache.allInstances()) if (instance.workerId !== undefined) placed += 1;
  return placed;
}

function workerTable(scheduler: SchedulerService): string {
  const rows = [...scheduler.cache.allWorkers()]
    .map(({ worker }) => worker)
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((w) => {
      const info = scheduler.controller.snapshot.getWorker(w.id);
      const used = info?.allocated;
      return [
        w.id, w.region ?? '-', w.license, w.status, w.cmlVersion?.raw ?? '-', String(info?.holders ?? 0),
        percent(used?.cpuMilli ?? 0, w.capacity.cpuMilli), percent(used?.memoryMilli ?? 0, w.capacity.memoryMilli),
        percent(used?.storageMilli ?? 0, w.capacity.storageMilli),
      ];
    });
  return renderTable(['WORKER', 'REGION', 'LICENSE', 'STATUS', 'CML', 'INSTANCES', 'CPU', 'MEMORY', 'STORAGE'], rows);
}

async function unschedulableTable(scheduler: SchedulerService, reports: { report(id: string): Promise<{ readonly message: string } | undefined> }): Promise<string> {
  const rows: string[][] = [];
  const ids = [...scheduler.cache.placeableIds()].sort();
  for (const id of ids) {
    const report = await reports.report(id);
    const waiting = scheduler.controller.decision(id) === undefined;
    rows.push([id, report?.message ?? (waiting ? 'waiting for its timeslot (lead time 35 min)' : '-')]);
  }
  return renderTable(['NOT PLACED', 'WHY'], rows);
}

/** The leader's forecast once one computed after placement settled is there (GET /debug/forecast). */
async function forecastSection(scheduler: SchedulerService, clock: SystemClock, config: SchedulerConfig): Promise<string> {
  const settledAtMs = clock.now();
  const fresh = () => {
    const view = scheduler.controller.forecastView();
    return view !== undefined && Date.parse(view.computedAt) >= settledAtMs ? view : undefined;
  };
  await waitUntil(clock, FORECAST_WAIT_MS, () => fresh() !== undefined);
  const view = fresh() ?? scheduler.controller.forecastView();
  if (view === undefined) return 'No forecast yet (see GET /debug/forecast on the leader).';
  const pending = [...scheduler.cache.placeableIds()].flatMap((id) => {
    const cached = scheduler.cache.instance(id);
    return cached === undefined ? [] : [cached.instance];
  });
  return forecastReport(view, pending, config);
}

async function waitUntil(clock: SystemClock, deadlineMs: number, condition: () => boolean): Promise<boolean> {
  const until = clock.monotonicNow() + deadlineMs;
  while (clock.monotonicNow() < until) {
    if (condition()) return true;
    await clock.sleep(200);
  }
  return condition();
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
