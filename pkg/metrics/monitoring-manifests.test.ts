// The dashboard and alert rules of manifests/monitoring/ (issue 11) read only series this package
// registers, with labels those series carry: every query is parsed for the metric names and label
// names it uses, which are compared with a scrape of OtelMetrics after each hook has fired once.
// Each alert also needs a firing and a quiet case in tests/alerts.test.yaml (issue 17), which
// e2e/prometheus.e2e.test.ts runs with promtool. (Here rather than in manifests/ because
// tsconfig.json type-checks only code folders.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_METRICS, EXTRA_METRICS } from './metric-names';
import { OtelMetrics } from './metrics';
import type { Query } from './monitoring-testing';
import { MONITORING_DIR, RULES_FILE_NAME, alertRules, alertTests, dashboardQueries, dashboardVariables } from './monitoring-testing';
import { startPrometheusMetrics } from './prometheus';
import { parseExposition } from './testing';

/** Labels Prometheus adds to every scraped series (the ServiceMonitor's target labels). */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

interface Uses {
  readonly metrics: Set<string>;
  /** Labels named in a selector, by metric. */
  readonly selectorLabels: Array<[string, string]>;
  /** Labels named in by/without/on/ignoring/group_* clauses. */
  readonly groupingLabels: Set<string>;
}

/** The metric and label names a PromQL expression uses (Grafana's variables replaced first). */
function uses(exprText: string): Uses {
  let expr = exprText.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?\w+\}?/g, 'x');
  expr = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const selectorLabels: Array<[string, string]> = [];
  expr = expr.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g, (_all, metric: string | undefined, matchers: string) => {
    for (const [, label] of matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) selectorLabels.push([metric ?? '', label!]);
    return metric ?? '';
  });
  expr = expr.replace(/\[[^\]]*\]/g, '');
  const groupingLabels = new Set<string>();
  expr = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_all, _kw: string, labels: string) => {
    for (const label of labels.split(',').map((l) => l.trim()).filter((l) => l !== '')) groupingLabels.add(label);
    return ' ';
  });
  const metrics = new Set<string>();
  for (const m of expr.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    if (!KEYWORDS.has(m[1]!.toLowerCase())) metrics.add(m[1]!);
  }
  return { metrics, selectorLabels, groupingLabels };
}

function dashboardAndVariableQueries(): Query[] {
  // label_values(metric, label) is Grafana's, not PromQL: check it as the selector metric{label=""}.
  const variables = dashboardVariables().flatMap((v) => {
    const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(v.definition ?? '');
    return m === null ? [] : [{ where: `variable ${v.name}`, expr: `${m[1]}{${m[2]}=""}` }];
  });
  return [...dashboardQueries(), ...variables];
}

function ruleQueries(): Query[] {
  return alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }));
}

/** Every series name the code exposes (histograms as their _bucket, _sum and _count), with its labels. */
async function registeredSeries(): Promise<Map<string, Set<string>>> {
  const prometheus = await startPrometheusMetrics();
  try {
    const m = new OtelMetrics(prometheus.meter);
    m.scheduler.attempt('scheduled', 1);
    m.scheduler.accepted(1);
    m.scheduler.unschedulableReasons({ InsufficientCpu: 1 });
    m.queue.setDepth(1);
    m.queue.incAdds();
    m.queue.incRetries();
    m.queue.observeQueueLatencyMs(1);
    m.queue.observeWorkDurationMs(1);
    m.runner.reconcileFinished('success', 1);
    m.client.recordRequest({ method: 'POST', route: '/api/internal/workers/scale-up', statusCode: 202, errorType: undefined, durationSeconds: 0.1 });
    m.client.recordRequest({ method: 'POST', route: '/api/internal/workers/scale-up', statusCode: undefined, errorType: 'Timeout', durationSeconds: 1 });
    m.informer.relisted('compacted');
    m.cache.malformedValue('instance');
    m.elector.leadershipChanged(true);
    m.config.reloaded('success');
    m.forecast.uncovered({ multi: 1 });
    m.watchPending(() => ({ active: 1 }));
    m.watchPaused(() => false);
    m.watchOldestPending(() => 1);
    const exposition = parseExposition(await prometheus.scrape());
    const series = new Map<string, Set<string>>();
    for (const s of exposition.samples) {
      const labels = series.get(s.name) ?? new Set<string>();
      for (const label of Object.keys(s.labels)) labels.add(label);
      series.set(s.name, labels);
    }
    return series;
  } finally {
    await prometheus.shutdown();
  }
}

describe('manifests/monitoring', () => {
  let series: Map<string, Set<string>>;
  beforeAll(async () => { series = await registeredSeries(); });

  const all = (): Query[] => [...dashboardAndVariableQueries(), ...ruleQueries()];

  it('registers every metric the contract names, and ours', () => {
    for (const name of [...Object.values(CONTRACT_METRICS), ...Object.values(EXTRA_METRICS)]) {
      expect([name, series.has(name) || series.has(`${name}_count`)]).toEqual([name, true]);
    }
  });

  it('queries only series the code exposes', () => {
    const unknown = all().flatMap((q) => [...uses(q.expr).metrics].filter((m) => !series.has(m)).map((m) => `${q.where}: ${m}`));
    expect(unknown).toEqual([]);
  });

  it('selects and groups only by labels those series carry (or Prometheus adds)', () => {
    const wrong = all().flatMap((q) => {
      const u = uses(q.expr);
      const carried = new Set([...TARGET_LABELS, ...[...u.metrics].flatMap((m) => [...(series.get(m) ?? [])])]);
      const bad = [...u.selectorLabels.filter(([, l]) => !carried.has(l)).map(([, l]) => l), ...[...u.groupingLabels].filter((l) => !carried.has(l))];
      return bad.map((l) => `${q.where}: label ${l}`);
    });
    expect(wrong).toEqual([]);
  });

  it('shows each subject of issue 11 on the dashboard', () => {
    const used = new Set(dashboardQueries().flatMap((q) => [...uses(q.expr).metrics]));
    const base = (m: string): string => m.replace(/_(bucket|sum|count)$/, '');
    const shown = new Set([...used].map(base));
    for (const name of Object.values(CONTRACT_METRICS)) expect([name, shown.has(name)]).toEqual([name, true]);
  });

  it('alerts on no leader, flapping, old pending instances, API errors, config refusals and an uncovered forecast need', () => {
    const byAlert = new Map(ruleQueries().map((q) => [q.where, uses(q.expr).metrics]));
    expect([...byAlert.keys()]).toEqual([
      'alert LabletSchedulerNoLeader', 'alert LabletSchedulerLeaderFlapping', 'alert LabletSchedulerPendingTooOld',
      'alert LabletSchedulerApiErrors', 'alert LabletSchedulerConfigRefused', 'alert LabletSchedulerForecastUncovered',
    ]);
    expect(byAlert.get('alert LabletSchedulerNoLeader')).toContain(CONTRACT_METRICS.isLeader);
    expect(byAlert.get('alert LabletSchedulerLeaderFlapping')).toContain(CONTRACT_METRICS.leaderChanges);
    expect(byAlert.get('alert LabletSchedulerPendingTooOld')).toContain(EXTRA_METRICS.oldestPending);
    expect(byAlert.get('alert LabletSchedulerApiErrors')).toContain(`${CONTRACT_METRICS.clientRequestDuration}_count`);
    expect(byAlert.get('alert LabletSchedulerConfigRefused')).toContain(CONTRACT_METRICS.configReloads);
    expect(byAlert.get('alert LabletSchedulerForecastUncovered')).toContain(EXTRA_METRICS.forecastUncovered);
  });

  it('gives every alert a promtool test case that fires it and one that does not', () => {
    // Each alert_rule_test entry is one evaluation: fired when it expects alerts, quiet when it expects none.
    const entries = alertTests().tests.flatMap((t) => t.alert_rule_test ?? []);
    const fired = new Set(entries.filter((e) => (e.exp_alerts ?? []).length > 0).map((e) => e.alertname));
    const quiet = new Set(entries.filter((e) => (e.exp_alerts ?? []).length === 0).map((e) => e.alertname));
    const alerts = alertRules().map((r) => r.alert);
    expect(alerts.filter((a) => !fired.has(a)).map((a) => `${a}: no case fires it`)).toEqual([]);
    expect(alerts.filter((a) => !quiet.has(a)).map((a) => `${a}: no case where it stays quiet`)).toEqual([]);
    expect([...fired, ...quiet].filter((a) => !alerts.includes(a)).map((a) => `${a}: tested but not in prometheus-rule.yaml`)).toEqual([]);
  });

  it('keeps the alert tests out of what kubectl applies, reading the rules promtool is given', () => {
    expect(alertTests().rule_files).toEqual([RULES_FILE_NAME]);
    expect(readFileSync(join(MONITORING_DIR, 'kustomization.yaml'), 'utf8')).not.toMatch(/tests/);
  });

  it('reads names and labels out of PromQL', () => {
    const u = uses('histogram_quantile(0.99, sum by (le, http_route) (rate(a_bucket{job="$job", x!~"2.."}[$__rate_interval]))) / on () b > 1e3 unless absent(c)');
    expect([...u.metrics].sort()).toEqual(['a_bucket', 'b', 'c']);
    expect(u.selectorLabels).toEqual([['a_bucket', 'job'], ['a_bucket', 'x']]);
    expect([...u.groupingLabels].sort()).toEqual(['http_route', 'le']);
  });
});
