// The development-only endpoints under /dev/ (tests and the demo): write workers and instances, move
// an instance's phase, read reports, scale-up requests, allocations and counters, and set faults.
// They need the API key too when one is configured.
import { z } from 'zod';
import { INSTANCE_PHASES } from '../../pkg/objects';
import type { AnswerMode, ApiAnswer } from './answers';
import { ANSWER_MODES, failure, ok } from './answers';
import { invalid, parse } from './api-routes';
import type { FaultKnobs } from './faults';
import { FaultSettingsSchema } from './faults';
import type { DevObjects } from './objects';
import type { ReportBook, ScaleUpAnswer } from './reports';

export interface DevState {
  readonly objects: DevObjects;
  readonly reports: ReportBook;
  readonly faults: FaultKnobs;
  counts(): Record<string, Record<string, number>>;
  resetCounts(): void;
  setScaleUpAnswer(answer: ScaleUpAnswer): void;
  setAnswerMode(mode: AnswerMode): void;
}

const PhaseChangeSchema = z.object({ phase: z.enum(INSTANCE_PHASES), workerId: z.string().nullable().optional() });
const ScaleUpAnswerSchema = z.object({ answer: z.enum(['accept', 'refuse']) });
const AnswerModeSchema = z.object({ mode: z.enum(ANSWER_MODES) });

type Handler = (state: DevState, id: string, body: string) => Promise<ApiAnswer> | ApiAnswer;

const ROUTES: ReadonlyArray<readonly [method: string, pattern: RegExp, handler: Handler]> = [
  ['PUT', /^\/dev\/workers\/([^/]+)$/, async (s, id, body) => revision(await s.objects.putWorker(body, id))],
  ['DELETE', /^\/dev\/workers\/([^/]+)$/, async (s, id) => revision(await s.objects.deleteWorker(id))],
  ['PUT', /^\/dev\/instances\/([^/]+)$/, async (s, id, body) => revision(await s.objects.putInstance(body, id))],
  ['DELETE', /^\/dev\/instances\/([^/]+)$/, async (s, id) => revision(await s.objects.deleteInstance(id))],
  ['POST', /^\/dev\/instances\/([^/]+)\/phase$/, async (s, id, body) => {
    const change = parse(PhaseChangeSchema, body);
    if (!change.ok) return change.answer;
    return revision(await s.objects.setPhase(id, change.value.phase, change.value.workerId));
  }],
  ['GET', /^\/dev\/instances\/([^/]+)\/report$/, async (s, id) => {
    const report = await s.reports.report(id);
    return report === undefined ? failure(404, 'ReportNotFound') : ok(200, report);
  }],
  ['GET', /^\/dev\/scale-ups$/, async (s) => ok(200, await s.reports.scaleUps())],
  ['PUT', /^\/dev\/scale-up-answer$/, (s, _id, body) => {
    const answer = parse(ScaleUpAnswerSchema, body);
    if (!answer.ok) return answer.answer;
    s.setScaleUpAnswer(answer.value.answer);
    return ok(200, answer.value);
  }],
  ['PUT', /^\/dev\/answer-mode$/, (s, _id, body) => {
    const mode = parse(AnswerModeSchema, body);
    if (!mode.ok) return mode.answer;
    s.setAnswerMode(mode.value.mode);
    return ok(200, mode.value);
  }],
  ['GET', /^\/dev\/allocations\/([^/]+)$/, async (s, id) => ok(200, await s.objects.allocation(id))],
  ['POST', /^\/dev\/allocations\/rebuild$/, async (s) => {
    await s.objects.rebuildAllocations();
    return ok(200, {});
  }],
  ['GET', /^\/dev\/counters$/, (s) => ok(200, s.counts())],
  ['DELETE', /^\/dev\/counters$/, (s) => {
    s.resetCounts();
    return ok(200, {});
  }],
  ['GET', /^\/dev\/faults$/, (s) => ok(200, s.faults.describe())],
  ['PUT', /^\/dev\/faults$/, (s, _id, body) => {
    const settings = parse(FaultSettingsSchema, body);
    if (!settings.ok) return settings.answer;
    s.faults.set(settings.value);
    return ok(200, s.faults.describe());
  }],
  ['DELETE', /^\/dev\/faults$/, (s) => {
    s.faults.clear();
    return ok(200, s.faults.describe());
  }],
  ['POST', /^\/dev\/faults\/hold-next-schedule$/, (s) => {
    s.faults.holdNextSchedule();
    return ok(200, s.faults.describe());
  }],
  ['POST', /^\/dev\/faults\/release$/, (s) => {
    s.faults.releaseAll();
    return ok(200, s.faults.describe());
  }],
];

/** The answer of a /dev/ request, or undefined when no route matches. */
export async function handleDevCall(state: DevState, method: string, path: string, body: string): Promise<ApiAnswer | undefined> {
  for (const [routeMethod, pattern, handler] of ROUTES) {
    const match = pattern.exec(path);
    if (match === null || routeMethod !== method) continue;
    try {
      return await handler(state, decodeURIComponent(match[1] ?? ''), body);
    } catch (err: unknown) {
      return err instanceof TypeError || err instanceof SyntaxError ? invalid([err.message]) : failure(500, 'DevCallFailed', err instanceof Error ? err.message : String(err));
    }
  }
  return undefined;
}

function revision(value: number): ApiAnswer {
  return ok(200, { revision: value });
}
