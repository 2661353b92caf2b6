// Filter WorkerStatus: only RUNNING workers take new instances; DRAINING ones keep what they hold
// and take nothing new (contract §1, ADR-008), reported apart so operators see drains at a glance.
// Status is part of a worker's shape, so the runner caches this verdict per shape.
import type { WorkerStatus } from '../../objects';
import type { FilterVerdict, ShapeFilterPlugin } from '../framework';
import { SUCCESS, unschedulable } from '../framework';
import type { FilterPluginName, FilterReason } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerShape } from '../snapshot';

export const WORKER_STATUS = 'WorkerStatus' satisfies FilterPluginName;
export const WORKER_STATUS_REASONS = ['WorkerNotRunning', 'WorkerDraining'] as const satisfies readonly FilterReason[];
export type WorkerStatusReason = (typeof WORKER_STATUS_REASONS)[number];

/** Why a worker of this status takes no new instance, or undefined when it does. */
export function workerStatusReason(status: WorkerStatus): WorkerStatusReason | undefined {
  if (status === 'RUNNING') return undefined;
  return status === 'DRAINING' ? 'WorkerDraining' : 'WorkerNotRunning';
}

export class WorkerStatusFilter implements ShapeFilterPlugin {
  readonly scope = 'shape';
  readonly name = WORKER_STATUS;
  readonly reasons = WORKER_STATUS_REASONS;

  filterShape(_requirements: unknown, shape: WorkerShape): FilterVerdict {
    const reason = workerStatusReason(shape.status);
    return reason === undefined ? SUCCESS : unschedulable(reason);
  }
}

export const workerStatus: PluginFactory = { kind: 'filter', name: WORKER_STATUS, make: () => new WorkerStatusFilter() };
