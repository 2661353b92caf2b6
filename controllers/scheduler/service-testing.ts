// Test support for a SchedulerService over an InMemoryStore and a FakeClock: let deliveries, timers
// and promise chains run, wait for a condition in fake time, put a contract document. Not exported
// from index.ts.
import type { FakeClock } from '../../pkg/clock';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import type { InMemoryStore } from '../../pkg/store';

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
