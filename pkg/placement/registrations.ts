// The process-wide registry and what the scheduler ships with: one line per plugin, one per placer. A
// new plugin or placer is its own file plus one line here (or, for tests and extensions, a call to
// registerPlugin / registerPlacer before the config is loaded). docs/placement.md walks through it.
import type { FilterPlugin } from './framework';
import type { Placer, PlacerConfig } from './placer';
import { CONTRACT_FILTERS } from './placers/contract';
import { defaultPlacer } from './placers/default';
import { spreadPlacer } from './placers/spread';
import { apiRejection } from './plugins/api-rejection';
import { binPacking } from './plugins/bin-packing';
import { cmlVersion } from './plugins/cml-version';
import { leastAllocated } from './plugins/least-allocated';
import { licenseAffinity } from './plugins/license-affinity';
import { loadBalance } from './plugins/load-balance';
import { locality } from './plugins/locality';
import { nodeDefinitions } from './plugins/node-definitions';
import { personalLicense } from './plugins/personal-license';
import { resourcesFit } from './plugins/resources-fit';
import { workerStatus } from './plugins/worker-status';
import type { PlacerProfile, PluginFactory } from './registry';
import { PlacementRegistry } from './registry';

const registry = new PlacementRegistry();

registry.registerPlugin(workerStatus);
registry.registerPlugin(licenseAffinity);
registry.registerPlugin(personalLicense);
registry.registerPlugin(cmlVersion);
registry.registerPlugin(nodeDefinitions);
registry.registerPlugin(resourcesFit);
registry.registerPlugin(apiRejection);
registry.registerPlugin(binPacking);
registry.registerPlugin(leastAllocated);
registry.registerPlugin(locality);
registry.registerPlugin(loadBalance);

registry.registerPlacer(defaultPlacer);
registry.registerPlacer(spreadPlacer);

export function registerPlugin(factory: PluginFactory): void {
  registry.registerPlugin(factory);
}

export function registerPlacer(profile: PlacerProfile): void {
  registry.registerPlacer(profile);
}

/** The placer registered under name; throws naming the known ones when there is none. */
export function createPlacer(name: string, config: PlacerConfig = {}): Placer {
  return registry.createPlacer(name, config);
}

/** Registered placer names, in registration order. */
export function placerNames(): readonly string[] {
  return registry.placerNames();
}

export function isPlacer(name: string): boolean {
  return registry.isPlacer(name);
}

/** New instances of the contract §3 filters, in its order. */
export function contractFilters(): FilterPlugin[] {
  return registry.filters(CONTRACT_FILTERS);
}
