// A realistic placement mix for bench/placement.bench.ts: the demo fleet (config/samples/demo-fleet.yaml)
// scaled to N workers in its group proportions, and requests drawn from its labs in their proportions
// (varied resources, license affinities, CML version ranges, node definitions, some that fit nowhere).
// Every placement is assumed in the snapshot before the next decision, and the oldest sessions end
// (forgotten) once the fleet holds `live` of them, so rows change between decisions as in a running
// scheduler; every request is its own decoded object, so nothing is cached by identity.
import path from 'node:path';
import type { LabletInstance, Worker } from '../pkg/objects';
import { labletInstanceSchema, workerSchema } from '../pkg/objects';
import type { Placer } from '../pkg/placement';
import { Snapshot } from '../pkg/placement';
import { loadSamples } from '../dev/demo/samples';
import { summarize } from './support';

export const DEMO_FLEET = path.resolve(__dirname, '..', '..', 'config', 'samples', 'demo-fleet.yaml');

/** Deterministic PRNG (mulberry32), so every run measures the same fleet and requests. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mix {
  readonly workers: readonly Worker[];
  /** Requests in the order they are placed: `fill` to warm up, then the measured ones. */
  readonly requests: readonly LabletInstance[];
}

/** The demo fleet scaled to `size` workers, and `count` requests drawn from its labs (seeded). */
export async function demoMix(size: number, count: number, seed: number): Promise<Mix> {
  const samples = await loadSamples(DEMO_FLEET, Date.parse('2026-01-01T00:00:00Z'));
  const groups = new Map<string, (typeof samples.workers)[number][]>();
  for (const w of samples.workers) {
    const group = w.id.replace(/-\d+$/, '');
    groups.set(group, [...(groups.get(group) ?? []), w]);
  }
  const workers: Worker[] = [];
  for (const [group, members] of groups) {
    const scaled = Math.round((members.length * size) / samples.workers.length);
    for (let i = 0; i < scaled && workers.length < size; i++) {
      workers.push(workerSchema.parse({ ...members[0], id: `${group}-${String(i).padStart(5, '0')}` }));
    }
  }
  const rnd = random(seed);
  const labs = samples.instances;
  const requests: LabletInstance[] = [];
  for (let k = 0; k < count; k++) {
    const lab = labs[Math.floor(rnd() * labs.length)]!;
    requests.push(labletInstanceSchema.parse({ ...structuredClone(lab), id: `li-mix-${k}`, timeslot: undefined }));
  }
  return { workers, requests };
}

export interface MixFigures {
  readonly decisions: number;
  readonly scheduled: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Decisions (with their assume and the ending sessions' forget) per second of the measured loop. */
  readonly placementsPerSecond: number;
}

/**
 * Places every request in order on a fresh snapshot of the mix's workers; times the decisions after
 * the first `fill` (which fill the fleet and warm up). A scheduled decision is assumed at once; past
 * `live` sessions, the oldest is forgotten (its lab ended).
 */
export function runMix(placer: Placer, mix: Mix, fill: number, live: number): MixFigures {
  const snapshot = new Snapshot();
  for (const w of mix.workers) snapshot.upsertWorker(w);
  const landed: LabletInstance[] = [];
  let oldest = 0;
  const times: number[] = [];
  let scheduled = 0;
  let started = 0n;
  for (let k = 0; k < mix.requests.length; k++) {
    if (k === fill) started = process.hrtime.bigint();
    const instance = mix.requests[k]!;
    const t0 = process.hrtime.bigint();
    const decision = placer.place(instance, snapshot);
    if (k >= fill) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (decision.result === 'error') throw new Error(decision.message);
    if (decision.result !== 'scheduled') continue;
    if (k >= fill) scheduled++;
    snapshot.assume(instance.id, decision.workerId, instance.requirements.resources);
    landed.push(instance);
    if (landed.length - oldest > live) snapshot.forget(landed[oldest++]!.id);
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  const s = summarize(times);
  return { decisions: s.n, scheduled, p50: s.p50, p99: s.p99, p999: s.p999, max: s.max, placementsPerSecond: (s.n / totalMs) * 1000 };
}
