// Figures for the scheduler's main job (issues 8 and 12) on a real etcd (--unsafe-no-fsync): a
// backlog of PENDING instances drained through the development Control Plane API, beside that API's
// own rate for the same number of schedule calls in flight through the same HTTP client and agent,
// measured in the same run on identical data. Also p50/p99 from instance creation to acceptance, and
// CPU seconds per placement for each process (the API runs as its own process).
// Run: npx tsc -p tsconfig.build.json && node --expose-gc dist/bench/scheduler.bench.js [--instances 10000]
//   [--workers 1000] [--in-flight 64] [--held 0] [--arrival-rate 0|half] [--pin] [--no-baseline]
// e.g. issue 12: --instances 50000 --workers 5000 (backlog); --held 100000 --workers 10000 --instances 5000
// (decisions with a 100k cache); --workers 5000 --arrival-rate half (steady arrivals at half the API alone's rate, measured first).
import { execFileSync, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SchedulerService } from '../controllers/scheduler';
import type { SchedulerMetrics } from '../controllers/scheduler';
import { SystemClock } from '../pkg/clock';
import { ConfigHolder, parseConfig } from '../pkg/config';
import { HttpControlPlaneClient } from '../pkg/controlplane';
import { leaderKey } from '../pkg/objects';
import type { SchedulerServiceOptions } from '../controllers/scheduler';
import { OtelMetrics, startPrometheusMetrics } from '../pkg/metrics';
import { NOOP_LOGGER, OtelTracing } from '../pkg/observability';
import type { Tracing } from '../pkg/observability';
import { EtcdStore } from '../pkg/store';
import { freePort } from '../e2e/support/scheduler-process';
import { instance, worker } from '../e2e/support/fleets';
import { startEtcd, uniquePrefix } from '../e2e/harness';
import { fmt, loadKeys, summarize } from './support';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const INSTANCES = arg('instances', 10_000);
const WORKERS = arg('workers', 1_000);
const IN_FLIGHT = arg('in-flight', 64);
/** Instances already RUNNING on the workers before the run (a loaded cache), spread evenly. */
const HELD = arg('held', 0);
/** 0: a backlog (all PENDING before the scheduler starts); else new instances per second while it runs. */
// --arrival-rate half: half the rate the API alone reached earlier in the same run.
const HALF_RATE = process.argv[process.argv.indexOf('--arrival-rate') + 1] === 'half';
let ARRIVAL_RATE = HALF_RATE ? Number.NaN : arg('arrival-rate', 0);
const ARRIVALS = HALF_RATE || ARRIVAL_RATE > 0;
const CLK_TCK = 100;
// --pin: this process (client or scheduler) on CPU 0, etcd and the API on CPU 1, so the write path
// gets the same CPU in both runs and the scheduler's own work cannot slow the API down.
const PIN = process.argv.includes('--pin');
// --telemetry: the service's metrics (OTel SDK, Prometheus pipeline) and a span per reconcile
// (every one sampled, exported to a sink that drops them), as main.ts wires them.
const TELEMETRY = process.argv.includes('--telemetry');

async function telemetryFor(own: SchedulerMetrics): Promise<Pick<SchedulerServiceOptions, 'metrics' | 'tracing'>> {
  if (!TELEMETRY) return { metrics: { metrics: own } };
  const m = new OtelMetrics((await startPrometheusMetrics()).meter);
  const sink: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(sink)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const both: SchedulerMetrics = {
    attempt: (r, ms) => { own.attempt(r, ms); m.scheduler.attempt(r, ms); },
    accepted: (ms) => { own.accepted(ms); m.scheduler.accepted(ms); },
    unschedulableReasons: (r) => { own.unschedulableReasons(r); m.scheduler.unschedulableReasons(r); },
  };
  return {
    tracing: new OtelTracing({ tracer: provider.getTracer('bench') }),
    metrics: { metrics: both, queueMetrics: m.queue, runnerMetrics: m.runner, informer: m.informer, elector: m.elector, malformedValue: (k) => m.cache.malformedValue(k) },
  };
}

/** User + system CPU seconds of another process so far (from /proc). */
function processCpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** etcd's pid, to pin it and to read its CPU. */
let etcdPid: number | undefined;

function pin(pid: number | undefined, cpu: number): void {
  if (PIN && pid !== undefined) execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}

interface Api { readonly url: string; readonly proc: ChildProcess; cpuSeconds(): number; stop(): Promise<void> }

async function startApi(endpoints: readonly string[], prefix: string): Promise<Api> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(__dirname, '..', 'dev', 'controlplane-api', 'main.js')], {
    env: { ...process.env, ETCD_ENDPOINTS: endpoints.join(','), ETCD_PREFIX: prefix, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => proc.stdout?.once('data', () => resolve()));
  pin(proc.pid, 1);
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    cpuSeconds: () => processCpuSeconds(proc.pid),
    stop: () => new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); }),
  };
}

/** Workers sized so HELD small instances use about half of them; each holds 2 cpu, 4 GB, 10 GB. */
function fleetWorker(w: number): ReturnType<typeof worker> {
  const perWorker = Math.ceil(HELD / WORKERS);
  return worker(`w-${w}`, { capacity: { cpuCores: 32 + 4 * perWorker, memoryGb: 128 + 8 * perWorker, storageGb: 500 + 20 * perWorker } });
}

async function loadFleet(store: EtcdStore, prefix: string, pending: boolean): Promise<void> {
  const entries: Array<[string, string]> = [];
  for (let w = 0; w < WORKERS; w++) entries.push([`${prefix}/workers/w-${w}`, JSON.stringify(fleetWorker(w))]);
  for (let i = 0; i < HELD; i++) entries.push([`${prefix}/instances/held-${i}`, JSON.stringify(instance(`held-${i}`, { phase: 'RUNNING', workerId: `w-${i % WORKERS}` }))]);
  const createdAt = new Date().toISOString();
  if (pending) for (let i = 0; i < INSTANCES; i++) entries.push([`${prefix}/instances/li-${i}`, JSON.stringify(instance(`li-${i}`, { createdAt }))]);
  await loadKeys(store, entries);
}

/**
 * Writes `count` new PENDING instances at `rate` per second (createdAt = when written), from a child
 * process (arrivalsProcess) next to etcd and the API: in production the API writes them, so their
 * cost must not land on the scheduler's core.
 */
async function arrive(store: EtcdStore, prefix: string, count: number, rate: number): Promise<void> {
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; ) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; i < due; i++) {
      const doc = JSON.stringify(instance(`li-${i}`, { createdAt: new Date().toISOString() }));
      const p: Promise<unknown> = store.txn([], [{ type: 'put', key: `${prefix}/instances/li-${i}`, value: doc }]).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlight);
}

/** Runs arrive() in a child process (pinned with etcd and the API); resolves with its CPU seconds once all are written. */
async function arrivals(endpoints: readonly string[], prefix: string): Promise<number> {
  const proc = fork(__filename, ['--arrivals', JSON.stringify({ endpoints, prefix, count: INSTANCES, rate: ARRIVAL_RATE })], { stdio: 'inherit' });
  pin(proc.pid, 1);
  let cpuSeconds = Number.NaN;
  proc.on('message', (m) => { cpuSeconds = Number(m); });
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`the arrivals process exited with ${code}`);
  return cpuSeconds;
}

async function arrivalsProcess(spec: { endpoints: string[]; prefix: string; count: number; rate: number }): Promise<void> {
  const store = await EtcdStore.connect({ endpoints: spec.endpoints });
  await arrive(store, spec.prefix, spec.count, spec.rate);
  await store.close();
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve) => process.send?.((cpu.user + cpu.system) / 1e6, () => resolve()) ?? resolve());
}

function client(url: string, inFlight: number, tracing?: Tracing): HttpControlPlaneClient {
  return new HttpControlPlaneClient({ baseUrl: url, schedulerId: 'bench', qps: 1_000_000, burst: 1_000_000, maxSockets: inFlight, tracing });
}

/** Schedule calls to send, in order: instance li-{instance} on workerId. */
type Plan = readonly { readonly instance: number; readonly workerId: string }[];

/** Instance i on worker i mod W: calls spread over every worker. */
const SPREAD: Plan = Array.from({ length: INSTANCES }, (_, i) => ({ instance: i, workerId: `w-${i % WORKERS}` }));

/**
 * The API alone: K loops send pre-decided schedule calls, in plan order. The API's rate depends on
 * which workers the calls name (its group commit never runs two groups on one worker at once), so
 * besides SPREAD the scheduler's own placements are replayed, in the order it committed them.
 */
async function apiAlone(store: EtcdStore, endpoints: readonly string[], plan: Plan = SPREAD): Promise<{ rate: number; apiCpu: number; clientCpu: number }> {
  const prefix = uniquePrefix('api-alone');
  await loadFleet(store, prefix, true);
  const lease = await store.grantLease(600);
  const { revision: token } = await store.txn([], [{ type: 'put', key: leaderKey(prefix), value: 'bench', leaseId: lease }]);
  const revisions = new Map((await store.list(`${prefix}/instances/`)).kvs.map((kv) => [kv.key.split('/').pop() ?? '', kv.modRevision]));
  const api = await startApi(endpoints, prefix);
  const c = client(api.url, IN_FLIGHT);
  const cpu0 = api.cpuSeconds();
  const clientCpu0 = process.cpuUsage();
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < plan.length) {
      const { instance: i, workerId } = plan[next++]!;
      await c.schedule(`li-${i}`, { workerId, instanceRevision: revisions.get(`li-${i}`) ?? 0 }, { fencingToken: token });
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const apiCpu = api.cpuSeconds() - cpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  c.close();
  await api.stop();
  await store.revokeLease(lease);
  return { rate: plan.length / seconds, apiCpu, clientCpu: (clientCpu.user + clientCpu.system) / 1e6 };
}

/** The scheduler's placements under prefix, in the order etcd committed them. */
async function placementsOf(store: EtcdStore, prefix: string): Promise<Plan> {
  const placed = (await store.list(`${prefix}/instances/li-`)).kvs.map((kv) => ({
    instance: Number(kv.key.split('/li-').pop()),
    workerId: String((JSON.parse(kv.value.toString()) as { workerId?: unknown }).workerId),
    revision: kv.modRevision,
  }));
  return placed.sort((a, b) => a.revision - b.revision).map(({ instance, workerId }) => ({ instance, workerId }));
}

/** Time intervals [start, end] in ms on performance.now()'s clock. */
type Spans = { start: number; end: number }[];

/**
 * Splits decisions into those a garbage collection pause overlapped and the others, to show how much
 * of the tail is the process's GC rather than the decision (pauses stop every JS thread, so a pause
 * that starts inside a decision lengthens it by its whole duration).
 */
function splitByGc(decisions: Spans, pauses: Spans): { hit: number[]; clear: number[]; pauseMs: number[] } {
  const sorted = [...pauses].sort((a, b) => a.start - b.start);
  const hit: number[] = [];
  const clear: number[] = [];
  for (const d of decisions) {
    const overlaps = sorted.some((p) => p.start < d.end && p.end > d.start);
    (overlaps ? hit : clear).push(d.end - d.start);
  }
  return { hit, clear, pauseMs: sorted.map((p) => p.end - p.start) };
}

/** The scheduler: one replica in this process drains the same backlog through a fresh API process. */
async function scheduler(store: EtcdStore, endpoints: readonly string[]): Promise<{ rate: number; e2e: ReturnType<typeof summarize>; decision: ReturnType<typeof summarize>; byGc: ReturnType<typeof splitByGc>; otherCore: { etcd: number; api: number; arrivals: number }; plan: Plan; schedulerCpu: number; apiCpu: number; syncS: number; rssBytes: number }> {
  const prefix = uniquePrefix('scheduler');
  await loadFleet(store, prefix, !ARRIVALS);
  const api = await startApi(endpoints, prefix);
  const latencies: number[] = [];
  const decisions: Spans = [];
  const pauses: Spans = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  let done: () => void = () => undefined;
  const allAccepted = new Promise<void>((resolve) => { done = resolve; });
  const metrics: SchedulerMetrics = {
    // SystemClock.monotonicNow is performance.now(): the decision ended now and lasted ms.
    attempt: (_result, ms) => { const end = performance.now(); decisions.push({ start: end - ms, end }); },
    unschedulableReasons: () => undefined,
    accepted: (ms) => { latencies.push(ms); if (latencies.length === INSTANCES) done(); },
  };
  const clock = new SystemClock();
  const schedulerStore = await EtcdStore.connect({ endpoints });
  const telemetry = await telemetryFor(metrics);
  // With --telemetry the client opens its attempt spans too, as main.ts wires it.
  const c = client(api.url, IN_FLIGHT, telemetry.tracing);
  const config = new ConfigHolder(parseConfig(`reconcile: {workers: ${IN_FLIGHT}}\ncontrolPlane: {qps: 1000000, burst: 1000000}`));
  const service = new SchedulerService({ store: schedulerStore, client: c, prefix, schedulerId: 'bench', config, clock, logger: NOOP_LOGGER, ...telemetry });
  const started = performance.now();
  service.start();
  while (!service.controller.isPlacing()) await clock.sleep(5);
  // CPU from here: the sync (decoding the whole cache) is not placement work.
  const cpu0 = process.cpuUsage();
  const apiCpu0 = api.cpuSeconds();
  const etcdCpu0 = processCpuSeconds(etcdPid);
  const placingAt = performance.now();
  gcObserver.observe({ entryTypes: ['gc'] });
  const arrivalsCpu = ARRIVALS ? await arrivals(endpoints, prefix) : 0;
  await allAccepted;
  const seconds = (performance.now() - placingAt) / 1000;
  const etcdCpu = processCpuSeconds(etcdPid) - etcdCpu0;
  gcObserver.disconnect();
  const cpu = process.cpuUsage(cpu0);
  const apiCpu = api.cpuSeconds() - apiCpu0;
  // The other core's load while placing: etcd, the API and (with arrivals) the writer, in cores.
  const otherCore = { etcd: etcdCpu / seconds, api: apiCpu / seconds, arrivals: arrivalsCpu / seconds };
  global.gc?.();
  const rssBytes = process.memoryUsage().rss;
  await service.stop(2_000);
  c.close();
  await schedulerStore.close();
  await api.stop();
  const durations = decisions.map((d) => d.end - d.start);
  const plan = await placementsOf(store, prefix);
  return { rate: INSTANCES / seconds, e2e: summarize(latencies), decision: summarize(durations), byGc: splitByGc(decisions, pauses), otherCore, schedulerCpu: (cpu.user + cpu.system) / 1e6, apiCpu, syncS: (placingAt - started) / 1000, rssBytes, plan };
}

async function main(): Promise<void> {
  const etcd = await startEtcd({ unsafeNoFsync: true });
  etcdPid = Number(execFileSync('pgrep', ['-n', '-f', `listen-client-urls ${etcd.endpoints[0] ?? ''}`]).toString().trim());
  if (PIN) {
    pin(etcdPid, 1);
    pin(process.pid, 0);
  }
  const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
  try {
    console.log(`scheduler benchmark: ${INSTANCES} PENDING instances over ${WORKERS} workers, ${IN_FLIGHT} schedule calls in flight, etcd 3.4 --unsafe-no-fsync on loopback, node ${process.version}${PIN ? ', pinned: scheduler/client on CPU 0, etcd + API on CPU 1' : ', unpinned (all on 2 shared cores)'}${TELEMETRY ? ', telemetry on (metrics, every reconcile traced)' : ', telemetry off'}`);
    // --no-baseline: the scheduler alone (for profiling it); the ratio is then against 1.
    const alone = process.argv.includes('--no-baseline') || (ARRIVALS && !HALF_RATE) ? { rate: Number.NaN, apiCpu: Number.NaN, clientCpu: Number.NaN } : await apiAlone(store, etcd.endpoints);
    if (HALF_RATE) ARRIVAL_RATE = Math.round(alone.rate / 2);
    console.log(`development API alone: ${fmt(alone.rate, 0)} schedules/s; CPU per schedule: API ${fmt((alone.apiCpu / INSTANCES) * 1000, 3)} ms, client ${fmt((alone.clientCpu / INSTANCES) * 1000, 3)} ms`);
    const s = await scheduler(store, etcd.endpoints);
    console.log(`scheduler: ${fmt(s.rate, 0)} placements/s = ${fmt((100 * s.rate) / alone.rate, 0)}% of the API alone (start to placing ${fmt(s.syncS)} s)`);
    if (!process.argv.includes('--no-baseline') && !ARRIVALS) {
      // The same calls the scheduler made, to the same workers, in its order: the API's rate for this workload.
      const replay = await apiAlone(store, etcd.endpoints, s.plan);
      console.log(`development API alone replaying the scheduler's ${s.plan.length} placements in its order: ${fmt(replay.rate, 0)} schedules/s; the scheduler reached ${fmt((100 * s.rate) / replay.rate, 0)}% of it`);
    }
    const arrivals = ARRIVALS ? `steady arrivals at ${ARRIVAL_RATE}/s` : 'a backlog: all created before the scheduler started';
    console.log(`creation to acceptance: p50 ${fmt(s.e2e.p50)} ms, p99 ${fmt(s.e2e.p99)} ms, max ${fmt(s.e2e.max)} ms (${arrivals})`);
    console.log(`decision (place + assume) inside the running scheduler, ${HELD + INSTANCES} instances and ${WORKERS} workers cached: p50 ${fmt(s.decision.p50, 3)} ms, p99 ${fmt(s.decision.p99, 3)} ms, p99.9 ${fmt(s.decision.p999, 3)} ms, max ${fmt(s.decision.max, 3)} ms over ${s.decision.n} decisions; RSS after GC ${(s.rssBytes / 1_048_576).toFixed(0)} MB (the benchmark's own loader included)`);
    const { hit, clear, pauseMs } = s.byGc;
    const gc = summarize(pauseMs);
    const withoutGc = summarize(clear);
    console.log(`GC while placing: ${gc.n} pauses, p50 ${fmt(gc.p50)} ms, max ${fmt(gc.max)} ms; ${hit.length} decisions (${fmt((100 * hit.length) / s.decision.n, 1)}%) overlapped one; the others: p50 ${fmt(withoutGc.p50, 3)} ms, p99 ${fmt(withoutGc.p99, 3)} ms, p99.9 ${fmt(withoutGc.p999, 3)} ms, max ${fmt(withoutGc.max, 3)} ms`);
    const o = s.otherCore;
    console.log(`while placing, in cores busy: scheduler ${fmt((s.schedulerCpu * s.rate) / INSTANCES)}, etcd ${fmt(o.etcd)}, API ${fmt(o.api)}${ARRIVALS ? `, arrivals writer ${fmt(o.arrivals)}` : ''}${PIN ? ' (etcd, API and writer share CPU 1)' : ''}`);
    console.log(`CPU per placement while placing: scheduler ${fmt((s.schedulerCpu / INSTANCES) * 1000, 3)} ms, API ${fmt((s.apiCpu / INSTANCES) * 1000, 3)} ms`);
  } finally {
    await store.close();
    await etcd.destroy();
  }
}

const arrivalsSpec = process.argv.indexOf('--arrivals');
const run = arrivalsSpec >= 0 ? arrivalsProcess(JSON.parse(process.argv[arrivalsSpec + 1] ?? '{}') as Parameters<typeof arrivalsProcess>[0]) : main();
run.then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
