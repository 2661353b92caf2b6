// The contract §3 filters, in its order: the `default` and `spread` placers run them as listed, so a
// worker is counted under the first of them that rejects it, as the contract says. Both weigh a
// packing score, Locality and LoadBalance by placement.weights.
import { API_REJECTION, API_REJECTION_REASONS } from '../plugins/api-rejection';
import { LOAD_BALANCE } from '../plugins/load-balance';
import { LOCALITY } from '../plugins/locality';
import type { PlacerProfile } from '../registry';
import { CML_VERSION, CML_VERSION_REASONS } from '../plugins/cml-version';
import { LICENSE_AFFINITY, LICENSE_AFFINITY_REASONS } from '../plugins/license-affinity';
import { NODE_DEFINITIONS, NODE_DEFINITIONS_REASONS } from '../plugins/node-definitions';
import { PERSONAL_LICENSE, PERSONAL_LICENSE_REASONS } from '../plugins/personal-license';
import { RESOURCES_FIT, RESOURCES_FIT_REASONS } from '../plugins/resources-fit';
import { WORKER_STATUS, WORKER_STATUS_REASONS } from '../plugins/worker-status';

export const CONTRACT_FILTERS = [
  WORKER_STATUS,
  LICENSE_AFFINITY,
  PERSONAL_LICENSE,
  CML_VERSION,
  NODE_DEFINITIONS,
  RESOURCES_FIT,
  API_REJECTION,
] as const;

/** Every reason the contract's filters may give, in contract §3 order (the metric's known label values). */
export const CONTRACT_FILTER_REASONS = [
  ...WORKER_STATUS_REASONS,
  ...LICENSE_AFFINITY_REASONS,
  ...PERSONAL_LICENSE_REASONS,
  ...CML_VERSION_REASONS,
  ...NODE_DEFINITIONS_REASONS,
  ...RESOURCES_FIT_REASONS,
  ...API_REJECTION_REASONS,
] as const;

/** A placer with the contract's filters, `packing` weighted by placement.weights.binPacking, Locality and LoadBalance. */
export function contractProfile(name: string, packing: string): PlacerProfile {
  return {
    name,
    filters: CONTRACT_FILTERS,
    scorers: [
      { plugin: packing, weight: 'binPacking' },
      { plugin: LOCALITY, weight: 'locality' },
      { plugin: LOAD_BALANCE, weight: 'loadBalance' },
    ],
  };
}
