// Filter CmlVersion (contract §1): the worker's cmlVersion must satisfy the instance's node-semver
// range; no range = any version; a worker without a version fails every range; a prerelease does not
// satisfy a plain range. Depends only on the worker's shape, so the runner caches it.
import type { Version, VersionRange } from '../../objects';
import { satisfiesRange } from '../../objects';
import type { ShapeFilterPlugin } from '../framework';
import { shapeFilter } from '../framework';
import type { PluginFactory } from '../registry';
import type { FilterPluginName, FilterReason } from '../names';

export const CML_VERSION = 'CmlVersion' satisfies FilterPluginName;
export const CML_VERSION_REASONS = ['CmlVersionMismatch'] as const satisfies readonly FilterReason[];

/** True when a worker of this version may run an instance asking for this range. */
export function cmlVersionFits(version: Version | undefined, range: VersionRange | undefined): boolean {
  return range === undefined || satisfiesRange(version, range);
}

/** Filter CmlVersion. */
export function cmlVersionFilter(): ShapeFilterPlugin {
  return shapeFilter(CML_VERSION, 'CmlVersionMismatch', (r, shape) => cmlVersionFits(shape.cmlVersion, r.cmlVersion));
}

export const cmlVersion: PluginFactory = { kind: 'filter', name: CML_VERSION, make: cmlVersionFilter };
