// The ConfigMap's `config.yaml`: every key of contract section 4 with its default, in one zod
// schema. Keys left out keep their defaults; unknown keys are refused by path (strict objects).
// config/defaults.yaml mirrors these defaults and a test keeps the two equal.
import { z } from 'zod';
import { STRICT_SEMVER } from '../objects';
import { isPlacer, placerNames, unknownPlacerMessage } from '../placement';

const positiveInt = (): z.ZodInt => z.int().positive();
const nonNegativeInt = (): z.ZodInt => z.int().nonnegative();

/**
 * placement.placer: a placer registered when the config is parsed (the registry is open: tests and
 * extensions register theirs before loading). The JSON Schema lists the built-in ones.
 */
const placerSchema = z
  .string()
  .refine(isPlacer, { error: (issue) => unknownPlacerMessage(String(issue.input), placerNames()) })
  .meta({ enum: [...placerNames()] });

const weightsSchema = z
  .strictObject({
    binPacking: z.number().nonnegative().default(0.6),
    locality: z.number().nonnegative().default(0.2),
    loadBalance: z.number().nonnegative().default(0.2),
  })
  .refine((w) => w.binPacking + w.locality + w.loadBalance > 0, { message: 'weights must sum to more than 0' });

const templateSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a template name is 1-63 of [A-Za-z0-9._-]'),
  license: z.enum(['personal', 'enterprise', 'evaluation', 'none']),
  cmlVersion: z.string().regex(STRICT_SEMVER, 'must be a strict semver version such as 2.10.0'),
  nodeDefinitions: z.array(z.string().min(1)).default([]),
  region: z.string().min(1).optional(),
  capacity: z.strictObject({
    cpuCores: z.number().positive(),
    memoryGb: z.number().positive(),
    storageGb: z.number().positive(),
    nodes: z.number().positive().optional(),
    ports: z.number().positive().optional(),
  }),
  // v1.1 (contract §4, §5): seconds from a scale-up request to the new worker RUNNING. 0 is allowed
  // (a warm pool: a new worker counts as running from its key's creation).
  bootSeconds: nonNegativeInt().default(1200),
});

export const configSchema = z.strictObject({
  leaderElection: z
    .strictObject({ leaseTtlSeconds: z.int().min(2).max(3600).default(15) })
    .prefault({}),
  reconcile: z
    .strictObject({
      resyncIntervalSeconds: positiveInt().default(30),
      workers: z.int().min(1).max(1024).default(4),
    })
    .prefault({}),
  requeue: z
    .strictObject({
      baseDelayMs: positiveInt().default(500),
      maxDelayMs: positiveInt().default(300_000),
    })
    .prefault({})
    .refine((r) => r.baseDelayMs <= r.maxDelayMs, { message: 'baseDelayMs must not exceed maxDelayMs' }),
  controlPlane: z
    .strictObject({
      timeoutMs: positiveInt().default(5_000),
      qps: z.number().positive().default(200),
      burst: positiveInt().default(400),
    })
    .prefault({}),
  reports: z.strictObject({ minIntervalSeconds: nonNegativeInt().default(60) }).prefault({}),
  placement: z
    .strictObject({
      placer: placerSchema.default('default'),
      weights: weightsSchema.prefault({}),
      percentageOfWorkersToScore: z.number().gt(0).max(100).default(100),
      paused: z.boolean().default(false),
      dryRun: z.boolean().default(false),
    })
    .prefault({}),
  timeslot: z
    .strictObject({
      leadTimeMinutes: nonNegativeInt().default(35),
      minRemainingMinutes: nonNegativeInt().default(0),
    })
    .prefault({}),
  scaleUp: z
    .strictObject({
      enabled: z.boolean().default(false),
      cooldownSeconds: nonNegativeInt().default(300),
      templates: z.array(templateSchema).default([]),
    })
    .prefault({})
    .refine((s) => new Set(s.templates.map((t) => t.name)).size === s.templates.length, {
      message: 'template names must be unique',
    }),
  // v1.1 (contract §4, §5): the forecast of booked instances and the early scale-up it plans.
  forecast: z
    .strictObject({
      horizonMinutes: nonNegativeInt().default(240), // 0 turns the forecast off
      intervalSeconds: positiveInt().default(60),
      releaseAfterEndMinutes: nonNegativeInt().default(10),
      marginMinutes: nonNegativeInt().default(5),
    })
    .prefault({}),
  logging: z
    .strictObject({ level: z.enum(['error', 'warn', 'info', 'debug']).default('info') })
    .prefault({}),
});

/** The validated, defaulted configuration; frozen once loaded. */
export type SchedulerConfig = z.output<typeof configSchema>;
export type ScaleUpTemplate = SchedulerConfig['scaleUp']['templates'][number];
