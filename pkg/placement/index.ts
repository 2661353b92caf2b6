// Placement (contract §3): the Placer seam and its open registry, the plugin framework and its one
// engine, the contract's filters and scorers, the incrementally updated Snapshot and the Decision
// with its no-fit message.
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
  FeasibleScorePlugin,
  FilterPlugin,
  FilterVerdict,
  PlacementRequest,
  Reuse,
  RowScorePlugin,
  ScorePlugin,
  ShapeFilterPlugin,
  ShapeScorePlugin,
  Success,
  Unschedulable,
  WeightedScorer,
  WorkerFilterPlugin,
} from './framework';
export { errorVerdict, shapeFilter, SUCCESS, unschedulable, workerFilter } from './framework';
export type { FilterPluginName, FilterReason, PluginName, ScorePluginName, UnschedulableReason } from './names';
export { INSTANCE_REASONS } from './names';
export type { PlaceOptions, Placer, PlacerConfig, ScoreWeights } from './placer';
export { DEFAULT_WEIGHTS } from './placer';
export { CONTRACT_FILTER_REASONS as FILTER_REASONS } from './placers/contract';
export type { PlacerProfile, PluginFactory, ProfileScorer } from './registry';
export { unknownPlacerMessage } from './registry';
export { contractFilters, createPlacer, isPlacer, placerNames, registerPlacer, registerPlugin } from './registrations';
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
export type { FrameworkPlacerOptions } from './runner';
export { FrameworkPlacer } from './runner';
export type { Holding, WorkerInfo, WorkerShape } from './snapshot';
export { Snapshot } from './snapshot';
export type { WorkerColumns } from './worker-table';
