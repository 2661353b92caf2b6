// The development API's own bookkeeping of what each worker holds, under a development-only root
// OUTSIDE PREFIX/ (so the scheduler's watch of PREFIX/ never carries it): per worker, one small
// allocation key (holder count and summed amounts), and per holding instance, a holding key (its
// worker and the amounts it holds, kept while its value is malformed: contract §1). Both are written
// in the same transaction as the instance write that changes them; the capacity check compares the
// allocation key's mod revision in that transaction, so it is exact under concurrency, and each
// write stays O(1) however many instances a worker holds. Also the keys of reports and scale-ups.
import type { Capacity, LabletInstance, Resources } from '../../pkg/objects';
import { holdsCapacity, normalizePrefix } from '../../pkg/objects';

/** The development-only root for PREFIX: "/__dev-controlplane/lcm" for "/lcm". */
export function devRoot(prefix: string): string {
  return `/__dev-controlplane${normalizePrefix(prefix)}`;
}

export const devKeys = {
  allocations: (root: string): string => `${root}/allocations/`,
  allocation: (root: string, workerId: string): string => `${root}/allocations/${workerId}`,
  holdings: (root: string): string => `${root}/holdings/`,
  holding: (root: string, instanceId: string): string => `${root}/holdings/${instanceId}`,
  report: (root: string, instanceId: string): string => `${root}/reports/${instanceId}`,
  scaleUps: (root: string): string => `${root}/scale-ups/`,
  scaleUp: (root: string, idempotencyKey: string): string => `${root}/scale-ups/${encodeURIComponent(idempotencyKey)}`,
};

/** [cpu, memory, storage, nodes, ports] in integer thousandths. */
export type Amounts = readonly [number, number, number, number, number];

/** What one worker holds: how many instances and their summed amounts. */
export interface Allocation {
  readonly count: number;
  readonly used: Amounts;
}

/** Where one instance holds capacity, and how much. */
export interface Holding {
  readonly workerId: string;
  readonly amounts: Amounts;
}

export const EMPTY_ALLOCATION: Allocation = { count: 0, used: [0, 0, 0, 0, 0] };

export function amountsOf(r: Resources): Amounts {
  return [r.cpuMilli, r.memoryMilli, r.storageMilli, r.nodesMilli, r.portsMilli];
}

/** Where a decoded instance holds capacity (contract §1), or undefined. */
export function holdingOf(instance: LabletInstance): Holding | undefined {
  if (!holdsCapacity(instance) || instance.workerId === undefined) return undefined;
  return { workerId: instance.workerId, amounts: amountsOf(instance.requirements.resources) };
}

/** An absent key is an empty allocation; a value that does not read is refused loudly (it is ours). */
export function decodeAllocation(value: Buffer | undefined): Allocation {
  if (value === undefined) return EMPTY_ALLOCATION;
  const parsed = JSON.parse(value.toString('utf8')) as Partial<Allocation>;
  if (typeof parsed.count !== 'number' || !Array.isArray(parsed.used) || parsed.used.length !== 5) throw new Error('allocation value is not {"count", "used"}');
  return { count: parsed.count, used: parsed.used };
}

export function decodeHolding(value: Buffer | undefined): Holding | undefined {
  if (value === undefined) return undefined;
  const parsed = JSON.parse(value.toString('utf8')) as Partial<Holding>;
  if (typeof parsed.workerId !== 'string' || !Array.isArray(parsed.amounts) || parsed.amounts.length !== 5) throw new Error('holding value is not {"workerId", "amounts"}');
  return { workerId: parsed.workerId, amounts: parsed.amounts };
}

export function encode(value: Allocation | Holding): string {
  return JSON.stringify(value);
}

/** The allocation with one holder more (sign 1) or less (sign -1). */
export function adjust(allocation: Allocation, amounts: Amounts, sign: 1 | -1): Allocation {
  const used = allocation.used.map((u, i) => Math.max(0, u + sign * (amounts[i] ?? 0))) as unknown as Amounts;
  return { count: Math.max(0, allocation.count + sign), used };
}

/**
 * True when the worker can take `extra` on top of what it holds: every quantity within capacity
 * (nodes and ports unlimited when absent), and a personal worker holds at most one instance.
 */
export function fits(allocation: Allocation, extra: Amounts, capacity: Capacity, isPersonal: boolean): boolean {
  if (isPersonal && allocation.count >= 1) return false;
  const limits = [capacity.cpuMilli, capacity.memoryMilli, capacity.storageMilli, capacity.nodesMilli, capacity.portsMilli];
  return limits.every((limit, i) => limit === undefined || (allocation.used[i] ?? 0) + (extra[i] ?? 0) <= limit);
}
