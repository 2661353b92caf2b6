// The LabletInstance of contract §1, as stored at PREFIX/instances/{id}: one zod schema that
// validates the JSON document and decodes it to a readonly LabletInstance with requirements in
// integer thousandths, times in epoch ms and the cmlVersion range parsed once. Which phases hold
// capacity and which instances are the scheduler's to place are answered here, once.
import { z } from 'zod';
import { quantitySchema } from './quantity';
import { rawTimestampSchema } from './timestamps';
import type { VersionRange } from './versions';
import { versionRangeSchema } from './versions';
import type { License } from './worker';
import { idSchema, licenseSchema } from './worker';

export const INSTANCE_PHASES = [
  'PENDING', 'SCHEDULED', 'INSTANTIATING', 'READY', 'RUNNING', 'GRADED', 'STOPPING', 'STOPPED',
  'TERMINATED', 'FAILED', 'EXPIRED',
] as const;
export type InstancePhase = (typeof INSTANCE_PHASES)[number];

/** Phases that hold capacity on workerId whatever else holds (contract §1). */
const HOLDING_PHASES: ReadonlySet<InstancePhase> = new Set([
  'SCHEDULED', 'INSTANTIATING', 'READY', 'RUNNING', 'GRADED', 'STOPPING',
]);

/** Integer thousandths of each contract quantity (cpuMilli = cpuCores x 1000, memoryMilli = memoryGb x 1000, ...). */
export interface Resources {
  readonly cpuMilli: number;
  readonly memoryMilli: number;
  readonly storageMilli: number;
  readonly nodesMilli: number;
  readonly portsMilli: number;
}

export interface Requirements {
  readonly resources: Resources;
  /** Empty = any license. */
  readonly licenseAffinity: readonly License[];
  /** Absent = any version. */
  readonly cmlVersion: VersionRange | undefined;
  readonly nodeDefinitions: readonly string[];
}

export interface Timeslot {
  /** As written (RFC 3339). */
  readonly start: string;
  readonly end: string;
  readonly startMs: number;
  /** Always > startMs. */
  readonly endMs: number;
}

export interface LabletInstance {
  readonly id: string;
  readonly definitionId: string | undefined;
  readonly phase: InstancePhase;
  readonly requirements: Requirements;
  readonly preferredRegion: string | undefined;
  /** Absent = now (contract §3: an instance with no timeslot counts as starting at its createdAt). */
  readonly timeslot: Timeslot | undefined;
  /** Integer, may be negative; default 0. */
  readonly priority: number;
  readonly workerId: string | undefined;
  /** Epoch ms; absent sorts last. */
  readonly createdAtMs: number | undefined;
}

const requirementsJson = z.object({
  cpuCores: quantitySchema('CPU cores; at most 3 decimals'),
  memoryGb: quantitySchema('memory in GB; at most 3 decimals'),
  storageGb: quantitySchema('storage in GB; at most 3 decimals'),
  nodes: quantitySchema('lab nodes; default 0').nullish(),
  ports: quantitySchema('ports; default 0').nullish(),
  licenseAffinity: z.array(licenseSchema).nullish().meta({ description: 'empty or absent = any license' }),
  cmlVersion: versionRangeSchema.nullish(),
  nodeDefinitions: z.array(z.string()).nullish(),
});

const timeslotJson = z.object({ start: rawTimestampSchema, end: rawTimestampSchema });

/** Validates an instance's JSON document (unknown fields ignored; null reads as absent) and decodes it. */
export const labletInstanceSchema = z
  .object({
    id: idSchema,
    definitionId: z.string().nullish(),
    phase: z.enum(INSTANCE_PHASES),
    requirements: requirementsJson,
    preferredRegion: z.string().nullish(),
    timeslot: timeslotJson.nullish().meta({ description: 'end must be after start; absent = now' }),
    priority: z.int().nullish().meta({ description: 'higher first; default 0' }),
    workerId: idSchema.nullish(),
    createdAt: rawTimestampSchema.nullish(),
  })
  .meta({ title: 'LabletInstance', description: 'A lab session at PREFIX/instances/{id}; id equals the key\'s last segment' })
  .transform((li, ctx): LabletInstance => {
    let timeslot: Timeslot | undefined;
    if (li.timeslot) {
      const startMs = Date.parse(li.timeslot.start);
      const endMs = Date.parse(li.timeslot.end);
      if (endMs <= startMs) {
        ctx.issues.push({ code: 'custom', input: li.timeslot, path: ['timeslot', 'end'], message: 'must be after timeslot.start' });
        return z.NEVER;
      }
      timeslot = { start: li.timeslot.start, end: li.timeslot.end, startMs, endMs };
    }
    const r = li.requirements;
    return {
      id: li.id,
      definitionId: li.definitionId ?? undefined,
      phase: li.phase,
      requirements: {
        resources: {
          cpuMilli: r.cpuCores,
          memoryMilli: r.memoryGb,
          storageMilli: r.storageGb,
          nodesMilli: r.nodes ?? 0,
          portsMilli: r.ports ?? 0,
        },
        licenseAffinity: r.licenseAffinity ?? [],
        cmlVersion: r.cmlVersion ?? undefined,
        nodeDefinitions: r.nodeDefinitions ?? [],
      },
      preferredRegion: li.preferredRegion ?? undefined,
      timeslot,
      priority: li.priority ?? 0,
      workerId: li.workerId ?? undefined,
      createdAtMs: li.createdAt != null ? Date.parse(li.createdAt) : undefined,
    };
  });

/** The JSON document as written to etcd (before decoding). */
export type LabletInstanceJson = z.input<typeof labletInstanceSchema>;

/**
 * True while the instance holds capacity on its workerId (contract §1): a holding phase, or PENDING
 * with a workerId (the safe side: never placed). False without a workerId.
 */
export function holdsCapacity(instance: LabletInstance): boolean {
  if (instance.workerId === undefined) return false;
  return HOLDING_PHASES.has(instance.phase) || instance.phase === 'PENDING';
}

/** True when the instance is the scheduler's to place: PENDING with no workerId (contract §1). */
export function isPlaceable(instance: LabletInstance): boolean {
  return instance.phase === 'PENDING' && instance.workerId === undefined;
}
