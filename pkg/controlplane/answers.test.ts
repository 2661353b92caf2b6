import { classifyAnswer } from './answers';
import type { AnswerContext } from './answers';
import { ScaleUpAcceptedSchema, ScheduleAcceptedSchema } from './bodies';
import type { RouteName } from './errors';

const NOW = Date.parse('2026-11-27T10:00:00Z');

function ctx(route: RouteName): AnswerContext {
  return { site: { route, instanceId: route === 'scaleUp' ? undefined : 'li-1' }, fencingToken: '42', template: 'multi', nowMs: NOW };
}

const accepted = JSON.stringify({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: 9 });
const conflict = (reason: string): string => JSON.stringify({ reason, phase: 'RUNNING', workerId: 'w-2', modRevision: 17 });

/** A compact view of a result: kind, error code, and the fields a caller branches on. */
function summary(route: RouteName, status: number, body: string, retryAfter?: string): unknown {
  const answer = { status, body, retryAfter };
  const result = route === 'scaleUp' ? classifyAnswer(ScaleUpAcceptedSchema, ctx(route), answer) : classifyAnswer(ScheduleAcceptedSchema, ctx(route), answer);
  if (result.kind === 'ok') return { kind: 'ok', value: result.value };
  const e = result.error as unknown as Record<string, unknown>;
  const fields = ['reason', 'phase', 'workerId', 'modRevision', 'status', 'retryAfterMs', 'fencingToken', 'template']
    .filter((f) => e[f] !== undefined)
    .map((f) => [f, e[f]]);
  return { kind: result.kind, code: e['code'], retriable: e['isRetriable'], ...Object.fromEntries(fields) };
}

describe('classifyAnswer', () => {
  it.each<[string, RouteName, number, string, string | undefined, unknown]>([
    ['200 with the accepted body', 'schedule', 200, accepted, undefined,
      { kind: 'ok', value: { instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: 9 } }],
    ['202 to scale-up', 'scaleUp', 202, '{"requestId":"r1"}', undefined, { kind: 'ok', value: { requestId: 'r1' } }],
    // Contract §2 v1.1: any 2xx is a definite success whatever its body.
    ['200 with no body', 'schedule', 200, '', undefined, { kind: 'ok', value: {} }],
    ['204 to a report', 'unschedulable', 204, '', undefined, { kind: 'ok', value: {} }],
    ['202 with no body to scale-up', 'scaleUp', 202, '', undefined, { kind: 'ok', value: {} }],
    ['200 with {}', 'schedule', 200, '{}', undefined, { kind: 'ok', value: {} }],
    ['200 that is not JSON (a proxy page)', 'schedule', 200, '<html>ok</html>', undefined, { kind: 'ok', value: {} }],
    ['200 with a JSON array', 'schedule', 200, '[1]', undefined, { kind: 'ok', value: {} }],
    ['200 with some fields, one invalid, and fields of its own', 'schedule', 200,
      '{"instanceId":"li-1","modRevision":-3,"phase":"SCHEDULED","etag":"x"}', undefined,
      { kind: 'ok', value: { instanceId: 'li-1', phase: 'SCHEDULED' } }],
    ['401', 'schedule', 401, '', undefined, { kind: 'failed', code: 'Unauthorized', retriable: false, status: 401 }],
    ['403', 'unschedulable', 403, '{}', undefined, { kind: 'failed', code: 'Unauthorized', retriable: false, status: 403 }],
    ['404 InstanceNotFound', 'schedule', 404, '{"reason":"InstanceNotFound"}', undefined,
      { kind: 'failed', code: 'NotFound', retriable: false, reason: 'InstanceNotFound' }],
    ['404 WorkerNotFound', 'schedule', 404, '{"reason":"WorkerNotFound"}', undefined,
      { kind: 'failed', code: 'NotFound', retriable: false, reason: 'WorkerNotFound' }],
    ['404 without a reason (wrong base URL)', 'schedule', 404, 'Not Found', undefined,
      { kind: 'failed', code: 'UnexpectedResponse', retriable: false, status: 404 }],
    ['409 StaleFencingToken', 'schedule', 409, conflict('StaleFencingToken'), undefined,
      { kind: 'failed', code: 'StaleFencingToken', retriable: false, fencingToken: '42' }],
    ['409 NotPending', 'schedule', 409, conflict('NotPending'), undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'NotPending', phase: 'RUNNING', workerId: 'w-2', modRevision: 17 }],
    ['409 StaleRevision', 'schedule', 409, conflict('StaleRevision'), undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'StaleRevision', phase: 'RUNNING', workerId: 'w-2', modRevision: 17 }],
    ['409 WorkerNotAvailable', 'schedule', 409, conflict('WorkerNotAvailable'), undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'WorkerNotAvailable', phase: 'RUNNING', workerId: 'w-2', modRevision: 17 }],
    ['409 InsufficientCapacity', 'schedule', 409, conflict('InsufficientCapacity'), undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'InsufficientCapacity', phase: 'RUNNING', workerId: 'w-2', modRevision: 17 }],
    // Contract §2 v1.1: a 409 with only its reason is read as fully as a full one.
    ['409 with only its reason', 'schedule', 409, '{"reason":"NotPending"}', undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'NotPending' }],
    ['409 StaleRevision with only its reason', 'schedule', 409, '{"reason":"StaleRevision"}', undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'StaleRevision' }],
    ['409 with a reason and an invalid modRevision', 'schedule', 409, '{"reason":"InsufficientCapacity","modRevision":"7","phase":"PENDING"}', undefined,
      { kind: 'failed', code: 'PlacementConflict', retriable: false, reason: 'InsufficientCapacity', phase: 'PENDING' }],
    ['bare 409 StaleFencingToken to schedule', 'schedule', 409, '{"reason":"StaleFencingToken"}', undefined,
      { kind: 'failed', code: 'StaleFencingToken', retriable: false, fencingToken: '42' }],
    ['bare 409 StaleFencingToken to a report', 'unschedulable', 409, '{"reason":"StaleFencingToken"}', undefined,
      { kind: 'failed', code: 'StaleFencingToken', retriable: false, fencingToken: '42' }],
    ['409 with an unknown reason', 'schedule', 409, '{"reason":"Busy"}', undefined,
      { kind: 'failed', code: 'UnexpectedResponse', retriable: false, status: 409 }],
    ['409 with no body', 'unschedulable', 409, '', undefined,
      { kind: 'failed', code: 'UnexpectedResponse', retriable: false, status: 409 }],
    ['404 with an unknown reason', 'unschedulable', 404, '{"reason":"Gone"}', undefined,
      { kind: 'failed', code: 'UnexpectedResponse', retriable: false, status: 404 }],
    ['410, a 4xx outside the contract', 'schedule', 410, '', undefined,
      { kind: 'failed', code: 'UnexpectedResponse', retriable: false, status: 410 }],
    ['409 ScaleUpRefused', 'scaleUp', 409, '{"reason":"ScaleUpRefused"}', undefined,
      { kind: 'failed', code: 'ScaleUpRefused', retriable: false, template: 'multi' }],
    ['409 StaleFencingToken to scale-up', 'scaleUp', 409, '{"reason":"StaleFencingToken"}', undefined,
      { kind: 'failed', code: 'StaleFencingToken', retriable: false, fencingToken: '42' }],
    ['429 with Retry-After seconds', 'schedule', 429, '', '7', { kind: 'retry', code: 'ServerBusy', retriable: true, status: 429, retryAfterMs: 7_000 }],
    ['503 with an HTTP date', 'schedule', 503, '', 'Fri, 27 Nov 2026 10:00:02 GMT',
      { kind: 'retry', code: 'ServerBusy', retriable: true, status: 503, retryAfterMs: 2_000 }],
    ['503 without Retry-After', 'schedule', 503, '', undefined, { kind: 'retry', code: 'ServerBusy', retriable: true, status: 503 }],
    ['500 ignores Retry-After', 'schedule', 500, '{"reason":"x"}', '5', { kind: 'retry', code: 'ServerBusy', retriable: true, status: 500 }],
    ['502 from a proxy', 'unschedulable', 502, '<html/>', undefined, { kind: 'retry', code: 'ServerBusy', retriable: true, status: 502 }],
    ['400 with issues', 'schedule', 400, '{"reason":"InvalidRequest","issues":["workerId: bad"]}', undefined,
      { kind: 'failed', code: 'InvalidRequest', retriable: false, status: 400 }],
    ['a redirect', 'schedule', 302, '', undefined, { kind: 'failed', code: 'UnexpectedResponse', retriable: false, status: 302 }],
  ])('classifies %s', (_name, route, status, body, retryAfter, expected) => {
    expect(summary(route, status, body, retryAfter)).toEqual(expected);
  });

  it('keeps the server\'s issues on a 400', () => {
    const result = classifyAnswer(ScheduleAcceptedSchema, ctx('schedule'), { status: 400, body: '{"reason":"InvalidRequest","issues":["workerId: bad"]}', retryAfter: undefined });
    expect(result.kind === 'failed' && 'issues' in result.error ? result.error.issues : undefined).toEqual(['workerId: bad']);
  });
});
