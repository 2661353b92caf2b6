// The demo's sample fleet and workload (config/samples/demo-fleet.yaml): groups of workers and
// instances expanded to the contract's JSON documents, timeslots placed relative to a start time,
// and the demo scheduler's configuration (ConfigMap keys, checked by the service's own parser).
import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import type { SchedulerConfig } from '../../pkg/config';
import { parseConfig } from '../../pkg/config';
import type { LabletInstanceJson, WorkerJson } from '../../pkg/objects';
import { LICENSES, WORKER_STATUSES } from '../../pkg/objects';

const quantities = {
  cpuCores: z.number(),
  memoryGb: z.number(),
  storageGb: z.number(),
  nodes: z.number().optional(),
  ports: z.number().optional(),
};

const workerGroup = z.strictObject({
  idPrefix: z.string(),
  count: z.int().positive(),
  region: z.string(),
  license: z.enum(LICENSES),
  status: z.enum(WORKER_STATUSES).default('RUNNING'),
  cmlVersion: z.string(),
  template: z.string(),
  nodeDefinitions: z.array(z.string()),
  capacity: z.strictObject(quantities),
});

const instanceGroup = z.strictObject({
  idPrefix: z.string(),
  count: z.int().positive(),
  definitionId: z.string(),
  preferredRegion: z.string().optional(),
  priority: z.int().optional(),
  requirements: z.strictObject({
    ...quantities,
    licenseAffinity: z.array(z.enum(LICENSES)).optional(),
    cmlVersion: z.string().optional(),
    nodeDefinitions: z.array(z.string()).optional(),
  }),
  timeslot: z.strictObject({ startInMinutes: z.number(), durationMinutes: z.number().positive() }).optional(),
});

const samplesSchema = z.strictObject({
  /** Parsed by parseConfig (unknown until then). */
  config: z.record(z.string(), z.unknown()).optional(),
  workers: z.array(workerGroup),
  instances: z.array(instanceGroup),
});

export interface Samples {
  readonly config: SchedulerConfig;
  readonly workers: readonly WorkerJson[];
  readonly instances: readonly LabletInstanceJson[];
}

export async function loadSamples(path: string, startMs: number): Promise<Samples> {
  const parsed = samplesSchema.safeParse(parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a valid sample file: ${parsed.error.message}`);
  const workers = parsed.data.workers.flatMap((g) =>
    ids(g.idPrefix, g.count).map((id): WorkerJson => ({
      id, name: `cml-${id}`, region: g.region, status: g.status, license: g.license, cmlVersion: g.cmlVersion,
      nodeDefinitions: g.nodeDefinitions, capacity: g.capacity, template: g.template, labels: {},
    })),
  );
  const instances = parsed.data.instances.flatMap((g) =>
    ids(g.idPrefix, g.count).map((id, i): LabletInstanceJson => ({
      id, definitionId: g.definitionId, phase: 'PENDING', requirements: g.requirements, preferredRegion: g.preferredRegion,
      priority: g.priority ?? 0, workerId: null,
      // Spread creation over the last minutes so the order among equals is visible.
      createdAt: new Date(startMs - (g.count - i) * 1_000).toISOString(),
      timeslot: g.timeslot === undefined ? undefined : {
        start: new Date(startMs + g.timeslot.startInMinutes * 60_000).toISOString(),
        end: new Date(startMs + (g.timeslot.startInMinutes + g.timeslot.durationMinutes) * 60_000).toISOString(),
      },
    })),
  );
  const config = parseConfig(stringify(parsed.data.config ?? {}), `${path} (config)`);
  return { config, workers, instances };
}

function ids(prefix: string, count: number): string[] {
  const width = String(count).length < 2 ? 2 : String(count).length;
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}
