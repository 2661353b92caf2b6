// Known series at 0 until their first event (see ./known-series.ts for which). The OpenTelemetry SDK
// exports an instrument only once it holds a data point: a counter could be given one with add(0),
// but a histogram cannot be given a point with no observation. So the filling happens in one place,
// on the collected data before it is rendered: a CatalogingMeter remembers each instrument created on
// it (name, kind, description, unit, buckets), and withKnownSeries() adds a zero point (a counter or
// gauge at 0, a histogram with every bucket, _sum and _count at 0) for each known label set that no
// collected point covers yet, as Prometheus' own client libraries expose a fresh series.
// The SDK's enums come in as an argument: ./prometheus.ts loads the SDK only on start.
import { ValueType } from '@opentelemetry/api';
import type {
  Attributes, BatchObservableCallback, Counter, Gauge, HrTime, Histogram, Meter, MetricAttributes, MetricOptions, Observable,
  ObservableCounter, ObservableGauge, ObservableUpDownCounter, UpDownCounter,
} from '@opentelemetry/api';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram as HistogramValue, MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';

/** The part of @opentelemetry/sdk-metrics the fill uses (its enums). */
export type SdkEnums = Pick<typeof SdkMetrics, 'AggregationTemporality' | 'DataPointType'>;

export type InstrumentKind = 'counter' | 'upDownCounter' | 'gauge' | 'histogram';

export interface InstrumentInfo {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly description: string;
  readonly unit: string;
  readonly valueType: ValueType;
  /** Histograms: the explicit bucket boundaries (undefined when the SDK's defaults apply). */
  readonly boundaries: readonly number[] | undefined;
}

/** A Meter that remembers each instrument created on it, in creation order; it creates nothing itself. */
export class CatalogingMeter implements Meter {
  private readonly catalog = new Map<string, InstrumentInfo>();

  constructor(private readonly inner: Meter) {}

  /** Every instrument created so far, in creation order. */
  instruments(): readonly InstrumentInfo[] {
    return [...this.catalog.values()];
  }

  createCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): Counter<A> {
    this.note(name, 'counter', options);
    return this.inner.createCounter<A>(name, options);
  }

  createUpDownCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): UpDownCounter<A> {
    this.note(name, 'upDownCounter', options);
    return this.inner.createUpDownCounter<A>(name, options);
  }

  createGauge<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): Gauge<A> {
    this.note(name, 'gauge', options);
    return this.inner.createGauge<A>(name, options);
  }

  createHistogram<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): Histogram<A> {
    this.note(name, 'histogram', options);
    return this.inner.createHistogram<A>(name, options);
  }

  createObservableCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): ObservableCounter<A> {
    this.note(name, 'counter', options);
    return this.inner.createObservableCounter<A>(name, options);
  }

  createObservableUpDownCounter<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): ObservableUpDownCounter<A> {
    this.note(name, 'upDownCounter', options);
    return this.inner.createObservableUpDownCounter<A>(name, options);
  }

  createObservableGauge<A extends MetricAttributes = MetricAttributes>(name: string, options?: MetricOptions): ObservableGauge<A> {
    this.note(name, 'gauge', options);
    return this.inner.createObservableGauge<A>(name, options);
  }

  addBatchObservableCallback<A extends MetricAttributes = MetricAttributes>(callback: BatchObservableCallback<A>, observables: Observable<A>[]): void {
    this.inner.addBatchObservableCallback(callback, observables);
  }

  removeBatchObservableCallback<A extends MetricAttributes = MetricAttributes>(callback: BatchObservableCallback<A>, observables: Observable<A>[]): void {
    this.inner.removeBatchObservableCallback(callback, observables);
  }

  private note(name: string, kind: InstrumentKind, options: MetricOptions | undefined): void {
    if (this.catalog.has(name)) return;
    this.catalog.set(name, {
      name,
      kind,
      description: options?.description ?? '',
      unit: options?.unit ?? '',
      valueType: options?.valueType ?? ValueType.DOUBLE,
      boundaries: options?.advice?.explicitBucketBoundaries,
    });
  }
}

/**
 * The collected data with a zero point added for each known label set of each catalogued instrument
 * that no collected point covers (covers: has every label of the set, with the same value). The
 * instruments of `scopeName` come out in creation order; other scopes are left as they are.
 */
export function withKnownSeries(
  sdk: SdkEnums,
  collected: ResourceMetrics,
  scopeName: string,
  instruments: readonly InstrumentInfo[],
  known: Readonly<Record<string, readonly Attributes[]>>,
  at: HrTime,
): ResourceMetrics {
  const ours = collected.scopeMetrics.find((s) => s.scope.name === scopeName);
  const byName = new Map((ours?.metrics ?? []).map((m) => [m.descriptor.name, m] as const));
  const metrics: MetricData[] = [];
  for (const info of instruments) {
    const filled = withZeroPoints(sdk, byName.get(info.name) ?? emptyData(sdk, info), info, known[info.name] ?? [], at);
    byName.delete(info.name);
    if (filled.dataPoints.length > 0) metrics.push(filled);
  }
  metrics.push(...byName.values());
  const scope: ScopeMetrics = { scope: ours?.scope ?? { name: scopeName }, metrics };
  const others = collected.scopeMetrics.filter((s) => s !== ours);
  return { resource: collected.resource, scopeMetrics: [scope, ...others] };
}

function covers(point: Attributes, known: Attributes): boolean {
  return Object.entries(known).every(([label, value]) => point[label] === value);
}

function withZeroPoints({ DataPointType }: SdkEnums, data: MetricData, info: InstrumentInfo, known: readonly Attributes[], at: HrTime): MetricData {
  const missing = known.filter((labels) => !data.dataPoints.some((p: DataPoint<unknown>) => covers(p.attributes, labels)));
  if (missing.length === 0) return data;
  const point = <T>(value: T) => (attributes: Attributes): DataPoint<T> => ({ startTime: at, endTime: at, attributes, value });
  switch (data.dataPointType) {
    case DataPointType.SUM:
    case DataPointType.GAUGE:
      return { ...data, dataPoints: [...data.dataPoints, ...missing.map(point(0))] };
    case DataPointType.HISTOGRAM: {
      if (info.boundaries === undefined) return data;
      const boundaries = [...info.boundaries];
      const zeros = missing.map((attributes) => point<HistogramValue>({
        buckets: { boundaries, counts: new Array<number>(boundaries.length + 1).fill(0) }, sum: 0, count: 0,
      })(attributes));
      return { ...data, dataPoints: [...data.dataPoints, ...zeros] };
    }
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return data;
  }
}

/** The shape an instrument's data takes once it has points (cumulative, as the Prometheus reader asks). */
function emptyData({ AggregationTemporality, DataPointType }: SdkEnums, info: InstrumentInfo): MetricData {
  const descriptor = { name: info.name, description: info.description, unit: info.unit, valueType: info.valueType };
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  switch (info.kind) {
    case 'counter':
    case 'upDownCounter':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, isMonotonic: info.kind === 'counter', dataPoints: [] };
    case 'gauge':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints: [] };
    case 'histogram':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: [] };
  }
}
