// The Worker of contract §1 (a CML host), as stored at PREFIX/workers/{id}: one zod schema that
// validates the JSON document and decodes it to a readonly Worker with capacity in integer
// thousandths, the cmlVersion parsed once, and absent nodes/ports capacity meaning unlimited.
import { z } from 'zod';
import { ID_PATTERN } from './keys';
import { quantitySchema } from './quantity';
import type { Version } from './versions';
import { versionSchema } from './versions';

export const WORKER_STATUSES = [
  'PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'DRAINING', 'STOPPING', 'STOPPED', 'TERMINATING',
  'TERMINATED', 'FAILED', 'UNKNOWN',
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export const LICENSES = ['personal', 'enterprise', 'evaluation', 'none'] as const;
export type License = (typeof LICENSES)[number];

/** Integer thousandths; nodesMilli and portsMilli undefined = unlimited (contract §1). */
export interface Capacity {
  readonly cpuMilli: number;
  readonly memoryMilli: number;
  readonly storageMilli: number;
  readonly nodesMilli: number | undefined;
  readonly portsMilli: number | undefined;
}

export interface Worker {
  readonly id: string;
  readonly name: string | undefined;
  readonly region: string | undefined;
  readonly status: WorkerStatus;
  readonly license: License;
  /** Absent: fails every version range (contract §1). */
  readonly cmlVersion: Version | undefined;
  readonly nodeDefinitions: readonly string[];
  readonly capacity: Capacity;
  readonly template: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export const idSchema = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);
export const licenseSchema = z.enum(LICENSES);

const capacityJson = z.object({
  cpuCores: quantitySchema('CPU cores; at most 3 decimals'),
  memoryGb: quantitySchema('memory in GB; at most 3 decimals'),
  storageGb: quantitySchema('storage in GB; at most 3 decimals'),
  nodes: quantitySchema('lab nodes; absent = unlimited').nullish(),
  ports: quantitySchema('ports; absent = unlimited').nullish(),
});

/** Validates a worker's JSON document (unknown fields ignored; null reads as absent) and decodes it. */
export const workerSchema = z
  .object({
    id: idSchema,
    name: z.string().nullish(),
    region: z.string().nullish(),
    status: z.enum(WORKER_STATUSES),
    license: licenseSchema.meta({
      description: 'enterprise satisfies enterprise and personal; a personal worker holds at most one instance',
    }),
    cmlVersion: versionSchema.nullish(),
    nodeDefinitions: z.array(z.string()).nullish(),
    capacity: capacityJson,
    template: z.string().nullish(),
    labels: z.record(z.string(), z.string()).nullish(),
  })
  .meta({ title: 'Worker', description: 'A CML host at PREFIX/workers/{id}; id equals the key\'s last segment' })
  .transform(
    (w): Worker => ({
      id: w.id,
      name: w.name ?? undefined,
      region: w.region ?? undefined,
      status: w.status,
      license: w.license,
      cmlVersion: w.cmlVersion ?? undefined,
      nodeDefinitions: w.nodeDefinitions ?? [],
      capacity: {
        cpuMilli: w.capacity.cpuCores,
        memoryMilli: w.capacity.memoryGb,
        storageMilli: w.capacity.storageGb,
        nodesMilli: w.capacity.nodes ?? undefined,
        portsMilli: w.capacity.ports ?? undefined,
      },
      template: w.template ?? undefined,
      labels: w.labels ?? {},
    }),
  );

/** The JSON document as written to etcd (before decoding). */
export type WorkerJson = z.input<typeof workerSchema>;
