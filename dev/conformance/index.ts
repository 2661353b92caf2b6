// The Control Plane API conformance kit (contract §2; docs/conformance.md): checks run against any
// API that reads a given etcd and prefix. Development and test code, never part of the image.
export type { Check, CheckContext, CheckResult, Outcome } from './check';
export { CheckFailure, CheckSkipped } from './check';
export { ALL_CHECKS } from './checks';
export type { DevApiTarget, DevApiTargetOptions } from './dev-target';
export { startDevApiTarget } from './dev-target';
export type { ApiObserver, ConformanceTarget } from './session';
export type { ConformanceReport, RunOptions } from './runner';
export { runConformance } from './runner';
