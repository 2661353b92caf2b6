// The Lablet scheduler service, wired in run order: environment and configuration -> logger ->
// HTTP server (health first, before etcd is reached) -> etcd client -> informer and elector (the
// scheduler service) -> while leading, placing -> on SIGTERM stop taking work, drain within one bound
// (owned here: every step of the drain ends by the same deadline), resign, exit 0. Each step logs one
// constant message; a failed step exits non-zero (the cache not syncing within its bound included).
// The OpenTelemetry SDK starts first, before anything loads node:http (issue 11; OTEL_* variables).
import { telemetry } from './pkg/observability/bootstrap';
import { SchedulerService } from './controllers/scheduler';
import { SystemClock } from './pkg/clock';
import type { Environment, SchedulerConfig } from './pkg/config';
import { applyLiveConfig, ConfigHolder, ConfigWatcher, isConfigValidationError, loadConfigFile, parseEnvironment } from './pkg/config';
import { HttpControlPlaneClient } from './pkg/controlplane';
import { EventLoopCheck, HealthChecks, HttpServer } from './pkg/httpserver';
import { configRefusedEvent, eventRecorderFor, leadershipEvent } from './pkg/kubernetes';
import type { Logger } from './pkg/observability';
import { OtelMetrics, PROMETHEUS_CONTENT_TYPE, startPrometheusMetrics } from './pkg/metrics';
import { OtelTracing, SecretRegistry, WinstonLogger } from './pkg/observability';
import { EtcdReachability, EtcdStore } from './pkg/store';
import { Deadline, TIMED_OUT } from './pkg/wait';

/** How long SIGTERM may take before in-flight work is abandoned (the pod's grace period is longer). */
const SHUTDOWN_BOUND_MS = 10_000;
/** The share of the bound in-flight writes get, so the lease is revoked (fencing them) in the rest. */
const WRITES_SHARE_MS = SHUTDOWN_BOUND_MS / 2;
/** The most Kubernetes Events in flight may take at shut-down. */
const EVENTS_FLUSH_MS = 1_000;
/** /healthz fails when the event loop was held up longer than this since the previous probe. */
const MAX_EVENT_LOOP_DELAY_MS = 5_000;
/** How long flushing spans may take at exit (with no collector listening, the exporter would wait). */
const TELEMETRY_SHUTDOWN_BOUND_MS = 2_000;

async function main(): Promise<number> {
  let env: Environment;
  let config: SchedulerConfig;
  try {
    env = parseEnvironment(process.env);
    ({ config } = await loadConfigFile(env.configFile));
  } catch (err: unknown) {
    if (!isConfigValidationError(err)) throw err;
    process.stderr.write(`lablet-scheduler: cannot start: ${err.source} is invalid:\n${err.issues.map((i) => `  - ${i.path}: ${i.message}\n`).join('')}`);
    return 1;
  }

  const secrets = new SecretRegistry();
  secrets.add(env.controlPlane.apiKey);
  const rootLogger = WinstonLogger.create({ level: config.logging.level, secrets, defaultFields: { service: 'lablet-scheduler', schedulerId: env.schedulerId } });
  const logger = rootLogger.child({ component: 'main' });
  logger.info('configuration loaded', { configFile: env.configFile, prefix: env.etcd.prefix, etcdEndpoints: env.etcd.endpoints });
  const clock = new SystemClock();
  const prometheus = await startPrometheusMetrics();
  const metrics = new OtelMetrics(prometheus.meter);
  const tracing = new OtelTracing({ secrets });
  logger.info('telemetry started', { traces: telemetry.plan.enabled ? telemetry.plan.traces : 'none', logs: telemetry.plan.enabled ? telemetry.plan.logs : 'none' });

  const liveness = new HealthChecks();
  const eventLoop = new EventLoopCheck(MAX_EVENT_LOOP_DELAY_MS);
  liveness.add('eventLoop', () => eventLoop.check());
  const readiness = new HealthChecks();
  const http = new HttpServer({ port: env.httpPort, logger: rootLogger.child({ component: 'http' }) })
    .get('/healthz', () => liveness.reply())
    .get('/readyz', () => readiness.reply())
    .get('/metrics', async () => ({ status: 200, body: await prometheus.scrape(), contentType: PROMETHEUS_CONTENT_TYPE }));
  const port = await http.start();
  logger.info('http server listening', { port });

  const store = await EtcdStore.connect({ ...env.etcd, logger: rootLogger.child({ component: 'etcd' }) });
  const reachability = new EtcdReachability({ ping: () => store.currentRevision(), clock, logger: rootLogger.child({ component: 'etcd' }) });
  readiness.add('etcd', () => ({ ok: reachability.isReachable(), detail: reachability.detail() }));
  reachability.start();
  logger.info('etcd client started');

  // Kubernetes Events (issue 10): in a cluster only; silent elsewhere.
  const events = await eventRecorderFor(process.env, { podName: env.schedulerId, clock, logger: rootLogger.child({ component: 'events' }) });
  const configHolder = new ConfigHolder(config);
  const client = new HttpControlPlaneClient({
    baseUrl: env.controlPlane.url,
    schedulerId: env.schedulerId,
    clock,
    apiKey: env.controlPlane.apiKey,
    apiKeyFile: env.controlPlane.apiKeyFile,
    caFile: env.controlPlane.caFile,
    timeoutMs: config.controlPlane.timeoutMs,
    qps: config.controlPlane.qps,
    burst: config.controlPlane.burst,
    maxDelayMs: config.requeue.maxDelayMs,
    metrics: metrics.client,
    tracing,
  });
  const scheduler = new SchedulerService({
    store, client, prefix: env.etcd.prefix, schedulerId: env.schedulerId, config: configHolder, clock, logger: rootLogger, tracing,
    onLeadershipChange: (change) => events.record(leadershipEvent(env.schedulerId, change)),
    metrics: {
      informer: metrics.informer, elector: metrics.elector, malformedValue: (kind) => metrics.cache.malformedValue(kind),
      metrics: metrics.scheduler, queueMetrics: metrics.queue, runnerMetrics: metrics.runner, scaleUpMetrics: metrics.scaleUp, forecastMetrics: metrics.forecast,
    },
  });
  metrics.watchPending(() => ({ ...scheduler.controller.pendingCounts() }));
  metrics.watchPaused(() => configHolder.current().placement.paused);
  metrics.watchOldestPending(() => scheduler.oldestPendingSeconds());
  // Live configuration (issue 10): the ConfigMap file is watched; a valid change reaches the logger
  // and the client here and the scheduler through its own listener; a refused one is also an Event.
  applyLiveConfig(configHolder, { logger: rootLogger, controlPlane: client });
  const configWatcher = new ConfigWatcher({
    path: env.configFile, holder: configHolder, clock, logger: rootLogger.child({ component: 'config' }), metrics: metrics.config,
    onRefused: (error) => events.record(configRefusedEvent(error)),
  });
  await configWatcher.start();
  logger.info('config watcher started', { configFile: env.configFile });
  readiness.add('cache', () => scheduler.cacheCheck());
  scheduler.registerDebugRoutes(http);
  scheduler.start();
  logger.info('scheduler started', { schedulerId: env.schedulerId });

  const failure = await Promise.race([waitForTermination(logger).then(() => undefined), scheduler.failure]);
  if (failure !== undefined) {
    // As client-go's WaitForCacheSync callers do: a replica whose cache cannot sync exits, so that it
    // is restarted and a standby may lead meanwhile.
    logger.error('cache did not sync; exiting', { error: failure.message, caches: failure.caches, timeoutMs: failure.timeoutMs, prefix: env.etcd.prefix });
    process.stderr.write(`lablet-scheduler: cannot go on: ${failure.message} (etcd ${env.etcd.endpoints.join(',')}, prefix ${env.etcd.prefix})\n`);
  }
  // One bound for the whole drain; each step below ends by this deadline (or a share of it).
  const deadline = new Deadline(clock, SHUTDOWN_BOUND_MS);
  logger.info('shutting down', { boundMs: SHUTDOWN_BOUND_MS });
  const drained = (await deadline.race((async () => {
    configWatcher.stop();
    const writesFinished = await scheduler.stop({ writes: deadline.sooner(WRITES_SHARE_MS), rest: deadline });
    await events.flush(deadline.sooner(EVENTS_FLUSH_MS).remainingMs());
    if (!writesFinished) logger.warn('in-flight writes abandoned at shut-down');
    client.close();
    reachability.stop();
    await store.close();
    await http.close();
  })())) !== TIMED_OUT;
  eventLoop.stop();
  const flushed = await telemetry.shutdown(TELEMETRY_SHUTDOWN_BOUND_MS, clock);
  await prometheus.shutdown();
  logger.info('stopped', { drained, telemetryFlushed: flushed });
  return failure === undefined ? 0 : 1;
}

function waitForTermination(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info('signal received', { signal });
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}


main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`lablet-scheduler: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
