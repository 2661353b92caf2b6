// Filter PersonalLicense (contract §1): a personal worker holds at most one instance, so one that
// already holds one (observed or assumed) takes nothing more.
import type { License } from '../../objects';
import type { WorkerFilterPlugin } from '../framework';
import type { PluginFactory } from '../registry';
import { workerFilter } from '../framework';
import type { FilterPluginName, FilterReason } from '../names';

export const PERSONAL_LICENSE = 'PersonalLicense' satisfies FilterPluginName;
export const PERSONAL_LICENSE_REASONS = ['PersonalLicenseInUse'] as const satisfies readonly FilterReason[];

/** True when the worker is personal and already holds an instance. */
export function personalLicenseInUse(license: License, holders: number): boolean {
  return license === 'personal' && holders >= 1;
}

/** Filter PersonalLicense. */
export function personalLicenseFilter(): WorkerFilterPlugin {
  return workerFilter(
    PERSONAL_LICENSE,
    'PersonalLicenseInUse',
    (_request, workers, at) => !personalLicenseInUse(workers.worker(at).license, workers.holders[at]!),
    (_request, shape) => shape.license === 'personal',
    'row', // the license is the shape's, the holder count the row's
  );
}

export const personalLicense: PluginFactory = { kind: 'filter', name: PERSONAL_LICENSE, make: personalLicenseFilter };
