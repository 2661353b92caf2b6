// The forecast's timeline (contract §5, issue 19): what will change in the fleet over the horizon,
// in time order. An instance holding capacity with a timeslot frees it at its end plus
// releaseAfterEndMinutes (one without a timeslot holds it through the horizon); a booting worker of a
// template counts RUNNING at its ready time; a PENDING instance becomes ready at its start minus the
// lead time (now, if that has passed). At equal times: releases, then workers, then instances, these
// in the live order (priority, start, id). An instance whose slot is missed by its ready time is left
// out: live placement reports it TimeslotMissed rather than placing it. TimelineQueue plays the
// events in that order and takes the releases of instances the forecast itself places as it goes.
import type { LabletInstance } from '../../pkg/objects';
import type { TimeslotPolicy } from './timing';
import { compareRanks, rankOf, readiness } from './timing';

export type ForecastEvent =
  | { readonly kind: 'release'; readonly atMs: number; readonly instanceId: string }
  | { readonly kind: 'worker'; readonly atMs: number; readonly workerId: string }
  | { readonly kind: 'ready'; readonly atMs: number; readonly instance: LabletInstance };

export interface TimelinePolicy extends TimeslotPolicy {
  readonly releaseAfterEndMinutes: number;
}

export interface TimelineInput {
  readonly nowMs: number;
  /** Events after this moment are left out. */
  readonly horizonEndMs: number;
  /** Instances holding capacity now (observed or assumed). */
  readonly holders: Iterable<LabletInstance>;
  /** Instances the scheduler has to place (PENDING, no worker). */
  readonly pending: Iterable<LabletInstance>;
  /** Booting workers of templates, with the moment each counts RUNNING (create time + bootSeconds). */
  readonly booting: Iterable<{ readonly workerId: string; readonly readyAtMs: number }>;
  readonly policy: TimelinePolicy;
}

const KIND_ORDER: Readonly<Record<ForecastEvent['kind'], number>> = { release: 0, worker: 1, ready: 2 };

export function forecastTimeline(input: TimelineInput): ForecastEvent[] {
  const { nowMs, horizonEndMs, policy } = input;
  const events: ForecastEvent[] = [];
  const within = (atMs: number): boolean => atMs <= horizonEndMs;
  for (const instance of input.holders) {
    const release = releaseOf(instance, nowMs, horizonEndMs, policy);
    if (release !== undefined) events.push(release);
  }
  for (const { workerId, readyAtMs } of input.booting) {
    const atMs = Math.max(nowMs, readyAtMs);
    if (within(atMs)) events.push({ kind: 'worker', atMs, workerId });
  }
  for (const instance of input.pending) {
    const atMs = Math.max(nowMs, nominalReadyMs(instance, nowMs, policy));
    if (within(atMs) && readiness(instance, atMs, policy).kind === 'ready') events.push({ kind: 'ready', atMs, instance });
  }
  return events.sort(compareEvents);
}

/**
 * When an instance becomes ready by the calendar: its start minus the lead time, or its createdAt
 * without a timeslot (nowMs when it has neither). Unlike the event's time it does not move with now,
 * so a plan's neededBy, and the Idempotency-Key made from it, stay the same from one forecast to the next.
 */
export function nominalReadyMs(instance: LabletInstance, nowMs: number, policy: TimeslotPolicy): number {
  const startMs = instance.timeslot?.startMs;
  return startMs === undefined ? (instance.createdAtMs ?? nowMs) : startMs - policy.leadTimeMinutes * 60_000;
}

/** When a holder frees its capacity: its slot's end plus releaseAfterEndMinutes; none without a slot or past the horizon. */
export function releaseOf(instance: LabletInstance, nowMs: number, horizonEndMs: number, policy: TimelinePolicy): ForecastEvent | undefined {
  const endMs = instance.timeslot?.endMs;
  if (endMs === undefined) return undefined;
  const atMs = Math.max(nowMs, endMs + policy.releaseAfterEndMinutes * 60_000);
  return atMs <= horizonEndMs ? { kind: 'release', atMs, instanceId: instance.id } : undefined;
}

function compareEvents(a: ForecastEvent, b: ForecastEvent): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (a.kind === 'ready' && b.kind === 'ready') return compareRanks(rankOf(a.instance.id, a.instance), rankOf(b.instance.id, b.instance));
  const idA = a.kind === 'release' ? a.instanceId : a.kind === 'worker' ? a.workerId : a.instance.id;
  const idB = b.kind === 'release' ? b.instanceId : b.kind === 'worker' ? b.workerId : b.instance.id;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** The timeline's events in order, with events added while it is played (a min-heap beside the sorted list). */
export class TimelineQueue {
  private next = 0;
  private readonly added: ForecastEvent[] = [];

  constructor(private readonly sorted: readonly ForecastEvent[]) {}

  add(event: ForecastEvent): void {
    const heap = this.added;
    heap.push(event);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (compareEvents(heap[parent]!, heap[i]!) <= 0) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  shift(): ForecastEvent | undefined {
    const listed = this.sorted[this.next];
    const top = this.added[0];
    if (listed !== undefined && (top === undefined || compareEvents(listed, top) <= 0)) {
      this.next += 1;
      return listed;
    }
    if (top === undefined) return undefined;
    const last = this.added.pop()!;
    if (this.added.length > 0) {
      this.added[0] = last;
      this.siftDown();
    }
    return top;
  }

  private siftDown(): void {
    const heap = this.added;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && compareEvents(heap[left]!, heap[least]!) < 0) least = left;
      if (right < heap.length && compareEvents(heap[right]!, heap[least]!) < 0) least = right;
      if (least === i) return;
      [heap[least], heap[i]] = [heap[i]!, heap[least]!];
      i = least;
    }
  }
}
