// Test support for a SchedulerService over an InMemoryStore and a FakeClock: let deliveries, timers
// and promise chains run, wait for a condition in fake time, put a contract document, serve the
// debug routes over HTTP. Not exported from index.ts.
import { FakeClock } from '../../pkg/clock';
import type { ConfigHolder } from '../../pkg/config';
import { HttpServer } from '../../pkg/httpserver';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { NOOP_LOGGER } from '../../pkg/observability';
import { InMemoryStore } from '../../pkg/store';
import { SchedulerService } from './service';
import type { ScriptedClient } from './testing';
import { NOW } from './testing';

/** Lets store deliveries, timers due now and promise chains run. */
export async function settle(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await clock.tick(0);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Settles and steps the clock by stepMs until check() holds; throws naming what never came (200 steps). */
export async function until(clock: FakeClock, check: () => boolean, what: string, stepMs = 100): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await settle(clock);
    await clock.tick(stepMs);
  }
  throw new Error(`never reached: ${what}`);
}

/** Puts a worker or instance document under prefix, as the Control Plane API would. */
export async function put(store: InMemoryStore, prefix: string, kind: 'workers' | 'instances', builder: WorkerBuilder | InstanceBuilder): Promise<void> {
  await store.txn([], [{ type: 'put', key: `${prefix}/${kind}/${builder.json().id}`, value: builder.bytes() }]);
}

/** A service (not started) under prefix /lcm, its debug routes served on a free local port at base. */
export interface ServedService {
  readonly clock: FakeClock;
  readonly store: InMemoryStore;
  readonly service: SchedulerService;
  readonly http: HttpServer;
  readonly base: string;
}

export async function serveService(options: { readonly client: ScriptedClient; readonly config: ConfigHolder; readonly schedulerId: string }): Promise<ServedService> {
  const clock = new FakeClock(NOW);
  const store = new InMemoryStore({ clock });
  const service = new SchedulerService({ ...options, store, prefix: '/lcm', clock, logger: NOOP_LOGGER });
  const http = new HttpServer({ port: 0, host: '127.0.0.1' });
  service.registerDebugRoutes(http);
  const base = `http://127.0.0.1:${await http.start()}`;
  return { clock, store, service, http, base };
}

/** Stops the service (settling its clock meanwhile), then the HTTP server and the store. */
export async function stopServed({ clock, store, service, http }: ServedService): Promise<void> {
  const stopping = service.stop(1_000);
  await settle(clock);
  await stopping;
  await http.close();
  await store.close();
}
