// Filter LicenseAffinity (contract §1): enterprise satisfies enterprise and personal; personal
// satisfies personal; evaluation satisfies evaluation; none satisfies only an empty affinity. An empty
// affinity accepts any license. Depends only on the worker's shape, so the runner caches it.
import type { License } from '../../objects';
import type { ShapeFilterPlugin } from '../framework';
import { shapeFilter } from '../framework';
import type { PluginFactory } from '../registry';
import type { FilterPluginName, FilterReason } from '../names';

export const LICENSE_AFFINITY = 'LicenseAffinity' satisfies FilterPluginName;
export const LICENSE_AFFINITY_REASONS = ['LicenseMismatch'] as const satisfies readonly FilterReason[];

const SATISFIES: Readonly<Record<License, readonly License[]>> = {
  enterprise: ['enterprise', 'personal'],
  personal: ['personal'],
  evaluation: ['evaluation'],
  none: [],
};

/** True when a worker of this license may run an instance with this affinity. */
export function licenseSatisfies(workerLicense: License, affinity: readonly License[]): boolean {
  if (affinity.length === 0) return true;
  const offered = SATISFIES[workerLicense];
  return affinity.some((wanted) => offered.includes(wanted));
}

/** Filter LicenseAffinity. */
export function licenseAffinityFilter(): ShapeFilterPlugin {
  return shapeFilter(LICENSE_AFFINITY, 'LicenseMismatch', (r, shape) => licenseSatisfies(shape.license, r.licenseAffinity));
}

export const licenseAffinity: PluginFactory = { kind: 'filter', name: LICENSE_AFFINITY, make: licenseAffinityFilter };
