// Filter ResourcesFit (contract §3): allocated + requested <= capacity for cpu, memory, storage,
// nodes and ports, checked in that order, in integer thousandths (so 0.1 + 0.2 fits 0.3 exactly);
// equal capacity fits; absent nodes/ports capacity is unlimited.
import type { Capacity, Resources } from '../../objects';
import type { FilterVerdict, PlacementRequest, Success, Unschedulable, WorkerFilterPlugin } from '../framework';
import { SUCCESS, unschedulable } from '../framework';
import type { FilterPluginName, FilterReason } from '../names';
import type { WorkerInfo } from '../snapshot';

export const RESOURCES_FIT = 'ResourcesFit' satisfies FilterPluginName;
export const RESOURCES_FIT_REASONS = [
  'InsufficientCpu',
  'InsufficientMemory',
  'InsufficientStorage',
  'InsufficientNodes',
  'InsufficientPorts',
] as const satisfies readonly FilterReason[];
export type ResourcesFitReason = (typeof RESOURCES_FIT_REASONS)[number];

const CPU = unschedulable('InsufficientCpu');
const MEMORY = unschedulable('InsufficientMemory');
const STORAGE = unschedulable('InsufficientStorage');
const NODES = unschedulable('InsufficientNodes');
const PORTS = unschedulable('InsufficientPorts');

/** The verdict for the first dimension (in contract order) where requested does not fit. */
export function resourcesVerdict(requested: Resources, allocated: Resources, capacity: Capacity): Success | Unschedulable<ResourcesFitReason> {
  if (allocated.cpuMilli + requested.cpuMilli > capacity.cpuMilli) return CPU;
  if (allocated.memoryMilli + requested.memoryMilli > capacity.memoryMilli) return MEMORY;
  if (allocated.storageMilli + requested.storageMilli > capacity.storageMilli) return STORAGE;
  if (capacity.nodesMilli !== undefined && allocated.nodesMilli + requested.nodesMilli > capacity.nodesMilli) return NODES;
  if (capacity.portsMilli !== undefined && allocated.portsMilli + requested.portsMilli > capacity.portsMilli) return PORTS;
  return SUCCESS;
}

/** The first dimension (in contract order) where requested does not fit, or undefined when all fit. */
export function insufficientResource(requested: Resources, allocated: Resources, capacity: Capacity): ResourcesFitReason | undefined {
  const verdict = resourcesVerdict(requested, allocated, capacity);
  return verdict.status === 'unschedulable' ? verdict.reason : undefined;
}

export class ResourcesFitFilter implements WorkerFilterPlugin {
  readonly scope = 'worker';
  readonly name = RESOURCES_FIT;
  readonly reasons = RESOURCES_FIT_REASONS;

  filter(request: PlacementRequest, worker: WorkerInfo): FilterVerdict {
    return resourcesVerdict(request.requested, worker.allocated, worker.worker.capacity);
  }
}
