// Forked snapshots (issue 18 item 3, for the forecast of issue 19): at 10,000 workers and 100,000
// holders, what a fork costs up front next to a full copy (the same fleet rebuilt), what each
// operation costs on a fork (releases, assumptions, forgets, workers added; the first write to a
// shared bucket included), what the live snapshot pays on its first writes after a fork, what a
// decision costs on a fork that has taken thousands of operations, and what a discarded fork leaves.
// Run (after `npm run build`): node --expose-gc dist/bench/snapshot-fork.bench.js
import type { Resources, Worker } from '../pkg/objects';
import { anInstance, aWorker } from '../pkg/objects/testing';
import { createPlacer, Snapshot } from '../pkg/placement';
import { fmt, summarize } from './support';

const WORKERS = 10_000;
const HOLDERS_PER_WORKER = 10;
const OPS_PER_FORK = 5_000;
const FORKS = 50;
const HELD: Resources = { cpuMilli: 2000, memoryMilli: 8000, storageMilli: 10000, nodesMilli: 2000, portsMilli: 0 };

/** A seeded generator of numbers in [0, 1) (a 32-bit LCG), so runs repeat. */
function random(seed: number): () => number {
  let x = (seed * 2654435761 + 1) >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

const workerId = (i: number): string => `w-${String(i).padStart(5, '0')}`;
const heldId = (w: number, h: number): string => `li-${(w * 7919 + h * 104729).toString(16).padStart(8, '0')}-${w}-${h}`;
const worker = (id: string, i: number): Worker =>
  aWorker(id).withLicense(i % 5 === 0 ? 'evaluation' : 'enterprise').withCmlVersion(i % 2 === 0 ? '2.9.1' : '2.10.0')
    .withCpu(48).withMemory(192).withStorage(512).withNodes(200).build();
const workers = Array.from({ length: WORKERS }, (_, i) => worker(workerId(i), i));

function build(): Snapshot {
  const s = new Snapshot();
  workers.forEach((w) => s.upsertWorker(w));
  for (let w = 0; w < WORKERS; w++) for (let h = 0; h < HOLDERS_PER_WORKER; h++) s.setHolder(heldId(w, h), workerId(w), HELD);
  return s;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
/** CPU time of this process since `from` (user + system), in ms: steadier than wall time on a shared machine. */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e3;
};
const line = (label: string, values: readonly number[], unit: string, digits = 3): void => {
  const s = summarize(values);
  const min = values.reduce((a, b) => Math.min(a, b), Infinity);
  console.log(
    `${label.padEnd(46)} min ${fmt(min, digits).padStart(8)}  p50 ${fmt(s.p50, digits).padStart(8)}  p99 ${fmt(s.p99, digits).padStart(8)}` +
      `  max ${fmt(s.max, digits).padStart(9)} ${unit}  (n=${s.n})`,
  );
};
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

type Kind = 'release' | 'assume' | 'forget' | 'addWorker';
type Op =
  | { readonly kind: 'release' | 'forget'; readonly instanceId: string }
  | { readonly kind: 'assume'; readonly instanceId: string; readonly workerId: string }
  | { readonly kind: 'addWorker'; readonly worker: Worker };

/** The forecast's kinds of operations, arguments made in advance: mostly releases and assumptions. */
function plan(seed: number): Op[] {
  const rnd = random(seed);
  let added = 0;
  return Array.from({ length: OPS_PER_FORK }, (_, n): Op => {
    const x = rnd();
    const w = Math.floor(rnd() * WORKERS);
    if (x < 0.45) return { kind: 'release', instanceId: heldId(w, Math.floor(rnd() * HOLDERS_PER_WORKER)) };
    if (x < 0.9) return { kind: 'assume', instanceId: `booked-${seed}-${n}`, workerId: workerId(w) };
    if (x < 0.98) return { kind: 'forget', instanceId: `booked-${seed}-${Math.floor(rnd() * n)}` };
    return { kind: 'addWorker', worker: worker(`w-new-${seed}-${added++}`, w) };
  });
}

/** Runs the operations on s; returns the time of each, in microseconds, by kind. */
function operate(s: Snapshot, ops: readonly Op[], times: Map<Kind, number[]>): void {
  for (const op of ops) {
    const t0 = process.hrtime.bigint();
    switch (op.kind) {
      case 'release': s.removeHolder(op.instanceId); break;
      case 'assume': s.assume(op.instanceId, op.workerId, HELD); break;
      case 'forget': s.forget(op.instanceId); break;
      case 'addWorker': s.upsertWorker(op.worker); break;
    }
    const us = Number(process.hrtime.bigint() - t0) / 1e3;
    let list = times.get(op.kind);
    if (list === undefined) times.set(op.kind, (list = []));
    list.push(us);
  }
}

function main(): void {
  console.log(`${WORKERS} workers, ${WORKERS * HOLDERS_PER_WORKER} holders; ${FORKS} forks of ${OPS_PER_FORK} operations each`);
  const rebuilds: number[] = [];
  const rebuildsCpu: number[] = [];
  let live = build();
  for (let k = 0; k < 3; k++) {
    gc();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    live = build();
    rebuildsCpu.push(cpuMs(c0));
    rebuilds.push(ms(t0));
  }
  line('full copy (the fleet rebuilt), wall', rebuilds, 'ms', 1);
  line('full copy (the fleet rebuilt), CPU', rebuildsCpu, 'ms', 1);

  const placer = createPlacer('default');
  const instance = anInstance('li-booked').withCpu(2).withMemory(8).withStorage(10).withNodes(2).build();
  const forkMs: number[] = [];
  const liveFirstWritesUs: number[] = [];
  const liveLaterWritesUs: number[] = [];
  const placeMs: number[] = [];
  const placeLiveMs: number[] = [];
  const byKind = new Map<Kind, number[]>();
  const unforked = new Map<Kind, number[]>();
  const perForkOpsMs: number[] = [];
  const perForkOpsCpu: number[] = [];
  const heapBefore = ((): number => { gc(); return process.memoryUsage().heapUsed; })();
  for (let f = 0; f < FORKS; f++) {
    const ops = plan(f);
    const t0 = process.hrtime.bigint();
    const fork = live.fork();
    forkMs.push(ms(t0));
    const c1 = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    operate(fork, ops, byKind);
    perForkOpsMs.push(ms(t1));
    perForkOpsCpu.push(cpuMs(c1));
    for (let p = 0; p < 20; p++) {
      const t2 = process.hrtime.bigint();
      placer.place(instance, fork);
      placeMs.push(ms(t2));
    }
    // The live snapshot moves on between forks: its first writes after a fork copy the buckets they touch.
    const liveIds = Array.from({ length: 40 }, (_, i) => [`live-${f}-${i}`, workerId((f * 40 + i) % WORKERS)] as const);
    for (const [i, [instanceId, onWorker]] of liveIds.entries()) {
      const t3 = process.hrtime.bigint();
      live.setHolder(instanceId, onWorker, HELD);
      (i < 20 ? liveFirstWritesUs : liveLaterWritesUs).push(Number(process.hrtime.bigint() - t3) / 1e3);
    }
    const t4 = process.hrtime.bigint();
    placer.place(instance, live);
    placeLiveMs.push(ms(t4));
  }
  const retained = ((): number => { gc(); return process.memoryUsage().heapUsed - heapBefore; })();
  // The same operations on a snapshot that is nobody's fork nor parent (it takes them all in turn).
  const plain = build();
  const unforkedCpu: number[] = [];
  for (let f = 0; f < FORKS; f++) {
    const ops = plan(f);
    const c = process.cpuUsage();
    operate(plain, ops, unforked);
    unforkedCpu.push(cpuMs(c));
  }
  line('fork(), wall', forkMs, 'ms');
  line(`${OPS_PER_FORK} operations on a fork, wall`, perForkOpsMs, 'ms', 2);
  line(`${OPS_PER_FORK} operations on a fork, CPU`, perForkOpsCpu, 'ms', 2);
  line(`${OPS_PER_FORK} operations, unforked snapshot, CPU`, unforkedCpu, 'ms', 2);
  const all = [...byKind.values()].flat();
  line('one operation on a fork (all kinds), wall', all, 'us', 2);
  for (const [kind, times] of byKind) line(`  ${kind}`, times, 'us', 2);
  line('one operation, unforked snapshot, wall', [...unforked.values()].flat(), 'us', 2);
  for (const [kind, times] of unforked) line(`  ${kind}`, times, 'us', 2);
  line('live setHolder, first 20 after a fork', liveFirstWritesUs, 'us', 2);
  line('live setHolder, next 20', liveLaterWritesUs, 'us', 2);
  line('decision on a fork after its operations', placeMs, 'ms');
  line('decision on live, placer coming from a fork', placeLiveMs, 'ms');
  const samples = FORKS * (OPS_PER_FORK + 62);
  console.log(
    `heap after ${FORKS} forks dropped: ${fmt(retained / 1_048_576, 1)} MB more than before; of which the live snapshot's ` +
      `${FORKS * 40} new holders and this bench's ${samples} timings (about ${fmt((samples * 8) / 1_048_576, 1)} MB)`,
  );
}

main();
