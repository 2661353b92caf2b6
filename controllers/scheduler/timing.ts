// When an instance may be placed (contract §3): it waits while its start is more than the lead time
// away, and is missed once its slot has ended or has less than minRemainingMinutes left. An instance
// with no timeslot counts as starting at its createdAt (and so is ready now, never missed).
import type { LabletInstance } from '../../pkg/objects';

/** A delayed look is capped at one hour and re-checked then (contract §3). */
export const MAX_REQUEUE_DELAY_MS = 3_600_000;

export interface TimeslotPolicy {
  readonly leadTimeMinutes: number;
  readonly minRemainingMinutes: number;
}

export type Readiness =
  | { readonly kind: 'ready' }
  | { readonly kind: 'wait'; readonly delayMs: number }
  | { readonly kind: 'missed'; readonly end: string };

export function readiness(instance: LabletInstance, nowMs: number, policy: TimeslotPolicy): Readiness {
  const slot = instance.timeslot;
  if (slot === undefined) return { kind: 'ready' };
  if (slot.endMs <= nowMs || slot.endMs - nowMs < policy.minRemainingMinutes * 60_000) return { kind: 'missed', end: slot.end };
  const waitMs = slot.startMs - policy.leadTimeMinutes * 60_000 - nowMs;
  if (waitMs > 0) return { kind: 'wait', delayMs: Math.min(waitMs, MAX_REQUEUE_DELAY_MS) };
  return { kind: 'ready' };
}

/** The moment ordering uses: the slot's start, else createdAt; absent sorts last. */
export function startMsOf(instance: LabletInstance): number {
  return instance.timeslot?.startMs ?? instance.createdAtMs ?? Number.POSITIVE_INFINITY;
}

/** Where an instance stands in the queue: a snapshot of what ordering reads, taken when it is added. */
export interface PlacementRank {
  readonly priority: number;
  readonly startMs: number;
  readonly id: string;
}

/** The rank of an instance; one not in the cache sorts after every cached one. */
export function rankOf(id: string, instance: LabletInstance | undefined): PlacementRank {
  return instance === undefined
    ? { priority: Number.NEGATIVE_INFINITY, startMs: Number.POSITIVE_INFINITY, id }
    : { priority: instance.priority, startMs: startMsOf(instance), id };
}

/**
 * Among instances ready at the same moment: higher priority first, then earlier start, then id
 * ascending in byte order (contract §3).
 */
export function compareRanks(a: PlacementRank, b: PlacementRank): number {
  if (a.priority !== b.priority) return b.priority > a.priority ? 1 : -1;
  if (a.startMs !== b.startMs) return a.startMs < b.startMs ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
