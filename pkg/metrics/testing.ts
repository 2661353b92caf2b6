// Test helpers for the metrics pipeline (test-only; not exported from index.ts): the Prometheus text
// format read back into samples, to assert on what /metrics serves, and a fresh pipeline per test.
import { OtelMetrics } from './metrics';
import type { PrometheusMetrics } from './prometheus';
import { startPrometheusMetrics } from './prometheus';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** Metric family name -> Prometheus type (counter, gauge, histogram). */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The sum of the samples named `name` whose labels include `labels` (undefined when none match). */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined;
}

/** Parses the Prometheus text format as our exporter writes it (no escaped quotes in label values). */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[key!] = value!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return {
    types,
    samples,
    value(name, want = {}) {
      const matching = samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
      return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
    },
  };
}

/** A pipeline and its OtelMetrics, fresh at each start() (call it in beforeEach, stop() in afterEach), with its scrape parsed. */
export interface FreshPipeline {
  readonly prometheus: PrometheusMetrics;
  readonly m: OtelMetrics;
  start(): Promise<void>;
  stop(): Promise<void>;
  scrape(): Promise<Exposition>;
}

export function freshPipeline(): FreshPipeline {
  let current: { prometheus: PrometheusMetrics; m: OtelMetrics } | undefined;
  const get = () => {
    if (current === undefined) throw new Error('freshPipeline: used before start()');
    return current;
  };
  return {
    get prometheus() { return get().prometheus; },
    get m() { return get().m; },
    start: async () => {
      const prometheus = await startPrometheusMetrics();
      current = { prometheus, m: new OtelMetrics(prometheus.meter) };
    },
    stop: () => get().prometheus.shutdown(),
    scrape: async () => parseExposition(await get().prometheus.scrape()),
  };
}
