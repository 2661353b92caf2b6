import { CONTRACT_METRICS as C, EXTRA_METRICS as X } from './metric-names';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus';
import { freshPipeline } from './testing';

describe('OtelMetrics on the Prometheus pipeline', () => {
  const t = freshPipeline();
  beforeEach(t.start);
  afterEach(t.stop);

  it('counts attempts by result and records their duration in sub-millisecond buckets', async () => {
    t.m.scheduler.attempt('scheduled', 0.3);
    t.m.scheduler.attempt('unschedulable', 0.04);
    t.m.scheduler.attempt('scheduled', 2);
    const e = await t.scrape();
    expect(e.value(C.scheduleAttempts, { result: 'scheduled' })).toBe(2);
    expect(e.value(C.scheduleAttempts, { result: 'unschedulable' })).toBe(1);
    expect(e.types.get(C.attemptDuration)).toBe('histogram');
    expect(e.value(`${C.attemptDuration}_bucket`, { le: '0.00005' })).toBe(1);
    expect(e.value(`${C.attemptDuration}_bucket`, { le: '0.0005' })).toBe(2);
    expect(e.value(`${C.attemptDuration}_count`)).toBe(3);
  });

  it('records end-to-end latency in seconds up to hours', async () => {
    t.m.scheduler.accepted(90_000);
    const e = await t.scrape();
    expect(e.value(`${C.e2eDuration}_bucket`, { le: '60' })).toBe(0);
    expect(e.value(`${C.e2eDuration}_bucket`, { le: '120' })).toBe(1);
    expect(e.value(`${C.e2eDuration}_bucket`, { le: '7200' })).toBe(1);
    expect(e.value(`${C.e2eDuration}_sum`)).toBe(90);
  });

  it('counts each reason once per no-fit attempt', async () => {
    t.m.scheduler.unschedulableReasons({ InsufficientMemory: 7, LicenseMismatch: 5 });
    t.m.scheduler.unschedulableReasons({ InsufficientMemory: 1, RejectedByApi: 0 });
    const e = await t.scrape();
    expect(e.value(C.unschedulableReasons, { reason: 'InsufficientMemory' })).toBe(2);
    expect(e.value(C.unschedulableReasons, { reason: 'LicenseMismatch' })).toBe(1);
    expect(e.value(C.unschedulableReasons, { reason: 'RejectedByApi' })).toBe(0); // known in advance, never counted here
  });

  it('reports the queue depth last set, and counts retries and adds', async () => {
    t.m.queue.setDepth(5);
    t.m.queue.setDepth(3);
    t.m.queue.incRetries();
    t.m.queue.incAdds();
    t.m.queue.observeQueueLatencyMs(2);
    t.m.queue.observeWorkDurationMs(20);
    t.m.runner.reconcileFinished('requeueAfter', 1);
    const e = await t.scrape();
    expect([e.value(C.workqueueDepth), e.value(C.workqueueRetries), e.value(X.workqueueAdds)]).toEqual([3, 1, 1]);
    expect([e.value(`${X.workqueueQueueDuration}_count`), e.value(`${X.workqueueWorkDuration}_count`)]).toEqual([1, 1]);
    expect(e.value(X.reconciles, { outcome: 'requeueAfter' })).toBe(1);
  });

  it('labels client requests by route template and status, or error type when no answer came', async () => {
    t.m.client.recordRequest({ method: 'POST', route: '/api/internal/instances/{id}/schedule', statusCode: 409, errorType: undefined, durationSeconds: 0.02 });
    t.m.client.recordRequest({ method: 'POST', route: '/api/internal/instances/{id}/schedule', statusCode: undefined, errorType: 'Timeout', durationSeconds: 5 });
    const e = await t.scrape();
    const route = '/api/internal/instances/{id}/schedule';
    expect(e.value(`${C.clientRequestDuration}_count`, { http_route: route, http_response_status_code: '409' })).toBe(1);
    expect(e.value(`${C.clientRequestDuration}_count`, { http_route: route, error_type: 'Timeout' })).toBe(1);
  });

  it('tracks leadership as a gauge and counts each change once', async () => {
    expect((await t.scrape()).value(C.isLeader)).toBe(0);
    t.m.elector.leadershipChanged(true);
    t.m.elector.leadershipChanged(true);
    const leading = await t.scrape();
    t.m.elector.leadershipChanged(false);
    const after = await t.scrape();
    expect([leading.value(C.isLeader), leading.value(C.leaderChanges)]).toEqual([1, 1]);
    expect([after.value(C.isLeader), after.value(C.leaderChanges)]).toEqual([0, 2]);
  });

  it('counts relists, malformed values and config reloads by their label', async () => {
    t.m.informer.relisted('compacted');
    t.m.cache.malformedValue('worker');
    t.m.config.reloaded('failure');
    const e = await t.scrape();
    expect(e.value(C.informerRelists, { reason: 'compacted' })).toBe(1);
    expect(e.value(C.malformedValues, { kind: 'worker' })).toBe(1);
    expect(e.value(C.configReloads, { result: 'failure' })).toBe(1);
  });

  it('reads pending counts, paused and the oldest pending age from their sources at each scrape', async () => {
    const pending = { active: 2, backoff: 1, waiting_timeslot: 0, unschedulable: 4 };
    let paused = false;
    t.m.watchPending(() => pending);
    t.m.watchPaused(() => paused);
    t.m.watchOldestPending(() => 42.5);
    const first = await t.scrape();
    pending.active = 0;
    paused = true;
    const second = await t.scrape();
    expect(['active', 'backoff', 'waiting_timeslot', 'unschedulable'].map((queue) => first.value(C.pendingInstances, { queue }))).toEqual([2, 1, 0, 4]);
    expect([second.value(C.pendingInstances, { queue: 'active' }), first.value(X.paused), second.value(X.paused)]).toEqual([0, 0, 1]);
    expect(first.value(X.oldestPending)).toBe(42.5);
  });

  it('serves plain series: no target_info, no scope labels', async () => {
    t.m.queue.incRetries();
    const text = await t.prometheus.scrape();
    expect(text).not.toContain('target_info');
    expect(text).not.toContain('otel_scope');
    expect(PROMETHEUS_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
