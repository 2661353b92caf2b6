// Issue 17 item 4: every contract name is on /metrics before its first event, counters with their
// known label values at 0. The names and label values below are copied from contract §4 (and §3 for
// the reasons) on purpose, not read from metric-names.ts or known-series.ts: a name or value dropped
// there must fail here.
import { CONTRACT_METRICS, EXTRA_METRICS } from './metric-names';
import type { Exposition } from './testing';
import { freshPipeline, parseExposition } from './testing';

const REASONS = [
  'WorkerNotRunning', 'WorkerDraining', 'LicenseMismatch', 'PersonalLicenseInUse', 'CmlVersionMismatch', 'MissingNodeDefinition',
  'InsufficientCpu', 'InsufficientMemory', 'InsufficientStorage', 'InsufficientNodes', 'InsufficientPorts', 'RejectedByApi',
  'TimeslotMissed', 'InvalidSpec',
];
const ROUTES = ['/api/internal/instances/{id}/schedule', '/api/internal/instances/{id}/unschedulable', '/api/internal/workers/scale-up'];

type Labels = Readonly<Record<string, string>>;
const each = (label: string, values: readonly string[]): Labels[] => values.map((v) => ({ [label]: v }));

/** Contract §4, name by name: its type and the label sets that must read 0 on a fresh replica. */
const CONTRACT: ReadonlyArray<readonly [string, 'counter' | 'gauge' | 'histogram', readonly Labels[]]> = [
  ['scheduler_schedule_attempts_total', 'counter', each('result', ['scheduled', 'unschedulable', 'error'])],
  ['scheduler_scheduling_attempt_duration_seconds', 'histogram', [{}]],
  ['scheduler_e2e_scheduling_duration_seconds', 'histogram', [{}]],
  ['scheduler_pending_instances', 'gauge', each('queue', ['active', 'backoff', 'waiting_timeslot', 'unschedulable'])],
  ['workqueue_depth', 'gauge', [{}]],
  ['workqueue_retries_total', 'counter', [{}]],
  ['scheduler_is_leader', 'gauge', [{}]],
  ['scheduler_leader_changes_total', 'counter', [{}]],
  ['scheduler_malformed_values_total', 'counter', each('kind', ['instance', 'worker'])],
  ['scheduler_informer_relists_total', 'counter', [{}, ...each('reason', ['compacted', 'watch-error', 'list-error', 'drift'])]],
  ['scheduler_config_reloads_total', 'counter', each('result', ['success', 'failure'])],
  ['scheduler_unschedulable_reasons_total', 'counter', each('reason', REASONS)],
  ['http_client_request_duration_seconds', 'histogram', each('http_route', ROUTES)],
  ['scheduler_forecast_shortfall_instances', 'gauge', [{ template: '' }]],
  ['scheduler_forecast_duration_seconds', 'histogram', [{}]],
  ['scheduler_scale_up_requests_total', 'counter', ['now', 'forecast'].flatMap((trigger) => ['accepted', 'refused', 'error'].map((result) => ({ trigger, result })))],
];

/** The samples that stand for a series: a histogram's _count, _sum and +Inf bucket, or the series itself. */
function samplesOf(e: Exposition, name: string, type: string, labels: Labels): Array<number | undefined> {
  if (type !== 'histogram') return [e.value(name, labels)];
  return [e.value(`${name}_count`, labels), e.value(`${name}_sum`, labels), e.value(`${name}_bucket`, { ...labels, le: '+Inf' })];
}

describe('the series known in advance', () => {
  const t = freshPipeline();
  beforeEach(t.start);
  afterEach(t.stop);

  it('are all on the first scrape of a fresh meter, typed and at 0', async () => {
    const e = await t.scrape();
    const missing = CONTRACT.flatMap(([name, type, sets]) => [
      ...(e.types.get(name) === type ? [] : [`${name}: type ${e.types.get(name) ?? 'none'}, want ${type}`]),
      ...sets.flatMap((labels) => samplesOf(e, name, type, labels).some((v) => v !== 0) ? [`${name}${JSON.stringify(labels)}: ${samplesOf(e, name, type, labels).join('/')}`] : []),
    ]);
    expect(missing).toEqual([]);
  });

  it('name every contract metric of metric-names.ts in the list above', () => {
    expect(Object.values(CONTRACT_METRICS).sort()).toEqual(CONTRACT.map(([name]) => name).sort());
  });

  it('include our own metrics, each with help text', async () => {
    const text = await t.prometheus.scrape();
    const e = parseExposition(text);
    for (const name of Object.values(EXTRA_METRICS)) {
      const type = e.types.get(name);
      const shown = type === 'histogram' ? e.value(`${name}_count`) : e.value(name);
      expect([name, type !== undefined, shown]).toEqual([name, true, 0]);
    }
    const helpless = text.split('\n').filter((l) => /^# HELP \S+\s*(description missing)?$/.test(l));
    expect(helpless).toEqual([]);
  });

  it('give way to the real series of the same labels, and stay at 0 for the others', async () => {
    t.m.config.reloaded('failure');
    t.m.scheduler.attempt('scheduled', 1);
    t.m.scheduler.attempt('scheduled', 1);
    const e = await t.scrape();
    expect([e.value('scheduler_config_reloads_total', { result: 'failure' }), e.value('scheduler_config_reloads_total', { result: 'success' })]).toEqual([1, 0]);
    expect(e.samples.filter((s) => s.name === 'scheduler_scheduling_attempt_duration_seconds_count')).toEqual([
      { name: 'scheduler_scheduling_attempt_duration_seconds_count', labels: {}, value: 2 },
    ]);
    expect(e.value('scheduler_schedule_attempts_total', { result: 'error' })).toBe(0);
  });

  it('drop a route\'s zero series once that route has an answer with its status code', async () => {
    t.m.client.recordRequest({ method: 'POST', route: '/api/internal/workers/scale-up', statusCode: 202, errorType: undefined, durationSeconds: 0.01 });
    const e = await t.scrape();
    const series = e.samples.filter((s) => s.name === 'http_client_request_duration_seconds_count').map((s) => [s.labels['http_route'], s.labels['http_response_status_code'], s.value]);
    expect(series).toEqual(expect.arrayContaining([
      ['/api/internal/workers/scale-up', '202', 1],
      ['/api/internal/instances/{id}/schedule', undefined, 0],
      ['/api/internal/instances/{id}/unschedulable', undefined, 0],
    ]));
    expect(series).toHaveLength(3);
  });

  it('keep template="" at 0 beside the templates the forecast reports, and a cleared template at 0', async () => {
    t.m.forecast.forecastFinished(120, { 'multi-sessions': 3 });
    const first = await t.scrape();
    t.m.forecast.forecastFinished(80, { small: 1 });
    const second = await t.scrape();
    expect([first.value('scheduler_forecast_shortfall_instances', { template: 'multi-sessions' }), first.value('scheduler_forecast_shortfall_instances', { template: '' })]).toEqual([3, 0]);
    expect(['multi-sessions', 'small', ''].map((template) => second.value('scheduler_forecast_shortfall_instances', { template }))).toEqual([0, 1, 0]);
    expect([second.value('scheduler_forecast_duration_seconds_count'), second.value('scheduler_forecast_duration_seconds_sum')]).toEqual([2, 0.2]);
  });

  it('show the uncovered shortfall unlabelled at 0, then by template, a cleared template at 0', async () => {
    const fresh = await t.scrape();
    t.m.forecast.uncovered({ multi: 4, small: 0 });
    const first = await t.scrape();
    t.m.forecast.uncovered({});
    const cleared = await t.scrape();
    const name = 'scheduler_forecast_uncovered_shortfall_instances';
    expect(fresh.value(name, {})).toBe(0);
    expect(['multi', 'small'].map((template) => first.value(name, { template }))).toEqual([4, 0]);
    expect(['multi', 'small'].map((template) => cleared.value(name, { template }))).toEqual([0, 0]);
  });

  it('count scale-up calls by trigger and result', async () => {
    t.m.scaleUp.requested('forecast', 'accepted');
    t.m.scaleUp.requested('now', 'refused');
    t.m.scaleUp.requested('forecast', 'accepted');
    const e = await t.scrape();
    expect([
      e.value('scheduler_scale_up_requests_total', { trigger: 'forecast', result: 'accepted' }),
      e.value('scheduler_scale_up_requests_total', { trigger: 'now', result: 'refused' }),
      e.value('scheduler_scale_up_requests_total', { trigger: 'now', result: 'accepted' }),
    ]).toEqual([2, 1, 0]);
  });
});
