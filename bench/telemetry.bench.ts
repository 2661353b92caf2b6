// Figures for issue 11: what telemetry costs the scheduler's main job. One replica (SchedulerService
// over an InMemoryStore) drains a backlog of PENDING instances through an in-process Control Plane
// client that accepts at once, so the scheduler's own work (reconcile, placement, audit log line) is
// all that is timed and telemetry's share is as large as it can get; with the HTTP API in the loop it
// is smaller. Modes, each in its own process (a registered context manager slows every await):
//   none     no metrics, no spans (the audit lines still go to a null stream at info)
//   metrics  OtelMetrics on the Prometheus pipeline, scraped every 100 ms
//   traces   metrics, plus every reconcile traced (ratio 1) through a BatchSpanProcessor to an
//            exporter that drops the spans, with the context manager and W3C propagator registered
//   traces10 as traces, sampling one reconcile in ten (OTEL_TRACES_SAMPLER_ARG=0.1)
// Rounds alternate modes. Printed per mode: the median CPU time per decision (user + system of the
// process, the steadier figure on a shared machine) and the median decisions/s, with each round's.
// Run: npx tsc -p tsconfig.build.json && node dist/bench/telemetry.bench.js [--instances 4000] [--workers 400] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SchedulerService } from '../controllers/scheduler';
import type { SchedulerMetrics } from '../controllers/scheduler';
import { SystemClock } from '../pkg/clock';
import { ConfigHolder, parseConfig } from '../pkg/config';
import type { ControlPlaneClient, ScaleUpAccepted, ScheduleAccepted } from '../pkg/controlplane';
import { anInstance, aWorker } from '../pkg/objects/testing';
import type { Tracing } from '../pkg/observability';
import { OtelMetrics, startPrometheusMetrics } from '../pkg/metrics';
import { OtelTracing, WinstonLogger } from '../pkg/observability';
import { InMemoryStore } from '../pkg/store';
import { fmt, loadKeys } from './support';

const MODES = ['none', 'metrics', 'traces', 'traces10'] as const;
type Mode = (typeof MODES)[number];
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const INSTANCES = Number(arg('instances', '4000'));
const WORKERS = Number(arg('workers', '400'));
const ROUNDS = Number(arg('rounds', '3'));
const PREFIX = '/lcm';

/** Accepts every call at once: the API's cost is left out. */
const acceptingClient: ControlPlaneClient = {
  schedule: (instanceId, body): Promise<ScheduleAccepted> => Promise.resolve({ instanceId, workerId: body.workerId, phase: 'SCHEDULED', modRevision: body.instanceRevision + 1 }),
  reportUnschedulable: () => Promise.resolve(),
  requestScaleUp: (): Promise<ScaleUpAccepted> => Promise.resolve({ requestId: 'bench' }),
};

const droppingExporter: SpanExporter = {
  export: (_spans: ReadableSpan[], done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

interface Figures {
  /** Decisions per second, from the first placement to the last acceptance. */
  readonly rate: number;
  /** CPU microseconds (user + system) per decision over the same span. */
  readonly cpuUs: number;
}

/** One round in this process. */
async function round(mode: Mode): Promise<Figures> {
  const clock = new SystemClock();
  const store = new InMemoryStore({ clock });
  const createdAt = new Date(clock.now()).toISOString();
  const entries: Array<[string, Buffer]> = [];
  for (let w = 0; w < WORKERS; w++) entries.push([`${PREFIX}/workers/w-${w}`, aWorker(`w-${w}`).withCpu(64).withMemory(512).withStorage(2048).bytes()]);
  for (let i = 0; i < INSTANCES; i++) entries.push([`${PREFIX}/instances/li-${i}`, anInstance(`li-${i}`).withCpu(1 + (i % 4)).withCreatedAt(createdAt).bytes()]);
  await loadKeys(store, entries);

  let accepted = 0;
  let firstDecisionMs = 0;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let done = (): void => undefined;
  const allAccepted = new Promise<void>((resolve) => { done = resolve; });
  const counting: SchedulerMetrics = {
    attempt: () => {
      if (firstDecisionMs !== 0) return;
      firstDecisionMs = performance.now();
      cpuAtFirst = process.cpuUsage();
    },
    unschedulableReasons: () => undefined,
    accepted: () => { accepted += 1; if (accepted === INSTANCES) done(); },
  };
  const prometheus = mode === 'none' ? undefined : await startPrometheusMetrics();
  const m = prometheus === undefined ? undefined : new OtelMetrics(prometheus.meter);
  const scheduler: SchedulerMetrics = m === undefined ? counting : {
    attempt: (result, ms) => { counting.attempt(result, ms); m.scheduler.attempt(result, ms); },
    unschedulableReasons: (reasons) => m.scheduler.unschedulableReasons(reasons),
    accepted: (ms) => { m.scheduler.accepted(ms); counting.accepted(ms); },
  };
  let tracing: Tracing | undefined;
  let provider: BasicTracerProvider | undefined;
  if (mode === 'traces' || mode === 'traces10') {
    const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(mode === 'traces' ? 1 : 0.1) });
    provider = new BasicTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(droppingExporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    tracing = new OtelTracing({ tracer: provider.getTracer('bench') });
  }
  const logger = WinstonLogger.create({ level: 'info', stream: new Writable({ write: (_chunk, _enc, next) => next() }) });
  const config = new ConfigHolder(parseConfig(''));
  const service = new SchedulerService({
    store, client: acceptingClient, prefix: PREFIX, schedulerId: 'bench', config, clock, logger,
    tracing,
    metrics: m === undefined ? { metrics: scheduler } : {
      metrics: scheduler, queueMetrics: m.queue, runnerMetrics: m.runner, informer: m.informer, elector: m.elector,
      malformedValue: (kind) => m.cache.malformedValue(kind),
    },
  });
  if (m !== undefined) m.watchPending(() => ({ ...service.controller.pendingCounts() }));
  const scraper = prometheus === undefined ? undefined : setInterval(() => { void prometheus.scrape(); }, 100);
  service.start();
  await allAccepted;
  const seconds = (performance.now() - firstDecisionMs) / 1000;
  const cpu = process.cpuUsage(cpuAtFirst);
  clearInterval(scraper);
  await service.stop(1_000);
  await provider?.shutdown();
  await prometheus?.shutdown();
  await store.close();
  return { rate: INSTANCES / seconds, cpuUs: (cpu.user + cpu.system) / INSTANCES };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--mode');
  if (child >= 0) {
    process.stdout.write(`${JSON.stringify(await round(process.argv[child + 1] as Mode))}\n`);
    return;
  }
  console.log(`telemetry overhead: ${INSTANCES} instances on ${WORKERS} workers, in-process accepting API, ${ROUNDS} rounds per mode, each round its own process`);
  const figures = new Map<Mode, Figures[]>(MODES.map((mode) => [mode, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of MODES) {
      const run = spawnSync(process.execPath, [__filename, '--mode', mode, '--instances', String(INSTANCES), '--workers', String(WORKERS)], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`round ${mode} failed: ${run.stderr}`);
      figures.get(mode)?.push(JSON.parse(run.stdout.trim()) as Figures);
    }
  }
  const baseCpu = median((figures.get('none') ?? []).map((f) => f.cpuUs));
  for (const mode of MODES) {
    const rounds = figures.get(mode) ?? [];
    const cpuUs = median(rounds.map((f) => f.cpuUs));
    const rate = median(rounds.map((f) => f.rate));
    const versus = mode === 'none' ? '' : `  (${fmt((cpuUs / baseCpu - 1) * 100, 0)}% CPU vs none)`;
    console.log(`  ${mode.padEnd(8)} ${fmt(cpuUs, 0).padStart(5)} µs CPU/decision [${rounds.map((f) => fmt(f.cpuUs, 0)).join(', ')}]${versus}`);
    console.log(`  ${''.padEnd(8)} ${fmt(rate, 0).padStart(5)} decisions/s    [${rounds.map((f) => fmt(f.rate, 0)).join(', ')}]`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
