// The forecast's timeline (contract §5, issue 19): what will change in the fleet over the horizon,
// in time order. An instance holding capacity with a timeslot frees it at its end plus
// releaseAfterEndMinutes (one without a timeslot holds it through the horizon); a booting worker of a
// template counts RUNNING at its ready time; a PENDING instance becomes ready at its start minus the
// lead time (now, if that has passed). At equal times: releases, then workers, then instances, these
// in the live order (priority, start, id). An instance whose slot is missed by its ready time is left
// out: live placement reports it TimeslotMissed rather than placing it.
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
    const endMs = instance.timeslot?.endMs;
    if (endMs === undefined) continue;
    const atMs = Math.max(nowMs, endMs + policy.releaseAfterEndMinutes * 60_000);
    if (within(atMs)) events.push({ kind: 'release', atMs, instanceId: instance.id });
  }
  for (const { workerId, readyAtMs } of input.booting) {
    const atMs = Math.max(nowMs, readyAtMs);
    if (within(atMs)) events.push({ kind: 'worker', atMs, workerId });
  }
  for (const instance of input.pending) {
    const startMs = instance.timeslot?.startMs;
    const atMs = startMs === undefined ? nowMs : Math.max(nowMs, startMs - policy.leadTimeMinutes * 60_000);
    if (within(atMs) && readiness(instance, atMs, policy).kind === 'ready') events.push({ kind: 'ready', atMs, instance });
  }
  return events.sort(compareEvents);
}

function compareEvents(a: ForecastEvent, b: ForecastEvent): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (a.kind === 'ready' && b.kind === 'ready') return compareRanks(rankOf(a.instance.id, a.instance), rankOf(b.instance.id, b.instance));
  const idA = a.kind === 'release' ? a.instanceId : a.kind === 'worker' ? a.workerId : a.instance.id;
  const idB = b.kind === 'release' ? b.instanceId : b.kind === 'worker' ? b.workerId : b.instance.id;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}
