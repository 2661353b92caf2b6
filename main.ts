// The Lablet scheduler service, wired in run order: environment and configuration -> logger ->
// HTTP server (health first, before etcd is reached) -> etcd client -> informer and elector (the
// scheduler service) -> while leading, placing -> on SIGTERM stop taking work, drain within a bound,
// resign, exit 0. Each step logs one constant message; a failed step exits non-zero.
import { SchedulerService } from './controllers/scheduler';
import { SystemClock } from './pkg/clock';
import type { Environment, SchedulerConfig } from './pkg/config';
import { ConfigHolder, isConfigValidationError, loadConfigFile, parseEnvironment } from './pkg/config';
import { HttpControlPlaneClient } from './pkg/controlplane';
import { EventLoopCheck, HealthChecks, HttpServer } from './pkg/httpserver';
import type { Logger } from './pkg/observability';
import { SecretRegistry, WinstonLogger } from './pkg/observability';
import { EtcdReachability, EtcdStore } from './pkg/store';

/** How long SIGTERM may take before in-flight work is abandoned (the pod's grace period is longer). */
const SHUTDOWN_BOUND_MS = 10_000;
/** /healthz fails while the event loop's p99 delay exceeds this. */
const MAX_EVENT_LOOP_DELAY_MS = 5_000;

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

  const liveness = new HealthChecks();
  const eventLoop = new EventLoopCheck(MAX_EVENT_LOOP_DELAY_MS);
  liveness.add('eventLoop', () => eventLoop.check());
  const readiness = new HealthChecks();
  const http = new HttpServer({ port: env.httpPort, logger: rootLogger.child({ component: 'http' }) })
    .get('/healthz', () => liveness.reply())
    .get('/readyz', () => readiness.reply());
  const port = await http.start();
  logger.info('http server listening', { port });

  const store = await EtcdStore.connect({ ...env.etcd, logger: rootLogger.child({ component: 'etcd' }) });
  const reachability = new EtcdReachability({ ping: () => store.currentRevision(), clock, logger: rootLogger.child({ component: 'etcd' }) });
  readiness.add('etcd', () => ({ ok: reachability.isReachable(), ...optional('detail', reachability.detail()) }));
  reachability.start();
  logger.info('etcd client started');

  const configHolder = new ConfigHolder(config);
  const client = new HttpControlPlaneClient({
    baseUrl: env.controlPlane.url,
    schedulerId: env.schedulerId,
    clock,
    ...optional('apiKey', env.controlPlane.apiKey),
    ...optional('apiKeyFile', env.controlPlane.apiKeyFile),
    ...optional('caFile', env.controlPlane.caFile),
    timeoutMs: config.controlPlane.timeoutMs,
    qps: config.controlPlane.qps,
    burst: config.controlPlane.burst,
    maxDelayMs: config.requeue.maxDelayMs,
  });
  const scheduler = new SchedulerService({
    store, client, prefix: env.etcd.prefix, schedulerId: env.schedulerId, config: configHolder, clock, logger: rootLogger,
  });
  readiness.add('cache', () => scheduler.cacheCheck());
  scheduler.registerDebugRoutes(http);
  scheduler.start();
  logger.info('scheduler started', { schedulerId: env.schedulerId });

  await waitForTermination(logger);
  logger.info('shutting down', { boundMs: SHUTDOWN_BOUND_MS });
  const drained = await within(SHUTDOWN_BOUND_MS, async () => {
    const writesFinished = await scheduler.stop(SHUTDOWN_BOUND_MS / 2);
    if (!writesFinished) logger.warn('in-flight writes abandoned at shut-down');
    client.close();
    reachability.stop();
    await store.close();
    await http.close();
  });
  eventLoop.stop();
  logger.info('stopped', { drained });
  return 0;
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

/** Runs work, giving up waiting after boundMs; resolves true when it finished in time. */
async function within(boundMs: number, work: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), boundMs); });
  try {
    return await Promise.race([work().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`lablet-scheduler: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
