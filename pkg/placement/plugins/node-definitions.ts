// Filter NodeDefinitions: the worker must offer every node definition the instance needs. Depends
// only on the worker's shape, so the runner caches it.
import type { ShapeFilterPlugin } from '../framework';
import { shapeFilter } from '../framework';
import type { PluginFactory } from '../registry';
import type { FilterPluginName, FilterReason } from '../names';

export const NODE_DEFINITIONS = 'NodeDefinitions' satisfies FilterPluginName;
export const NODE_DEFINITIONS_REASONS = ['MissingNodeDefinition'] as const satisfies readonly FilterReason[];

/** True when available holds every required node definition. */
export function hasNodeDefinitions(available: ReadonlySet<string>, required: readonly string[]): boolean {
  return required.every((def) => available.has(def));
}

/** Filter NodeDefinitions. */
export function nodeDefinitionsFilter(): ShapeFilterPlugin {
  return shapeFilter(NODE_DEFINITIONS, 'MissingNodeDefinition', (r, shape) => hasNodeDefinitions(shape.nodeDefinitions, r.nodeDefinitions));
}

export const nodeDefinitions: PluginFactory = { kind: 'filter', name: NODE_DEFINITIONS, make: nodeDefinitionsFilter };
