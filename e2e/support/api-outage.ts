// Full outages of the development Control Plane API, counted from its own counters: the reliability
// e2e test bounds these counts by the service's limits, and bench/reliability.bench.ts prints them.
import type { FaultKind } from '../../dev/controlplane-api';
import { waitFor } from '../harness';
import { instance } from './fleets';
import type { SchedulerFixture } from './scheduler-fixture';

export interface OutageCount {
  readonly kind: FaultKind;
  /** Schedule calls that reached the API during the window. */
  readonly calls: number;
  /** The window as measured, ms. */
  readonly elapsedMs: number;
}

/** Schedule calls answered with this fault so far. */
export function faultedCalls(f: SchedulerFixture, kind: FaultKind): number {
  return f.api.counts()['schedule']?.[`fault ${kind} before`] ?? 0;
}

/**
 * Makes every call fail with kind (Retry-After 1 s for 429 and 503), writes one small placeable
 * instance per id, and once the first faulted call has arrived counts the calls of the next windowMs.
 * The outage goes on afterwards until the caller clears or replaces the rules.
 */
export async function countDuringOutage(f: SchedulerFixture, kind: FaultKind, ids: readonly string[], windowMs: number): Promise<OutageCount> {
  f.api.faults.set({ seed: 1, rules: [{ route: '*', kind, retryAfterSeconds: 1 }] });
  await f.putInstances(ids.map((id) => instance(id, {}, { cpuCores: 1, memoryGb: 1, storageGb: 1 })));
  await waitFor(() => faultedCalls(f, kind) > 0, { message: `the first call of the ${kind} outage` });
  const c0 = faultedCalls(f, kind);
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return { kind, calls: faultedCalls(f, kind) - c0, elapsedMs: performance.now() - t0 };
}
