// The write path's own limit: schedule calls per second through the development Control Plane API
// alone (raw keep-alive HTTP, no client-side rate limit) over a real etcd, at 1, 4, 16 and 64 calls
// in flight, for two shapes: every call on one hot worker (what bin packing produces) and calls
// spread over 64 workers. Once with etcd's default fsync and once with --unsafe-no-fsync. Every
// call must answer 200 (each instance placed once). Run:
//   npx tsc -p tsconfig.build.json && node dist/bench/controlplane.bench.js [callsPerRun]
import http from 'node:http';
import { start } from '../dev/controlplane-api';
import { aWorker, anInstance } from '../pkg/objects/testing';
import { EtcdStore } from '../pkg/store';
import type { Store } from '../pkg/store';
import { startEtcd, uniquePrefix } from '../e2e/harness';

const IN_FLIGHT = [1, 4, 16, 64];
const SHAPES = [['one hot worker', 1], ['64 workers', 64]] as const;
const CALLS = Number(process.argv[2] ?? '2000');

interface Figures {
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function seed(store: Store, prefix: string, workers: number, calls: number): Promise<number[]> {
  const ops = [];
  for (let w = 0; w < workers; w++) {
    const doc = aWorker(`w-${w}`).withCpu(1_000_000).withMemory(1_000_000).withStorage(1_000_000).json();
    ops.push({ type: 'put' as const, key: `${prefix}/workers/w-${w}`, value: JSON.stringify(doc) });
  }
  for (let i = 0; i < calls; i++) {
    ops.push({ type: 'put' as const, key: `${prefix}/instances/li-${i}`, value: JSON.stringify(anInstance(`li-${i}`).json()) });
  }
  const revisions = new Map<string, number>();
  for (let i = 0; i < ops.length; i += 100) {
    const batch = ops.slice(i, i + 100);
    const result = await store.txn([], batch);
    for (const op of batch) revisions.set(op.key, result.revision);
  }
  return Array.from({ length: calls }, (_, i) => revisions.get(`${prefix}/instances/li-${i}`) ?? 0);
}

function post(agent: http.Agent, url: URL, path: string, token: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: url.hostname, port: url.port, path, method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Fencing-Token': String(token), 'X-Scheduler-Id': 'bench' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(store: Store, inFlight: number, workers: number): Promise<Figures> {
  const prefix = uniquePrefix('bench');
  const api = await start({ store, prefix, rebuildAllocations: false });
  const leader = await store.txn([], [{ type: 'put', key: `${prefix}/scheduler/leader`, value: 'bench' }]);
  const revisions = await seed(store, prefix, workers, CALLS);
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const url = new URL(api.url);
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    for (let i = next++; i < CALLS; i = next++) {
      const body = JSON.stringify({ workerId: `w-${i % workers}`, instanceRevision: revisions[i] });
      const sentMs = performance.now();
      const status = await post(agent, url, `/api/internal/instances/li-${i}/schedule`, leader.revision, body);
      latencies.push(performance.now() - sentMs);
      if (status !== 200) failures++;
    }
  }));
  const elapsedMs = performance.now() - startedMs;
  agent.destroy();
  await api.close();
  if (failures > 0) throw new Error(`${failures} of ${CALLS} schedule calls did not answer 200`);
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { callsPerSecond: (CALLS / elapsedMs) * 1000, p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function main(): Promise<void> {
  process.stdout.write(`controlplane: schedule calls through the development API over etcd 3.4 (one local member, loopback), ${CALLS} calls per run\n`);
  for (const unsafeNoFsync of [false, true]) {
    const etcd = await startEtcd({ runtime: 'binary', unsafeNoFsync });
    const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
    try {
      const fsync = unsafeNoFsync ? 'fsync off (--unsafe-no-fsync)' : 'fsync on (etcd default)';
      for (const [shape, workers] of SHAPES) {
        for (const inFlight of IN_FLIGHT) {
          const f = await run(store, inFlight, workers);
          process.stdout.write(
            `  ${fsync.padEnd(30)} ${shape.padEnd(15)} in flight ${String(inFlight).padStart(2)}: ` +
            `${f.callsPerSecond.toFixed(0).padStart(5)} calls/s  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${f.p99Ms.toFixed(2)} ms\n`,
          );
        }
      }
    } finally {
      await store.close();
      await etcd.destroy();
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
