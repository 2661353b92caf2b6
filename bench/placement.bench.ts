// Placement figures: decisions per second and latency percentiles per decision at 100, 1,000 and
// 10,000 workers, for an instance that fits (many feasible workers, all scored) and one that fits
// nowhere (every worker rejected, histogram built), over a mixed fleet: 20 worker kinds (license x
// CML version x node definitions; with 3 statuses, up to 60 snapshot shapes), 5% draining or stopped,
// 0-5 instances held per worker. Exact decisions (percentageOfWorkersToScore 100), plus one row at 10
// to show that trade. Then the realistic mix (placement-mix.ts): the demo fleet's labs over the demo
// fleet scaled to 10,000 workers, each placement assumed before the next decision, several runs.
// Run (after `npm run build`):
//   node dist/bench/placement.bench.js                      everything
//   node dist/bench/placement.bench.js --mix [--placer default] [--runs 5]   the mix only
import type { LabletInstance } from '../pkg/objects';
import { anInstance, aWorker } from '../pkg/objects/testing';
import type { Decision, Placer } from '../pkg/placement';
import { createPlacer, Snapshot } from '../pkg/placement';
import { demoMix, random, runMix } from './placement-mix';
import { fmt, summarize } from './support';

const SIZES = [100, 1_000, 10_000];
const LICENSES = ['enterprise', 'enterprise', 'personal', 'evaluation', 'none'] as const;
const VERSIONS = ['2.7.0', '2.9.1', '2.10.0', '3.0.0-rc.1'] as const;
const NODE_DEFS = [['iosv', 'csr1000v'], ['iosv', 'iosvl2', 'csr1000v', 'nxosv9000']] as const;

function fleet(size: number): Snapshot {
  const rnd = random(size);
  const snapshot = new Snapshot();
  for (let i = 0; i < size; i++) {
    const id = `w-${String(i).padStart(5, '0')}`;
    const shape = i % 20; // 20 shapes: 5 licenses x 4 versions, node definitions by parity
    const r = rnd();
    snapshot.upsertWorker(
      aWorker(id)
        .withLicense(LICENSES[shape % 5]!)
        .withCmlVersion(VERSIONS[Math.floor(shape / 5)])
        .withNodeDefinitions(...NODE_DEFS[i % 2]!)
        .withStatus(r < 0.03 ? 'DRAINING' : r < 0.05 ? 'STOPPED' : 'RUNNING')
        .withRegion(i % 3 === 0 ? 'us-east-1' : 'eu-west-1')
        .withCpu(48).withMemory(192).withStorage(256).withNodes(200)
        .build(),
    );
    const held = Math.floor(rnd() * 6); // 0..5 instances of 2-4 cores already held
    for (let h = 0; h < held && LICENSES[shape % 5] !== 'personal'; h++) {
      snapshot.setHolder(`held-${id}-${h}`, id, { cpuMilli: 3000, memoryMilli: 12000, storageMilli: 15000, nodesMilli: 4000, portsMilli: 0 });
    }
  }
  return snapshot;
}

const feasible: LabletInstance = anInstance('li-fits')
  .withCpu(2).withMemory(4).withStorage(15).withNodes(2)
  .withLicenseAffinity('enterprise').withCmlVersion('>=2.7.0 <3.0.0').withNodeDefinitions('iosv')
  .withPreferredRegion('us-east-1').build();

const noFit: LabletInstance = anInstance('li-nofit')
  .withCpu(49).withMemory(4).withStorage(15).withNodes(2)
  .withLicenseAffinity('personal').withCmlVersion('>=2.8.0').withNodeDefinitions('iosv')
  .build();

function measure(placer: Placer, snapshot: Snapshot, instance: LabletInstance, runs: number): { decision: Decision; line: string } {
  let decision = placer.place(instance, snapshot);
  for (let i = 0; i < Math.min(200, runs); i++) decision = placer.place(instance, snapshot); // warm up
  const times: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    decision = placer.place(instance, snapshot);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  const s = summarize(times);
  const ms = (x: number): string => fmt(x, 3).padStart(7);
  const line =
    `${String(Math.round((runs / totalMs) * 1000)).padStart(8)}/s  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}` +
    `  p99.9 ${ms(s.p999)}  max ${ms(s.max)} ms`;
  return { decision, line };
}

function describe(d: Decision): string {
  switch (d.result) {
    case 'scheduled': return `-> ${d.workerId} total ${d.score.total.toFixed(1)} (${d.numFeasible} feasible)`;
    case 'unschedulable': return `-> ${d.message}`;
    case 'error': return `-> error ${d.message}`;
  }
}

function fixedCases(): void {
  const placer = createPlacer('default');
  process.stdout.write(`placement bench: node ${process.version}, default placer, 20 worker kinds\n`);
  let largest = new Snapshot();
  for (const size of SIZES) {
    largest = fleet(size);
    const runs = size >= 10_000 ? 2_000 : 5_000;
    for (const [name, instance] of [['feasible', feasible], ['no-fit', noFit]] as const) {
      const { decision, line } = measure(placer, largest, instance, runs);
      process.stdout.write(`${String(size).padStart(6)} workers  ${name.padEnd(10)} ${line}  ${describe(decision)}\n`);
    }
  }
  const sampled = createPlacer('default', { percentageOfWorkersToScore: 10 });
  const { decision, line } = measure(sampled, largest, feasible, 2_000);
  process.stdout.write(`${String(largest.size).padStart(6)} workers  ${'10% scored'.padEnd(10)} ${line}  ${describe(decision)}\n`);
}

const MIX_WORKERS = 10_000;
/** Placements that fill the fleet (and warm up) before the measured ones; sessions alive at once. */
const MIX_FILL = 20_000;
const MIX_MEASURED = 10_000;

async function mixRuns(placerName: string, runs: number): Promise<void> {
  const mix = await demoMix(MIX_WORKERS, MIX_FILL + MIX_MEASURED, 7);
  process.stdout.write(`placement mix: node ${process.version}, placer ${placerName}, ${mix.workers.length} workers (demo fleet), ` +
    `${MIX_FILL} placements to fill, then ${MIX_MEASURED} measured (demo labs, each assumed; sessions past ${MIX_FILL} end)\n`);
  for (let r = 0; r < runs; r++) {
    const f = runMix(createPlacer(placerName), mix, MIX_FILL, MIX_FILL);
    process.stdout.write(`run ${r + 1}: ${Math.round(f.placementsPerSecond)} placements/s  p50 ${fmt(f.p50, 3)}  p99 ${fmt(f.p99, 3)}  ` +
      `p99.9 ${fmt(f.p999, 3)}  max ${fmt(f.max, 3)} ms  (${f.scheduled}/${f.decisions} scheduled)\n`);
  }
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function main(): Promise<void> {
  if (!process.argv.includes('--mix')) fixedCases();
  await mixRuns(flag('--placer') ?? 'default', Number(flag('--runs') ?? 3));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
