// Filter ResourcesFit (contract §3): allocated + requested <= capacity for cpu, memory, storage,
// nodes and ports, checked in that order, in integer thousandths (so 0.1 + 0.2 fits 0.3 exactly);
// equal capacity fits; absent nodes/ports capacity is unlimited.
import type { Resources } from '../../objects';
import type { FilterVerdict, PlacementRequest, Success, Unschedulable, WorkerFilterPlugin } from '../framework';
import { SUCCESS, unschedulable } from '../framework';
import type { FilterPluginName, FilterReason } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerColumns } from '../worker-table';
import { CPU, MEMORY, NODES, PORTS, RESOURCE_STRIDE, STORAGE } from '../worker-table';

export const RESOURCES_FIT = 'ResourcesFit' satisfies FilterPluginName;
export const RESOURCES_FIT_REASONS = [
  'InsufficientCpu',
  'InsufficientMemory',
  'InsufficientStorage',
  'InsufficientNodes',
  'InsufficientPorts',
] as const satisfies readonly FilterReason[];
export type ResourcesFitReason = (typeof RESOURCES_FIT_REASONS)[number];

const INSUFFICIENT_CPU = unschedulable('InsufficientCpu');
const INSUFFICIENT_MEMORY = unschedulable('InsufficientMemory');
const INSUFFICIENT_STORAGE = unschedulable('InsufficientStorage');
const INSUFFICIENT_NODES = unschedulable('InsufficientNodes');
const INSUFFICIENT_PORTS = unschedulable('InsufficientPorts');

/**
 * The verdict for the first dimension (in contract order) where requested does not fit on the worker
 * at `position` of the resource columns (an unlimited capacity is Infinity, so it always fits).
 */
export function resourcesVerdict(
  requested: Resources,
  allocated: Float64Array,
  capacity: Float64Array,
  position: number,
): Success | Unschedulable<ResourcesFitReason> {
  const o = position * RESOURCE_STRIDE;
  if (allocated[o + CPU]! + requested.cpuMilli > capacity[o + CPU]!) return INSUFFICIENT_CPU;
  if (allocated[o + MEMORY]! + requested.memoryMilli > capacity[o + MEMORY]!) return INSUFFICIENT_MEMORY;
  if (allocated[o + STORAGE]! + requested.storageMilli > capacity[o + STORAGE]!) return INSUFFICIENT_STORAGE;
  if (allocated[o + NODES]! + requested.nodesMilli > capacity[o + NODES]!) return INSUFFICIENT_NODES;
  if (allocated[o + PORTS]! + requested.portsMilli > capacity[o + PORTS]!) return INSUFFICIENT_PORTS;
  return SUCCESS;
}

export class ResourcesFitFilter implements WorkerFilterPlugin {
  readonly scope = 'worker';
  readonly name = RESOURCES_FIT;
  readonly reasons = RESOURCES_FIT_REASONS;
  /** Reads the row's allocation and capacity and request.requested only. */
  readonly reuse = 'row';

  filter(request: PlacementRequest, workers: WorkerColumns, position: number): FilterVerdict {
    return resourcesVerdict(request.requested, workers.allocated, workers.capacity, position);
  }
}

export const resourcesFit: PluginFactory = { kind: 'filter', name: RESOURCES_FIT, make: () => new ResourcesFitFilter() };
