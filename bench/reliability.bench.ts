// Reliability figures (issue 13; docs/reliability.md), printed rather than asserted:
// 1. Full Control Plane API outages against `node dist/main.js` (qps 10, burst 5, 4 workers,
//    requeue 200 ms..2 s): schedule calls per second reaching the API during each kind, and the time
//    from the API's recovery to every instance of that outage being SCHEDULED.
// 2. etcd faults with the scheduler in this process: the time from each fault (or its end) until a
//    fresh instance is placed, on one member (killed and restarted, frozen 2 s, cut off and compacted)
//    and on three (a follower killed, the raft leader killed).
// 3. A fault-share soak: 800 instances on 120 workers (and 20 that fit nowhere), each fault kind on a share of calls; how often
//    each fired, and the invariant counts at the end (by etcd's own history).
// Run: npx tsc -p tsconfig.build.json && node dist/bench/reliability.bench.js [runs]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultKind } from '../dev/controlplane-api';
import { startTcpProxy, uniquePrefix, waitFor } from '../e2e/harness';
import { countDuringOutage } from '../e2e/support/api-outage';
import { EtcdCluster } from '../e2e/support/etcd-cluster';
import { instance, worker } from '../e2e/support/fleets';
import { PrefixHistory } from '../e2e/support/history';
import type { SchedulerFixture } from '../e2e/support/scheduler-fixture';
import { overCommitted, startSchedulerFixture } from '../e2e/support/scheduler-fixture';
import { startScheduler } from '../e2e/support/scheduler-process';
import { EtcdStore } from '../pkg/store';
import { fmt, summarize } from './support';

const RUNS = Number(process.argv[2] ?? '3');
// No malformedJson: it comes with a 200, a definite success (contract §2, v1.1), so it is no outage.
const KINDS: readonly FaultKind[] = ['status500', 'status503', 'status429', 'reset', 'hang'];
const LIMITS = 'controlPlane: {timeoutMs: 500, qps: 10, burst: 5}\nrequeue: {baseDelayMs: 200, maxDelayMs: 2000}\nreconcile: {workers: 4}\n';
let probes = 0;

const line = (label: string, values: readonly number[], unit: string): string => {
  const s = summarize(values);
  return `${label.padEnd(44)} n=${s.n}  median ${fmt(s.p50, 1)} ${unit}  max ${fmt(s.max, 1)} ${unit}`;
};

async function placedWithin(f: SchedulerFixture, ids: readonly string[], timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  await waitFor(async () => {
    const state = await f.state();
    return ids.every((id) => state.instances.get(id)?.phase === 'SCHEDULED');
  }, { timeoutMs, intervalMs: 20, message: `${ids.length} instances to be SCHEDULED` });
  return performance.now() - t0;
}

async function apiOutages(cluster: EtcdCluster): Promise<void> {
  const f = await startSchedulerFixture(cluster.endpoints, uniquePrefix('bench-outage')); // its API only
  const dir = await mkdtemp(join(tmpdir(), 'bench-reliability-'));
  await writeFile(join(dir, 'config.yaml'), LIMITS);
  const roomy = { capacity: { cpuCores: 1_000, memoryGb: 4_000, storageGb: 40_000 } }; // every run's instances fit
  await f.putWorkers([worker('w-1', roomy), worker('w-2', roomy), worker('w-3', roomy), worker('w-4', roomy)]);
  const proc = await startScheduler({ ETCD_ENDPOINTS: cluster.endpoints.join(','), ETCD_PREFIX: f.prefix, CONTROL_PLANE_API_URL: f.api.url, CONFIG_FILE: join(dir, 'config.yaml'), SCHEDULER_ID: 'bench' });
  try {
    await waitFor(async () => ((await proc.get('/debug/leader')).body as { leader?: boolean }).leader === true, { timeoutMs: 30_000, message: 'the service to lead' });
    console.log('\nFull API outages (limits: qps 10 + burst 5, 4 writes in flight, Retry-After 1 s, call timeout 500 ms)');
    for (const kind of KINDS) {
      const rates: number[] = [];
      const recoveries: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const ids = Array.from({ length: 10 }, () => `li-${kind}-${++probes}`);
        const { calls, elapsedMs } = await countDuringOutage(f, kind, ids, 2_000);
        rates.push((calls * 1000) / elapsedMs);
        f.api.faults.clear();
        recoveries.push(await placedWithin(f, ids));
      }
      console.log(`${line(`  ${kind}: schedule calls reaching the API`, rates, '/s')}\n${line(`  ${kind}: recovery to all placed`, recoveries, 'ms')}`);
    }
  } finally {
    proc.kill('SIGKILL');
    await proc.exited;
    await f.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function probe(f: SchedulerFixture, fault: () => Promise<void>, repair: () => Promise<void> = () => Promise.resolve()): Promise<number> {
  const id = `li-probe-${++probes}`;
  await fault();
  const t0 = performance.now();
  await waitFor(async () => { await f.putInstances([instance(id, {}, { cpuCores: 0.5, memoryGb: 1, storageGb: 1 })]); return true; }, { message: `${id} to be written` });
  await placedWithin(f, [id]);
  const took = performance.now() - t0;
  await repair();
  return took;
}

async function etcdFaults(): Promise<void> {
  console.log('\netcd faults: from the fault (or its end) to a fresh instance placed');
  const single = await EtcdCluster.start(1);
  const member = single.member(0);
  const url = new URL(member.clientUrl);
  const proxy = await startTcpProxy(url.hostname, Number(url.port));
  const f = await startSchedulerFixture([`http://${proxy.address}`], uniquePrefix('bench-etcd'), 'requeue: {baseDelayMs: 50, maxDelayMs: 1000}\ncontrolPlane: {timeoutMs: 1000}\n');
  const direct = await EtcdStore.connect({ endpoints: single.endpoints });
  const rows: Record<string, number[]> = { 'one member killed 1 s, from its restart': [], 'one member frozen 2 s, from SIGCONT': [], 'cut off, compacted, from the restore': [] };
  try {
    await f.putWorkers(Array.from({ length: 4 }, (_, i) => worker(`w-${i}`, { capacity: { cpuCores: 64, memoryGb: 256, storageGb: 1000 } })));
    f.scheduler.start();
    await waitFor(() => f.scheduler.controller.isPlacing(), { timeoutMs: 30_000, message: 'the scheduler to lead' });
    for (let run = 0; run < RUNS; run++) {
      rows['one member killed 1 s, from its restart']?.push(await probe(f, async () => { await member.kill(); await new Promise((r) => setTimeout(r, 1_000)); await member.start(); }));
      rows['one member frozen 2 s, from SIGCONT']?.push(await probe(f, async () => { member.pause(); await new Promise((r) => setTimeout(r, 2_000)); member.resume(); }));
      rows['cut off, compacted, from the restore']?.push(await probe(f, async () => {
        proxy.cut();
        const { revision } = await direct.txn([], [{ type: 'put', key: `${f.prefix}/workers/w-extra`, value: JSON.stringify(worker('w-extra')) }]);
        await single.compact(revision);
        proxy.restore();
      }));
    }
  } finally {
    await f.close();
    await direct.close();
    await proxy.close();
    await single.destroy();
  }
  for (const [label, values] of Object.entries(rows)) console.log(line(`  ${label}`, values, 'ms'));

  const three = await EtcdCluster.start(3);
  const g = await startSchedulerFixture(three.endpoints, uniquePrefix('bench-etcd3'), 'requeue: {baseDelayMs: 50, maxDelayMs: 1000}\ncontrolPlane: {timeoutMs: 1000}\n');
  const follower: number[] = [];
  const leaderKilled: number[] = [];
  try {
    await g.putWorkers(Array.from({ length: 4 }, (_, i) => worker(`w-${i}`, { capacity: { cpuCores: 64, memoryGb: 256, storageGb: 1000 } })));
    g.scheduler.start();
    for (let run = 0; run < RUNS; run++) {
      const leader = await three.leaderIndex();
      const other = (leader + 1) % 3;
      follower.push(await probe(g, () => three.member(other).kill(), () => three.member(other).start()));
      const current = await three.leaderIndex();
      leaderKilled.push(await probe(g, () => three.member(current).kill(), () => three.member(current).start()));
    }
  } finally {
    await g.close();
    await three.destroy();
  }
  console.log(`${line('  three members: a follower killed', follower, 'ms')}\n${line('  three members: the raft leader killed', leaderKilled, 'ms')}`);
}

async function shareSoak(cluster: EtcdCluster): Promise<void> {
  const f = await startSchedulerFixture(cluster.endpoints, uniquePrefix('bench-shares'), 'controlPlane: {timeoutMs: 300}\nrequeue: {baseDelayMs: 50, maxDelayMs: 1000}\nreports: {minIntervalSeconds: 1}\n');
  const h = await PrefixHistory.start(f.store, f.prefix);
  try {
    f.api.faults.set({ seed: 13, rules: [
      { route: 'schedule', kind: 'hang', share: 0.04 }, { route: 'schedule', kind: 'hang', share: 0.04, when: 'after' },
      { route: 'schedule', kind: 'status401', share: 0.02 },
      { route: 'schedule', kind: 'status503', share: 0.01, retryAfterSeconds: 1 }, { route: 'schedule', kind: 'status429', share: 0.01, retryAfterSeconds: 1 },
      { route: 'schedule', kind: 'malformedJson', share: 0.05, when: 'after' },
      { route: 'schedule', kind: 'reset', share: 0.05 }, { route: 'schedule', kind: 'reset', share: 0.05, when: 'after' },
      { route: 'schedule', kind: 'status500', share: 0.08 }, { route: 'schedule', kind: 'status500', share: 0.05, when: 'after' },
      { route: 'unschedulable', kind: 'status500', share: 0.2 }, { route: 'unschedulable', kind: 'reset', share: 0.1 },
    ] });
    await f.putWorkers(Array.from({ length: 120 }, (_, i) => worker(`w-${i + 1}`, { capacity: { cpuCores: 8, memoryGb: 32, storageGb: 100 } })));
    const ids = Array.from({ length: 800 }, (_, i) => `li-${i + 1}`);
    await f.putInstances(ids.map((id) => instance(id, {}, { cpuCores: 1, memoryGb: 2, storageGb: 5 })));
    const big = Array.from({ length: 20 }, (_, i) => `li-big-${i + 1}`); // fit nowhere: reported, through the report faults
    await f.putInstances(big.map((id) => instance(id, {}, { cpuCores: 16, memoryGb: 2, storageGb: 5 })));
    const t0 = performance.now();
    f.scheduler.start();
    await placedWithin(f, ids, 600_000);
    await waitFor(async () => (await Promise.all(big.map((id) => f.api.reports.report(id)))).every((r) => r !== undefined), { timeoutMs: 120_000, message: 'every unplaceable instance reported' });
    const tookMs = performance.now() - t0;
    const fired = f.api.faults.describe().rules;
    f.api.faults.clear();
    await h.sync();
    const state = await f.state();
    console.log(`\nFault-share soak: ${ids.length} instances on 120 workers (and ${big.length} that fit nowhere), all placed and reported in ${fmt(tookMs / 1000, 1)} s`);
    for (const r of fired) console.log(`  ${`${r.route} ${r.kind} ${r.when} (share ${r.share})`.padEnd(48)} fired ${r.fired}`);
    console.log(`  answers: ${JSON.stringify(f.api.counts())}`);
    console.log(`  lost ${ids.filter((id) => !h.placementCounts().has(id)).length}, scheduled twice ${h.doublePlaced().length}, over-committed ${overCommitted(state).length}, written without leadership ${h.placements.filter((p) => p.token === 0).length}`);
  } finally {
    await h.close();
    await f.close();
  }
}

async function main(): Promise<void> {
  const cluster = await EtcdCluster.start(1);
  try {
    await apiOutages(cluster);
    await shareSoak(cluster);
  } finally {
    await cluster.destroy();
  }
  await etcdFaults();
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
