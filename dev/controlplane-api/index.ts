// The development Control Plane API (contract §2): tests, benchmarks and the demo start it over a
// Store. Never imported by the service's main.ts.
export type { Allocation, Amounts, Holding } from './allocation';
export { devRoot } from './allocation';
export type { AnswerMode } from './answers';
export { ANSWER_MODES } from './answers';
export type { DevState } from './dev-routes';
export type { ApiRoute, FaultKind, FaultRule, FaultRuleInput, FaultSettingsInput, HeldSchedule } from './faults';
export { API_ROUTES, FAULT_KINDS, FaultKnobs } from './faults';
export type { AllocationView, DevObjects } from './objects';
export type { ReportBook, ScaleUpAnswer, StoredReport, StoredScaleUp } from './reports';
export type { DevControlPlaneApi, DevControlPlaneOptions } from './server';
export { start } from './server';
