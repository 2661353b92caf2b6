// Figures for the Store seam. On a real etcd (the e2e harness starts one): how soon EtcdStore works
// again after etcd restarts (first successful call; first event on a watch opened before the outage),
// against an etcd3 client with its default fault handling under the same outage; and the sequential
// put rate. In memory: put rate and list time at the sizes the demo uses.
// Run: npx tsc -p tsconfig.build.json && node dist/bench/store.bench.js
import { Etcd3 } from 'etcd3';
import { startEtcd, uniquePrefix } from '../e2e/harness';
import type { Store } from '../pkg/store';
import { EtcdStore, InMemoryStore } from '../pkg/store';

const RESTARTS = 5;
const OUTAGE_MS = 2_000;
const POLL_MS = 10;
const ETCD_PUTS = 2_000;
const MEMORY_KEYS = 50_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps calling fn every POLL_MS (as a reachability check would) until stopped; swallows failures. */
function poll(fn: () => Promise<unknown>): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await fn().catch(() => undefined);
      await sleep(POLL_MS);
    }
  })();
  return { stop: async () => { running = false; await loop; } };
}

/** Milliseconds from `since` until fn first succeeds, trying every POLL_MS. */
async function msUntilSuccess(since: number, fn: () => Promise<unknown>): Promise<number> {
  for (;;) {
    try {
      await fn();
      return performance.now() - since;
    } catch {
      await sleep(POLL_MS);
    }
  }
}

function summary(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return `median ${median.toFixed(0)} ms, min ${(sorted[0] ?? NaN).toFixed(0)}, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(0)} (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function putRate(store: Store, prefix: string, count: number): Promise<string> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await store.txn([], [{ type: 'put', key: `${prefix}/k${i}`, value: 'v' }]);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1_000;
  latencies.sort((a, b) => a - b);
  return `${(count / seconds).toFixed(0)} puts/s (p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, n=${count})`;
}

async function recovery(): Promise<void> {
  const etcd = await startEtcd();
  try {
    const tuned = await EtcdStore.connect({ endpoints: etcd.endpoints });
    const baseline = new Etcd3({ hosts: [...etcd.endpoints] });
    const firstCall: number[] = [];
    const baselineFirstCall: number[] = [];
    const nextEvent: number[] = [];
    const baselineNextEvent: number[] = [];
    for (let run = 1; run <= RESTARTS; run++) {
      const dir = `${uniquePrefix('bench-recovery')}/`;
      const key = `${dir}k`;
      await tuned.txn([], [{ type: 'put', key, value: 'v' }]);
      await baseline.get(key).string();
      let deliveredAt: number | undefined;
      let baselineDeliveredAt: number | undefined;
      const watch = await tuned.watch(dir, (await tuned.currentRevision()) + 1, {
        onEvents: () => { deliveredAt ??= performance.now(); },
        onError: (err) => { throw err; },
      });
      const baselineWatch = await baseline.watch().prefix(dir).create();
      baselineWatch.on('put', () => { baselineDeliveredAt ??= performance.now(); });
      // Both clients keep calling through the outage and the restart, as a readiness check would.
      const pollers = [poll(() => tuned.get(key)), poll(() => baseline.get(key).string())];
      await etcd.stop();
      await sleep(OUTAGE_MS);
      await etcd.restart();
      const healthyAt = performance.now();
      // Another client writes the next event at once (a fresh client connects without backoff).
      const writer = new Etcd3({ hosts: [...etcd.endpoints] });
      const [tunedMs, baselineMs] = await Promise.all([
        msUntilSuccess(healthyAt, () => tuned.get(key)),
        msUntilSuccess(healthyAt, () => baseline.get(key).string()),
        writer.put(`${dir}next`).value('v').exec(),
      ]);
      while (deliveredAt === undefined || baselineDeliveredAt === undefined) await sleep(POLL_MS);
      await Promise.all(pollers.map((p) => p.stop()));
      writer.close();
      await watch.close();
      await baselineWatch.cancel();
      firstCall.push(tunedMs);
      baselineFirstCall.push(baselineMs);
      nextEvent.push(deliveredAt - healthyAt);
      baselineNextEvent.push(baselineDeliveredAt - healthyAt);
      process.stdout.write(
        `  restart ${run}/${RESTARTS}: first call ${tunedMs.toFixed(0)} ms (etcd3 defaults ${baselineMs.toFixed(0)} ms), ` +
          `watch event ${(deliveredAt - healthyAt).toFixed(0)} ms (etcd3 defaults ${(baselineDeliveredAt - healthyAt).toFixed(0)} ms)\n`,
      );
    }
    console.log(`etcd restart -> first successful EtcdStore call: ${summary(firstCall)}`);
    console.log(`etcd restart -> first successful call, etcd3 default fault handling: ${summary(baselineFirstCall)}`);
    console.log(`etcd restart -> event written right after restart delivered on an old watch: ${summary(nextEvent)}`);
    console.log(`etcd restart -> same, etcd3 watch with default backoff: ${summary(baselineNextEvent)}`);
    console.log(`(outage ${OUTAGE_MS} ms, then etcd's own restart; calls every ${POLL_MS} ms throughout; times from etcd reporting healthy, polled every 25 ms)`);
    console.log(`EtcdStore sequential put rate (txn, loopback etcd 3.4, --unsafe-no-fsync): ${await putRate(tuned, uniquePrefix('bench-puts'), ETCD_PUTS)}`);
    await tuned.close();
    baseline.close();
  } finally {
    await etcd.destroy();
  }
}

async function inMemory(): Promise<void> {
  const store = new InMemoryStore();
  console.log(`InMemoryStore sequential put rate: ${await putRate(store, '/bench', MEMORY_KEYS)}`);
  const start = performance.now();
  const listed = await store.list('/bench/');
  console.log(`InMemoryStore list of ${listed.kvs.length} keys (first list after the puts, sorts the keys): ${(performance.now() - start).toFixed(0)} ms`);
  const again = performance.now();
  await store.list('/bench/');
  console.log(`InMemoryStore list again: ${(performance.now() - again).toFixed(0)} ms`);
  await store.close();
}

async function main(): Promise<void> {
  console.log(`store bench (node ${process.version})`);
  await recovery();
  await inMemory();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
