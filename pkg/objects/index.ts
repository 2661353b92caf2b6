// The objects of contract §1 (LabletInstance, Worker), their keys and their decoding from etcd.
// Test-data builders live in ./testing (a test-only entry point, not exported here).
export type { Decoded, KeyClass, Malformed, ObjectKind } from './decode';
export { classifyKey, decode } from './decode';
export {
  DEFAULT_PREFIX,
  ID_PATTERN,
  instanceKey,
  instancesPrefix,
  leaderKey,
  normalizePrefix,
  workerKey,
  workersPrefix,
} from './keys';
export type {
  InstancePhase,
  LabletInstance,
  LabletInstanceJson,
  Requirements,
  Resources,
  Timeslot,
} from './lablet-instance';
export { INSTANCE_PHASES, holdsCapacity, isPlaceable, labletInstanceSchema } from './lablet-instance';
export { MAX_QUANTITY, toThousandths } from './quantity';
export type { Version, VersionRange } from './versions';
export { satisfiesRange, STRICT_SEMVER } from './versions';
export type { Capacity, License, Worker, WorkerJson, WorkerStatus } from './worker';
export { LICENSES, WORKER_STATUSES, workerSchema } from './worker';
