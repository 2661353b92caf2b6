// Failover times (issue 9): three `node dist/main.js` replicas with a 3 s lease TTL over a real etcd,
// the development API in this process. For each fault (SIGKILL, SIGTERM, SIGSTOP: a frozen leader)
// and each run: the time from the fault to the first schedule accepted in a newer term (a fresh
// instance is written once the fault has taken hold; its placement, seen through a watch on etcd, is
// the new leader's first accepted schedule). Prints the median and the worst of each. Run:
//   npx tsc -p tsconfig.build.json && node dist/bench/failover.bench.js [runsPerFault]
import { availableParallelism } from 'node:os';
import { startEtcd, uniquePrefix, waitFor } from '../e2e/harness';
import { Cluster } from '../e2e/support/cluster';
import { instance, worker } from '../e2e/support/fleets';

const RUNS = Number(process.argv[2] ?? '20');
const FAULTS = ['SIGKILL', 'SIGTERM', 'SIGSTOP'] as const;
type Fault = (typeof FAULTS)[number];
const TTL_SECONDS = 3;

let probes = 0;

/** One failover: fault the leader, write a fresh instance, time its placement in a newer term. */
async function failover(c: Cluster, fault: Fault): Promise<number> {
  await c.waitForReady(60_000);
  const leader = await c.waitForSoleLeader({ timeoutMs: 60_000 });
  const { proc } = c.replica(leader.slot);
  const faultAtMs = performance.now();
  await c.signal(leader.slot, fault);
  if (fault !== 'SIGSTOP') await proc.exited; // the old leader can place nothing more
  const id = `li-probe-${++probes}`;
  await c.putInstances([instance(id)]);
  let tookMs = 0;
  await waitFor(async () => {
    await c.history.sync();
    const placed = c.history.placements.find((p) => p.instanceId === id);
    if (placed === undefined) return false;
    if (placed.token <= leader.token) throw new Error(`${id} was placed in the old term ${placed.token}`);
    tookMs = placed.seenAtMs - faultAtMs;
    return true;
  }, { timeoutMs: 60_000, intervalMs: 20, message: `${id} to be placed by a new leader` });
  if (fault === 'SIGSTOP') {
    await c.signal(leader.slot, 'SIGCONT');
    await waitFor(async () => (await c.views())[leader.slot]?.leader === false, { timeoutMs: 30_000, message: 'the continued leader to step down' });
  } else {
    await c.restart(leader.slot);
  }
  return tookMs;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const c = await Cluster.start({ endpoints: etcd.endpoints, prefix: uniquePrefix('bench-failover'), leaseTtlSeconds: TTL_SECONDS });
  try {
    await c.putWorkers(Array.from({ length: 10 }, (_, i) => worker(`w-${i + 1}`)));
    process.stdout.write(`failover: 3 replicas, lease TTL ${TTL_SECONDS} s (renew every ${TTL_SECONDS / 3} s, stop writing after ${(TTL_SECONDS * 2) / 3} s), ` +
      `${RUNS} runs per fault, ${availableParallelism()} cores, Node ${process.version}, etcd ${etcd.runtime}\n` +
      'time from the fault to the first schedule accepted in a newer term:\n');
    for (const fault of FAULTS) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) times.push(await failover(c, fault));
      times.sort((a, b) => a - b);
      const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      process.stdout.write(`  ${fault.padEnd(8)} median ${s(quantile(times, 0.5))}  p90 ${s(quantile(times, 0.9))}  worst ${s(times[times.length - 1] ?? Number.NaN)}  best ${s(times[0] ?? Number.NaN)}\n`);
    }
    await c.history.sync();
    const doubled = c.history.doublePlaced();
    process.stdout.write(`  terms: ${c.history.terms.length}; instances placed twice: ${doubled.length}\n`);
    if (doubled.length > 0) process.exitCode = 1;
  } finally {
    await c.close();
    await etcd.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`failover bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
