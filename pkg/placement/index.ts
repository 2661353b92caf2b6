// Placement (contract §3): the Placer seam and its registry, the plugin framework, the contract's
// filters and scorers, the incrementally updated Snapshot and the Decision with its no-fit message.
export type {
  Decision,
  ErrorDecision,
  ReasonCounts,
  ScheduledDecision,
  UnschedulableDecision,
  WorkerScore,
  WorkerVerdict,
} from './decision';
export { compareIds, noFitMessage, orderedReasons, sortedReasons } from './decision';
export type {
  ErrorVerdict,
  FilterPlugin,
  FilterVerdict,
  PlacementRequest,
  ScorePlugin,
  ShapeFilterPlugin,
  Success,
  Unschedulable,
  WeightedScorer,
  WorkerFilterPlugin,
} from './framework';
export { errorVerdict, shapeFilter, SUCCESS, unschedulable, workerFilter } from './framework';
export type { FilterPluginName, FilterReason, PluginName, ScorePluginName, UnschedulableReason } from './names';
export { FILTER_PLUGIN_NAMES, FILTER_REASONS, INSTANCE_REASONS, SCORE_PLUGIN_NAMES } from './names';
export type { PlaceOptions, Placer, PlacerConfig, PlacerName, ScoreWeights } from './placer';
export { contractFilters, contractScorers, createPlacer, DEFAULT_WEIGHTS, PLACER_NAMES, PLACERS } from './placer';
export { rejectedByApi } from './plugins/api-rejection';
export { binPackingScore } from './plugins/bin-packing';
export { cmlVersionFits } from './plugins/cml-version';
export { licenseSatisfies } from './plugins/license-affinity';
export { loadBalanceScore } from './plugins/load-balance';
export { localityScore } from './plugins/locality';
export { hasNodeDefinitions } from './plugins/node-definitions';
export { personalLicenseInUse } from './plugins/personal-license';
export { resourcesVerdict } from './plugins/resources-fit';
export { workerStatusReason } from './plugins/worker-status';
export type { ContractPlacerOptions } from './contract-placer';
export { ContractPlacer } from './contract-placer';
export type { FrameworkPlacerOptions } from './runner';
export { FrameworkPlacer } from './runner';
export type { Holding, WorkerInfo, WorkerShape } from './snapshot';
export { Snapshot } from './snapshot';
export type { WorkerColumns } from './worker-table';
