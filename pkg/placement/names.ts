// Plugin names and reason codes as closed unions. Reasons are spelled exactly as in contract §3 and
// listed in its filter order; a no-fit message and the reasons histogram use these strings verbatim.

export const FILTER_PLUGIN_NAMES = [
  'WorkerStatus',
  'LicenseAffinity',
  'PersonalLicense',
  'CmlVersion',
  'NodeDefinitions',
  'ResourcesFit',
  'ApiRejection',
] as const;
export type FilterPluginName = (typeof FILTER_PLUGIN_NAMES)[number];

export const SCORE_PLUGIN_NAMES = ['BinPacking', 'Locality', 'LoadBalance', 'LeastAllocated'] as const;
export type ScorePluginName = (typeof SCORE_PLUGIN_NAMES)[number];

export type PluginName = FilterPluginName | ScorePluginName;

/** Every reason a filter may give, in contract §3 order. */
export const FILTER_REASONS = [
  'WorkerNotRunning',
  'WorkerDraining',
  'LicenseMismatch',
  'PersonalLicenseInUse',
  'CmlVersionMismatch',
  'MissingNodeDefinition',
  'InsufficientCpu',
  'InsufficientMemory',
  'InsufficientStorage',
  'InsufficientNodes',
  'InsufficientPorts',
  'RejectedByApi',
] as const;
export type FilterReason = (typeof FILTER_REASONS)[number];

/** Reasons an unschedulable report may carry besides the filters' (contract §1, §2). */
export const INSTANCE_REASONS = ['TimeslotMissed', 'InvalidSpec'] as const;
export type UnschedulableReason = FilterReason | (typeof INSTANCE_REASONS)[number];
