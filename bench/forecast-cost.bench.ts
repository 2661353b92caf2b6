// What a forecast costs (issue 19 item 6, contract §5): 10,000 workers of the demo fleet's groups,
// 100,000 instances holding capacity (slots ending across the horizon, a tenth without a slot) and
// 20,000 booked PENDING ones over 240 minutes, drawn from the demo labs. Reports the CPU and wall time
// of one Forecaster.run() (3 runs), then the live decisions at 10,000 workers (the default placer on
// the live snapshot, from a setImmediate loop) with and without a forecast running beside them: the
// decision's own time and its wait for the event loop (the forecast's slices). Goal: < 1 s of CPU per
// forecast, live p99 < 1 ms.
// Run (after `npm run build`): node --expose-gc dist/bench/forecast-cost.bench.js
import { SystemClock } from '../pkg/clock';
import { parseConfig } from '../pkg/config';
import type { LabletInstance, Resources, Worker } from '../pkg/objects';
import type { Placer } from '../pkg/placement';
import { createPlacer, Snapshot } from '../pkg/placement';
import type { ForecastCache, ForecastResult } from '../controllers/scheduler/forecast';
import { Forecaster } from '../controllers/scheduler/forecast';
import { demoMix, random } from './placement-mix';
import { fmt, summarize } from './support';

const WORKERS = 10_000;
const HOLDERS = 100_000;
const BOOKED = 20_000;
const LIVE_REQUESTS = 2_000;
/** Drawn to find HOLDERS that fit somewhere (the big labs often do not). */
const CANDIDATES = 2 * HOLDERS;
const RUNS = 3;
const MINUTE = 60_000;

const CONFIG = parseConfig(`scaleUp:
  enabled: true
  templates:
    - {name: multi-sessions, license: enterprise, cmlVersion: 2.10.0, nodeDefinitions: [iosv, iosvl2, csr1000v, nxosv9000, iosxrv9000], capacity: {cpuCores: 64, memoryGb: 256, storageGb: 512, nodes: 250, ports: 10000}}
    - {name: evaluation, license: evaluation, cmlVersion: 2.7.2, nodeDefinitions: [iosv], capacity: {cpuCores: 16, memoryGb: 64, storageGb: 100, nodes: 40, ports: 500}}
`);

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e3;
};
const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const line = (label: string, values: readonly number[], unit: string, digits = 3): void => {
  const s = summarize(values);
  console.log(`${label.padEnd(44)} p50 ${fmt(s.p50, digits).padStart(8)}  p99 ${fmt(s.p99, digits).padStart(8)}  max ${fmt(s.max, digits).padStart(8)} ${unit}  (n=${s.n})`);
};

interface Fleet {
  readonly snapshot: Snapshot;
  readonly cache: ForecastCache;
  readonly live: readonly LabletInstance[];
}

const fits = (free: Resources, r: Resources): boolean =>
  r.cpuMilli <= free.cpuMilli && r.memoryMilli <= free.memoryMilli && r.storageMilli <= free.storageMilli && r.nodesMilli <= free.nodesMilli && r.portsMilli <= free.portsMilli;
const minus = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli - b.cpuMilli, memoryMilli: a.memoryMilli - b.memoryMilli, storageMilli: a.storageMilli - b.storageMilli,
  nodesMilli: a.nodesMilli - b.nodesMilli, portsMilli: a.portsMilli - b.portsMilli,
});
const slot = (startMs: number, endMs: number): LabletInstance['timeslot'] =>
  ({ start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), startMs, endMs });

/**
 * The live snapshot and cache: holders go on running workers with room (next fit from a random start,
 * by resources only: what they hold is what matters here), booked instances start over the horizon.
 */
async function buildFleet(nowMs: number): Promise<Fleet> {
  const mix = await demoMix(WORKERS, CANDIDATES + BOOKED + LIVE_REQUESTS, 19);
  const snapshot = new Snapshot();
  for (const w of mix.workers) snapshot.upsertWorker(w);
  const running = mix.workers.filter((w) => w.status === 'RUNNING');
  const free = new Map<string, Resources>(running.map((w: Worker) => [w.id, { ...w.capacity, nodesMilli: w.capacity.nodesMilli ?? Infinity, portsMilli: w.capacity.portsMilli ?? Infinity }]));
  const rnd = random(7);
  const instances: LabletInstance[] = [];
  let placed = 0;
  for (let k = 0; k < CANDIDATES && placed < HOLDERS; k++) {
    const request = mix.requests[k]!;
    const r = request.requirements.resources;
    const from = Math.floor(rnd() * running.length);
    for (let t = 0; t < 50; t++) {
      const w = running[(from + t) % running.length]!;
      const room = free.get(w.id)!;
      if (!fits(room, r)) continue;
      free.set(w.id, minus(room, r));
      snapshot.setHolder(request.id, w.id, r);
      const endMs = nowMs + Math.floor(rnd() * 300) * MINUTE;
      instances.push({ ...request, phase: 'RUNNING', workerId: w.id, timeslot: rnd() < 0.1 ? undefined : slot(endMs - 120 * MINUTE, endMs) });
      placed++;
      break;
    }
  }
  for (let k = CANDIDATES; k < CANDIDATES + BOOKED; k++) {
    const request = mix.requests[k]!;
    // Ready (start − 35 min) within the 240-minute horizon, in quarter-hour slots as bookings are.
    const startMs = nowMs + (5 + 15 * Math.floor(rnd() * 18)) * MINUTE;
    instances.push({ ...request, id: `li-booked-${k}`, phase: 'PENDING', workerId: undefined, timeslot: slot(startMs, startMs + (60 + 30 * Math.floor(rnd() * 5)) * MINUTE) });
  }
  console.log(`fleet: ${mix.workers.length} workers (${running.length} RUNNING), ${placed} holders, ${BOOKED} booked`);
  const cache: ForecastCache = {
    allInstances: () => instances.map((instance) => ({ instance })),
    allWorkers: () => mix.workers.map((worker) => ({ worker })),
  };
  return { snapshot, cache, live: mix.requests.slice(CANDIDATES + BOOKED) };
}

function forecaster(fleet: Fleet, placer: Placer, clock: SystemClock, sliceMs?: number): Forecaster {
  return new Forecaster({ cache: fleet.cache, snapshot: fleet.snapshot, placer: () => placer, config: () => CONFIG, clock, ...(sliceMs === undefined ? {} : { sliceMs }) });
}

/** Live decisions on the live snapshot, one per turn of the event loop, until `until` resolves (or `count` are done). */
async function liveLoop(placer: Placer, fleet: Fleet, count: number, until?: Promise<unknown>): Promise<{ decideMs: number[]; waitMs: number[] }> {
  const decideMs: number[] = [];
  const waitMs: number[] = [];
  let done = until === undefined;
  void until?.then(() => { done = true; });
  for (let k = 0; !(done && k >= count) && !(until === undefined && k >= count); k++) {
    const asked = process.hrtime.bigint();
    await new Promise((resolve) => setImmediate(resolve));
    waitMs.push(since(asked));
    const instance = fleet.live[k % fleet.live.length]!;
    const t0 = process.hrtime.bigint();
    const decision = placer.place(instance, fleet.snapshot);
    decideMs.push(since(t0));
    if (decision.result === 'error') throw new Error(decision.message);
    if (until !== undefined && done) break;
  }
  return { decideMs, waitMs };
}

async function main(): Promise<void> {
  const clock = new SystemClock();
  const placer = createPlacer(CONFIG.placement.placer, { weights: CONFIG.placement.weights });
  const fleet = await buildFleet(clock.now());
  gc();

  console.log(`\none forecast (${CONFIG.forecast.horizonMinutes} min horizon), alone:`);
  let last: ForecastResult | undefined;
  for (let run = 1; run <= RUNS; run++) {
    const f = forecaster(fleet, placer, clock);
    gc();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    last = await f.run();
    const wall = since(t0);
    const cpu = cpuMs(cpu0);
    console.log(`  run ${run}: cpu ${fmt(cpu, 0)} ms  wall ${fmt(wall, 0)} ms  busy (durationMs) ${fmt(last?.durationMs ?? NaN, 0)} ms`);
  }
  if (last !== undefined) {
    const needs = last.plan.needs.map((n) => `${n.template} ×${n.count}`).join(', ');
    console.log(`  placed ${last.placed}, shortfalls ${last.shortfalls.length}, plan: ${needs === '' ? 'none' : needs}`);
  }

  console.log(`\nlive decisions at ${WORKERS} workers (default placer, one per event-loop turn):`);
  await liveLoop(placer, fleet, 200); // warm-up
  gc();
  const alone = await liveLoop(placer, fleet, LIVE_REQUESTS);
  line('  without a forecast: decision', alone.decideMs, 'ms');
  line('  without a forecast: wait for the loop', alone.waitMs, 'ms');
  for (const sliceMs of [5, 1, 0.5]) {
    gc();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const running = forecaster(fleet, placer, clock, sliceMs).run();
    const beside = await liveLoop(placer, fleet, 0, running);
    const result = await running;
    console.log(`  forecast beside them, sliceMs ${sliceMs}: wall ${fmt(since(t0), 0)} ms, cpu (both) ${fmt(cpuMs(cpu0), 0)} ms, forecast busy ${fmt(result?.durationMs ?? NaN, 0)} ms`);
    line(`    with a forecast running: decision`, beside.decideMs, 'ms');
    line(`    with a forecast running: wait for the loop`, beside.waitMs, 'ms');
    const stalls = beside.waitMs.map((w, k) => ({ w, k })).filter(({ w }) => w > 10).map(({ w, k }) => `#${k} ${fmt(w, 0)}`);
    console.log(`    waits over 10 ms (decision number, ms; of ${beside.waitMs.length}): ${stalls.join(', ') || 'none'}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
