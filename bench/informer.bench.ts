// Figures for the informer cache (issues 5 and 12) on a real etcd (the e2e harness starts one, with
// --unsafe-no-fsync, which only speeds up loading): initial sync time and resident memory of a standby
// scheduler replica (informer, typed cache, placement snapshot) after sync and a forced GC, for
// 10,000 and 100,000 instances with 1,000 and 10,000 workers; then watch lag (write to delivery) at
// 2,000 changes per second, sustained. Each size is measured in a fresh child process so its memory
// is the replica's alone.
// Run: npx tsc -p tsconfig.build.json && node --expose-gc dist/bench/informer.bench.js [--lag-seconds 60]
import { fork } from 'node:child_process';
import { SchedulerService } from '../controllers/scheduler';
import { SystemClock } from '../pkg/clock';
import { ConfigHolder, defaultConfig } from '../pkg/config';
import { HttpControlPlaneClient } from '../pkg/controlplane';
import { PrefixInformer } from '../pkg/informer';
import { NOOP_LOGGER } from '../pkg/observability';
import { EtcdStore } from '../pkg/store';
import { startEtcd, uniquePrefix } from '../e2e/harness';
import { instance, worker } from '../e2e/support/fleets';
import { fmt, loadKeys, mb, summarize } from './support';

interface SyncFigures { syncMs: number; rssBytes: number; heapUsedBytes: number; instances: number; workers: number }

async function child(endpoints: string[], prefix: string): Promise<void> {
  const clock = new SystemClock();
  const store = await EtcdStore.connect({ endpoints });
  const client = new HttpControlPlaneClient({ baseUrl: 'http://127.0.0.1:9', schedulerId: 'bench-standby', clock });
  const service = new SchedulerService({ store, client, prefix, schedulerId: 'bench-standby', config: new ConfigHolder(defaultConfig()), clock, logger: NOOP_LOGGER });
  const started = performance.now();
  service.informer.start(); // a standby: the cache syncs, the elector is not started
  while (!service.informer.hasSynced()) await clock.sleep(5);
  const syncMs = performance.now() - started;
  for (let i = 0; i < 3; i++) global.gc?.();
  const mem = process.memoryUsage();
  const counts = service.cache.counts();
  const figures: SyncFigures = { syncMs, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, instances: counts.instances, workers: service.controller.snapshot.size };
  process.send?.(figures);
  await service.informer.stop();
  client.close();
  await store.close();
}

function measureInChild(endpoints: readonly string[], prefix: string): Promise<SyncFigures> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', endpoints.join(','), prefix], { execArgv: ['--expose-gc'] });
    proc.once('message', (m) => resolve(m as SyncFigures));
    proc.once('exit', (code) => { if (code !== 0) reject(new Error(`child exited ${code}`)); });
  });
}

async function syncFigures(store: EtcdStore, endpoints: readonly string[], instances: number, workers: number): Promise<void> {
  const prefix = uniquePrefix(`sync-${instances}`);
  const entries: Array<[string, string]> = [];
  for (let i = 0; i < workers; i++) entries.push([`${prefix}/workers/w-${i}`, JSON.stringify(worker(`w-${i}`))]);
  for (let i = 0; i < instances; i++) {
    const scheduled = i % 2 === 0;
    entries.push([`${prefix}/instances/li-${i}`, JSON.stringify(instance(`li-${i}`, scheduled ? { phase: 'RUNNING', workerId: `w-${i % workers}` } : {}))]);
  }
  const loadStart = performance.now();
  await loadKeys(store, entries);
  const loadS = (performance.now() - loadStart) / 1000;
  const f = await measureInChild(endpoints, prefix);
  console.log(`sync ${instances} instances + ${workers} workers (loaded in ${fmt(loadS, 1)} s): ${fmt(f.syncMs / 1000)} s to synced; RSS ${mb(f.rssBytes)}, heap used ${mb(f.heapUsedBytes)} after GC (cache: ${f.instances} instances, ${f.workers} workers)`);
}

async function watchLag(store: EtcdStore, endpoints: readonly string[], ratePerSecond: number, seconds: number): Promise<void> {
  const prefix = uniquePrefix('lag');
  const reader = await EtcdStore.connect({ endpoints });
  const lags: number[] = [];
  const informer = new PrefixInformer({
    listerWatcher: reader, prefix: `${prefix}/`, clock: new SystemClock(),
    handler: { onDeltas: (deltas) => { const now = Date.now(); for (const d of deltas) if (d.type === 'upsert') lags.push(now - Number(d.kv.value.toString('utf8').split('|')[0])); } },
  });
  informer.start();
  while (!informer.isWatching()) await new Promise((r) => setTimeout(r, 5));
  const total = ratePerSecond * seconds;
  const started = performance.now();
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (sent < total) {
    const due = Math.floor(((performance.now() - started) / 1000) * ratePerSecond);
    while (sent < Math.min(due, total)) {
      const key = `${prefix}/instances/li-${sent % 5_000}`;
      const p = store.txn([], [{ type: 'put', key, value: `${Date.now()}|${'x'.repeat(300)}` }]).finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent += 1;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inFlight);
  const achieved = total / ((performance.now() - started) / 1000);
  await new Promise((r) => setTimeout(r, 1_000));
  const s = summarize(lags);
  console.log(`watch lag at ${ratePerSecond} changes/s for ${seconds} s (achieved ${fmt(achieved, 0)}/s, ${s.n} of ${total} delivered): p50 ${fmt(s.p50, 0)} ms, p99 ${fmt(s.p99, 0)} ms, max ${fmt(s.max, 0)} ms`);
  await informer.stop();
  await reader.close();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child((args[1] ?? '').split(','), args[2] ?? '');
  const lagSeconds = Number(args[args.indexOf('--lag-seconds') + 1] ?? 30) || 30;
  const etcd = await startEtcd({ unsafeNoFsync: true });
  const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
  try {
    console.log(`informer benchmark on etcd ${etcd.endpoints.join(',')} (--unsafe-no-fsync), node ${process.version}`);
    await syncFigures(store, etcd.endpoints, 10_000, 1_000);
    await syncFigures(store, etcd.endpoints, 100_000, 10_000);
    await watchLag(store, etcd.endpoints, 2_000, lagSeconds);
  } finally {
    await store.close();
    await etcd.destroy();
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
