// Readers of manifests/monitoring/ for the tests that judge it (a test-only entry point, not exported
// from index.ts): pkg/metrics/monitoring-manifests.test.ts checks names and labels offline,
// e2e/prometheus.e2e.test.ts hands the same rules and queries to promtool and a real Prometheus.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

export const MONITORING_DIR = join(__dirname, '..', '..', 'manifests', 'monitoring');
/** promtool unit tests of the alerts; their rule_files entry names RULES_FILE_NAME, written beside them. */
export const ALERT_TESTS_FILE = join(MONITORING_DIR, 'tests', 'alerts.test.yaml');
export const RULES_FILE_NAME = 'lablet-scheduler.rules.yaml';

export interface Query {
  /** Where the query comes from, for messages: `panel "<title>"`, `alert <name>`, `variable <name>`. */
  readonly where: string;
  readonly expr: string;
}

interface Dashboard {
  readonly panels: ReadonlyArray<{ title: string; targets?: ReadonlyArray<{ expr: string }> }>;
  readonly templating: { list: ReadonlyArray<{ name: string; type: string; definition?: string }> };
}

function dashboard(): Dashboard {
  return JSON.parse(readFileSync(join(MONITORING_DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
}

/** Every panel target's expr, with Grafana's variables left in. */
export function dashboardQueries(): Query[] {
  return dashboard().panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
}

/** The dashboard's variables: name, type and (for query variables) Grafana's definition. */
export function dashboardVariables(): ReadonlyArray<{ name: string; type: string; definition?: string }> {
  return dashboard().templating.list;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
}

/** The `spec` of prometheus-rule.yaml (a PrometheusRule object): the groups a plain rule file holds. */
export function ruleGroups(): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  const [doc] = parseAllDocuments(readFileSync(join(MONITORING_DIR, 'prometheus-rule.yaml'), 'utf8'));
  const rule = doc?.toJS() as { kind: string; spec: { groups: Array<{ name: string; rules: AlertRule[] }> } };
  if (rule.kind !== 'PrometheusRule') throw new Error(`prometheus-rule.yaml holds a ${rule.kind}, not a PrometheusRule`);
  return { groups: rule.spec.groups };
}

/** The rule file promtool and Prometheus read, as YAML text. */
export function rulesFileText(): string {
  return stringify(ruleGroups());
}

export function alertRules(): AlertRule[] {
  return ruleGroups().groups.flatMap((g) => g.rules);
}

export interface AlertTestCase {
  readonly name: string;
  readonly alert_rule_test?: ReadonlyArray<{ alertname: string; exp_alerts?: readonly unknown[] | null }>;
}

/** tests/alerts.test.yaml, parsed. */
export function alertTests(): { rule_files: string[]; tests: AlertTestCase[] } {
  return parse(readFileSync(ALERT_TESTS_FILE, 'utf8')) as { rule_files: string[]; tests: AlertTestCase[] };
}
