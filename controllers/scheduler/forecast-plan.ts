// The forecast's plan (contract §5, issue 19): the shortfalls, in their order, are offered to virtual
// workers of the templates of scaleUp.templates. A shortfall goes where the placer puts it among the
// virtual workers already opened (each fills like a real one); else a new virtual worker of the first
// listed template whose empty worker it fits is opened; else no template helps it. Per template:
// `count` workers, `neededBy` the earliest ready time of the instances they take, `requestAt` =
// neededBy - bootSeconds - marginMinutes. The scale-up it asks for carries an Idempotency-Key made of
// the template, neededBy and the sorted ids, so a repeated forecast of the same need asks once.
import { createHash } from 'node:crypto';
import type { ScaleUpTemplate } from '../../pkg/config';
import type { ScaleUpRequest } from '../../pkg/controlplane';
import { MAX_SCALE_UP_INSTANCE_IDS, compareBytes } from '../../pkg/controlplane';
import type { LabletInstance } from '../../pkg/objects';
import type { Placer } from '../../pkg/placement';
import { Snapshot } from '../../pkg/placement';
import { emptyWorkerOf } from './scale-up';

/** A booked instance the forecast found no room for at its ready time. */
export interface Shortfall {
  readonly instance: LabletInstance;
  readonly readyAtMs: number;
  readonly message: string;
  readonly reasons: Readonly<Record<string, number>>;
}

export interface TemplateNeed {
  readonly template: string;
  readonly count: number;
  readonly neededByMs: number;
  readonly requestAtMs: number;
  /** Sorted in byte order. */
  readonly instanceIds: readonly string[];
}

export interface ScaleUpPlan {
  /** In the order of scaleUp.templates. */
  readonly needs: readonly TemplateNeed[];
  /** Shortfalls no template's empty worker fits. */
  readonly unplanned: readonly Shortfall[];
}

export function planScaleUps(shortfalls: readonly Shortfall[], templates: readonly ScaleUpTemplate[], placer: Placer, marginMinutes: number): ScaleUpPlan {
  const virtual = new Snapshot();
  const templateOf = new Map<string, ScaleUpTemplate>();
  const taken = new Map<string, { workers: number; neededByMs: number; ids: string[] }>();
  const unplanned: Shortfall[] = [];
  const emptyFits = new Map(templates.map((t) => [t.name, oneEmptyWorker(t)]));

  for (const shortfall of shortfalls) {
    const { instance } = shortfall;
    let workerId = placedOn(placer, instance, virtual);
    if (workerId === undefined) {
      const template = templates.find((t) => placedOn(placer, instance, emptyFits.get(t.name) ?? new Snapshot()) !== undefined);
      if (template === undefined) {
        unplanned.push(shortfall);
        continue;
      }
      const need = needOf(taken, template.name);
      need.workers += 1;
      workerId = `${template.name}-planned-${need.workers}`;
      virtual.upsertWorker(emptyWorkerOf(template, workerId));
      templateOf.set(workerId, template);
    }
    virtual.assume(instance.id, workerId, instance.requirements.resources);
    const need = needOf(taken, templateOf.get(workerId)?.name ?? '');
    need.neededByMs = Math.min(need.neededByMs, shortfall.readyAtMs);
    need.ids.push(instance.id);
  }

  const needs = templates.flatMap((template) => {
    const need = taken.get(template.name);
    if (need === undefined) return [];
    return [{
      template: template.name,
      count: need.workers,
      neededByMs: need.neededByMs,
      requestAtMs: need.neededByMs - (template.bootSeconds + marginMinutes * 60) * 1000,
      instanceIds: [...need.ids].sort(compareBytes),
    }];
  });
  return { needs, unplanned };
}

/** The scale-up a need asks for (contract §5) and its Idempotency-Key. */
export function scaleUpRequestOf(need: TemplateNeed): { readonly body: ScaleUpRequest; readonly idempotencyKey: string } {
  const neededBy = new Date(need.neededByMs).toISOString();
  const digest = createHash('sha256').update(`${need.template}\n${neededBy}\n${need.instanceIds.join('\n')}`).digest('hex').slice(0, 32);
  return {
    body: {
      template: need.template,
      reason: `forecast: ${need.count} needed by ${neededBy} for ${need.instanceIds.length} booked instances`,
      instanceIds: need.instanceIds.slice(0, MAX_SCALE_UP_INSTANCE_IDS),
      count: need.count,
    },
    idempotencyKey: `forecast-${digest}`,
  };
}

function needOf(taken: Map<string, { workers: number; neededByMs: number; ids: string[] }>, template: string) {
  let need = taken.get(template);
  if (need === undefined) taken.set(template, (need = { workers: 0, neededByMs: Number.POSITIVE_INFINITY, ids: [] }));
  return need;
}

function oneEmptyWorker(template: ScaleUpTemplate): Snapshot {
  const snapshot = new Snapshot();
  snapshot.upsertWorker(emptyWorkerOf(template));
  return snapshot;
}

function placedOn(placer: Placer, instance: LabletInstance, snapshot: Snapshot): string | undefined {
  const decision = placer.place(instance, snapshot);
  return decision.result === 'scheduled' ? decision.workerId : undefined;
}
