// The Control Plane API's request and answer bodies (contract §2), one zod schema each, shared by the
// client (which validates what it sends and what it gets back) and the development API (which
// validates what it receives and answers with these shapes). Emitted as JSON Schemas into
// docs/schemas/ by json-schemas.ts. Unknown fields are accepted and dropped, as for etcd objects.
import { z } from 'zod';
import { ID_PATTERN, INSTANCE_PHASES } from '../objects';

/** Contract §2: a scale-up request names at most this many instances. */
export const MAX_SCALE_UP_INSTANCE_IDS = 100;
/** Contract §2 (v1.1): a scale-up asks for at most this many workers. */
export const MAX_SCALE_UP_COUNT = 100;

const objectId = z.string().regex(ID_PATTERN);
const revision = z.number().int().nonnegative();
const phase = z.enum(INSTANCE_PHASES);

// ---- requests ----

export const ScheduleRequestSchema = z.object({
  workerId: objectId.meta({ description: 'The worker chosen for the instance.' }),
  instanceRevision: revision.meta({ description: 'etcd mod revision of the instance the decision was made on.' }),
}).meta({ title: 'ScheduleRequest', description: 'POST /api/internal/instances/{id}/schedule' });
export type ScheduleRequest = z.infer<typeof ScheduleRequestSchema>;

export const UnschedulableRequestSchema = z.object({
  message: z.string().max(4096).meta({ description: '"0/N workers fit: ..." (contract §3) or "timeslot ended at <end>".' }),
  reasons: z.record(z.string().min(1), z.number().int().nonnegative()).meta({ description: 'Workers counted per reason.' }),
  attempts: z.number().int().nonnegative().optional().meta({ description: 'Placement attempts made so far.' }),
}).meta({ title: 'UnschedulableRequest', description: 'POST /api/internal/instances/{id}/unschedulable' });
export type UnschedulableRequest = z.infer<typeof UnschedulableRequestSchema>;

export const ScaleUpRequestSchema = z.object({
  template: z.string().min(1).max(253).meta({ description: 'A template named in scaleUp.templates.' }),
  reason: z.string().max(4096),
  instanceIds: z.array(objectId).min(1).max(MAX_SCALE_UP_INSTANCE_IDS)
    .refine(isStrictlyAscending, { message: 'instanceIds must be sorted ascending without repeats' })
    .meta({ description: 'Instances that would fit an empty worker of the template; sorted ascending (byte order) without repeats, at most 100.' }),
  count: z.number().int().min(1).max(MAX_SCALE_UP_COUNT).optional()
    .meta({ description: 'How many workers of the template to add (v1.1); 1 when absent.' }),
}).meta({ title: 'ScaleUpRequest', description: 'POST /api/internal/workers/scale-up, with an Idempotency-Key header' });
export type ScaleUpRequest = z.infer<typeof ScaleUpRequestSchema>;

// ---- answers ----

export const ScheduleAcceptedSchema = z.object({
  instanceId: objectId,
  workerId: objectId,
  phase: phase.meta({ description: 'SCHEDULED, or a later phase when this was a retry of a committed call.' }),
  modRevision: revision.meta({ description: 'The instance key\'s mod revision after the call.' }),
}).meta({ title: 'ScheduleAccepted', description: 'What the development API answers 200 to schedule. Contract §2 (v1.1) requires no success body: the scheduler reads each field only where present and valid.' });
export type ScheduleAccepted = z.infer<typeof ScheduleAcceptedSchema>;

export const UnschedulableRecordedSchema = z.object({
  instanceId: objectId,
}).meta({ title: 'UnschedulableRecorded', description: 'What the development API answers 200 to unschedulable. Contract §2 (v1.1) requires no success body.' });
export type UnschedulableRecorded = z.infer<typeof UnschedulableRecordedSchema>;

export const ScaleUpAcceptedSchema = z.object({
  requestId: z.string().min(1).meta({ description: 'The API\'s id for the request; the same for a repeated Idempotency-Key.' }),
}).meta({ title: 'ScaleUpAccepted', description: 'What the development API answers 202 to scale-up. Contract §2 (v1.1) requires no success body.' });
export type ScaleUpAccepted = z.infer<typeof ScaleUpAcceptedSchema>;

export const NOT_FOUND_REASONS = ['InstanceNotFound', 'WorkerNotFound'] as const;
export type NotFoundReason = (typeof NOT_FOUND_REASONS)[number];

export const NotFoundAnswerSchema = z.object({
  reason: z.enum(NOT_FOUND_REASONS),
  message: z.string().optional(),
}).meta({ title: 'NotFoundAnswer', description: '404 answer to the instance calls' });
export type NotFoundAnswer = z.infer<typeof NotFoundAnswerSchema>;

export const PLACEMENT_CONFLICT_REASONS = ['NotPending', 'StaleRevision', 'WorkerNotAvailable', 'InsufficientCapacity'] as const;
export type PlacementConflictReason = (typeof PLACEMENT_CONFLICT_REASONS)[number];

export const InstanceConflictAnswerSchema = z.object({
  reason: z.enum(['StaleFencingToken', ...PLACEMENT_CONFLICT_REASONS]),
  phase,
  workerId: objectId.nullable(),
  modRevision: revision,
  message: z.string().optional(),
}).meta({ title: 'InstanceConflictAnswer', description: '409 answer to schedule and unschedulable: the reason and the instance as it is now. An API should send every field; the scheduler requires only reason (contract §2, v1.1).' });
export type InstanceConflictAnswer = z.infer<typeof InstanceConflictAnswerSchema>;

export const ScaleUpConflictAnswerSchema = z.object({
  reason: z.enum(['StaleFencingToken', 'ScaleUpRefused']),
  message: z.string().optional(),
}).meta({ title: 'ScaleUpConflictAnswer', description: '409 answer to scale-up' });
export type ScaleUpConflictAnswer = z.infer<typeof ScaleUpConflictAnswerSchema>;

export const ErrorAnswerSchema = z.object({
  reason: z.string().min(1).meta({ description: 'Unauthorized, InvalidRequest, TooManyRequests, Unavailable, ...' }),
  message: z.string().optional(),
  issues: z.array(z.string()).optional().meta({ description: 'What was wrong with the request (400).' }),
}).meta({ title: 'ErrorAnswer', description: 'Any other non-2xx answer (400, 401, 429, 5xx)' });
export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;

function isStrictlyAscending(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) {
    if (compareBytes(ids[i - 1] ?? '', ids[i] ?? '') >= 0) return false;
  }
  return true;
}

/** Byte order of the UTF-8 encodings (ids are ASCII by the pattern, so code-unit order is byte order). */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first message of each zod issue, with its path, for error answers and InvalidRequestError. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
}
