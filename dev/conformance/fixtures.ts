// The documents the kit writes into etcd (contract §1), valid and small: workers that differ only
// in status and capacity, instances that differ only in phase, worker and requirements. Licenses,
// versions and node definitions are left open so no placement rule of §3 is involved: the API's
// checks of §2 are what the kit looks at.

export interface WorkerShape {
  /** Contract §1 worker status. Default 'RUNNING'. */
  readonly status?: string;
  /** Capacity in cores, GB and GB. Default 4, 8, 20. */
  readonly cpuCores?: number;
  readonly memoryGb?: number;
  readonly storageGb?: number;
}

export interface InstanceShape {
  /** Contract §1 phase. Default 'PENDING'. */
  readonly phase?: string;
  /** Default null. */
  readonly workerId?: string | null;
  /** Requirements in cores, GB and GB. Default 1 each. */
  readonly cpuCores?: number;
  readonly memoryGb?: number;
  readonly storageGb?: number;
}

export type Document = Readonly<Record<string, unknown>> & { readonly id: string };

export function workerDocument(id: string, shape: WorkerShape = {}): Document {
  return {
    id,
    name: id,
    region: 'conformance',
    status: shape.status ?? 'RUNNING',
    license: 'enterprise',
    cmlVersion: '2.9.1',
    nodeDefinitions: [],
    capacity: { cpuCores: shape.cpuCores ?? 4, memoryGb: shape.memoryGb ?? 8, storageGb: shape.storageGb ?? 20 },
    template: 'conformance',
    labels: {},
  };
}

export function instanceDocument(id: string, createdAt: Date, shape: InstanceShape = {}): Document {
  return {
    id,
    definitionId: 'conformance',
    phase: shape.phase ?? 'PENDING',
    requirements: { cpuCores: shape.cpuCores ?? 1, memoryGb: shape.memoryGb ?? 1, storageGb: shape.storageGb ?? 1 },
    priority: 0,
    workerId: shape.workerId ?? null,
    createdAt: createdAt.toISOString(),
  };
}
