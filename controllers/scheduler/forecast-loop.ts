// The forecast on the leader (contract §5, issue 19): one run at the start of each term, then every
// forecast.intervalSeconds and after a configuration change (poke), none while horizonMinutes is 0.
// It keeps the last result for GET /debug/forecast and acts on its plan: with scaleUp.enabled, not
// paused and not a dry run, each template need whose requestAt has come is asked for once, with the
// §5 reason and Idempotency-Key. An accepted request counts as booting workers in later forecasts; a
// refused one is shown and counted, and asked again only by a later forecast. The reactive scale-up
// (scale-up.ts) and this loop see each other's requests: a forecast request starts the reactive
// cooldown for its template, and no forecast request leaves while a reactive one for it is on its way.
// After acting it reports the uncovered shortfall (uncoveredByTemplate below) for the alert.
import type { Clock } from '../../pkg/clock';
import type { SchedulerConfig } from '../../pkg/config';
import type { ControlPlaneClient } from '../../pkg/controlplane';
import { isCallAborted, isScaleUpRefused, isStaleFencingToken } from '../../pkg/controlplane';
import type { Term } from '../../pkg/leaderelection';
import type { Logger } from '../../pkg/observability';
import { NOOP_LOGGER } from '../../pkg/observability';
import type { ForecastResult, Forecaster } from './forecast';
import type { TemplateNeed } from './forecast-plan';
import { scaleUpRequestOf } from './forecast-plan';
import type { ForecastMetrics, ScaleUpMetrics, ScaleUpResult } from './metrics';
import { NOOP_FORECAST_METRICS, NOOP_SCALE_UP_METRICS } from './metrics';

/** The body of GET /debug/forecast (contract §4). */
export interface ForecastView {
  readonly computedAt: string;
  readonly horizonEnd: string;
  readonly placed: number;
  readonly shortfalls: ReadonlyArray<{ readonly instanceId: string; readonly readyAt: string; readonly message: string; readonly reasons: Readonly<Record<string, number>> }>;
  readonly plan: ReadonlyArray<{
    readonly template: string; readonly count: number; readonly neededBy: string; readonly requestAt: string; readonly instanceIds: readonly string[];
    /** Whether the scale-up was sent, and its answer when it was. */
    readonly requested: boolean; readonly answer?: ScaleUpResult;
  }>;
}

export interface ForecastLoopOptions {
  readonly forecaster: Forecaster;
  readonly client: Pick<ControlPlaneClient, 'requestScaleUp'>;
  readonly config: () => SchedulerConfig;
  /** Ends the term at once (StaleFencingToken). */
  readonly stepDown: () => void;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly metrics?: ForecastMetrics;
  readonly scaleUpMetrics?: ScaleUpMetrics;
  /** The reactive scale-up (ScaleUpPlanner fits). Default: none. */
  readonly reactive?: { noteRequest(template: string): void; isSending(template: string): boolean };
}

export class ForecastLoop {
  private last: { readonly result: ForecastResult; readonly answers: ReadonlyMap<string, ScaleUpResult> } | undefined;
  private wake: (() => void) | undefined;
  private readonly logger: Logger;
  private readonly metrics: ForecastMetrics;

  constructor(private readonly o: ForecastLoopOptions) {
    this.logger = o.logger ?? NOOP_LOGGER;
    this.metrics = o.metrics ?? NOOP_FORECAST_METRICS;
  }

  /** Forecasts (and acts) until the term's signal aborts. */
  async lead(term: Term): Promise<void> {
    try {
      while (!term.signal.aborted) {
        const config = this.o.config();
        if (config.forecast.horizonMinutes > 0) await this.runOnce(term, config);
        else this.clear(); // turned off: no stale forecast on /debug/forecast, nothing uncovered
        const poked = new AbortController();
        this.wake = () => poked.abort();
        await this.o.clock.sleep(this.o.config().forecast.intervalSeconds * 1000, AbortSignal.any([term.signal, poked.signal]));
        this.wake = undefined;
      }
    } finally {
      this.clear(); // a standby answers with who leads, not with an old forecast
    }
  }

  private clear(): void {
    this.last = undefined;
    this.metrics.uncovered({});
  }

  /** A configuration change: forecast again now. */
  poke(): void {
    this.wake?.();
  }

  view(): ForecastView | undefined {
    if (this.last === undefined) return undefined;
    const { result, answers } = this.last;
    const iso = (ms: number): string => new Date(ms).toISOString();
    return {
      computedAt: iso(result.computedAtMs),
      horizonEnd: iso(result.horizonEndMs),
      placed: result.placed,
      shortfalls: result.shortfalls.map((s) => ({ instanceId: s.instance.id, readyAt: iso(s.readyAtMs), message: s.message, reasons: s.reasons })),
      plan: result.plan.needs.map((need) => {
        const answer = answers.get(need.template);
        return {
          template: need.template, count: need.count, neededBy: iso(need.neededByMs), requestAt: iso(need.requestAtMs), instanceIds: need.instanceIds,
          requested: answer !== undefined, ...(answer === undefined ? {} : { answer }),
        };
      }),
    };
  }

  private async runOnce(term: Term, config: SchedulerConfig): Promise<void> {
    let result: ForecastResult | undefined;
    try {
      result = await this.o.forecaster.run(term.signal);
    } catch (err: unknown) {
      this.logger.error('forecast failed', { err });
      return;
    }
    if (result === undefined) return; // the term ended during the run
    this.metrics.forecastFinished(result.durationMs, shortfallsByTemplate(result));
    const answers = new Map<string, ScaleUpResult>();
    this.last = { result, answers };
    this.logger.debug('forecast', { placed: result.placed, shortfalls: result.shortfalls.length, needs: result.plan.needs.length, durationMs: result.durationMs });
    await this.act(result, answers, term, config);
    this.metrics.uncovered(uncoveredByTemplate(result.plan.needs, answers, config, this.o.clock.now()));
  }

  private async act(result: ForecastResult, answers: Map<string, ScaleUpResult>, term: Term, config: SchedulerConfig): Promise<void> {
    const { scaleUp, placement } = config;
    if (!scaleUp.enabled || placement.paused || placement.dryRun) return;
    for (const need of result.plan.needs) {
      if (need.requestAtMs > this.o.clock.now() || term.signal.aborted || this.o.reactive?.isSending(need.template) === true) continue;
      this.o.reactive?.noteRequest(need.template);
      answers.set(need.template, await this.request(need, term));
    }
  }

  private async request(need: TemplateNeed, term: Term): Promise<ScaleUpResult> {
    const { body, idempotencyKey } = scaleUpRequestOf(need);
    const fields = { template: need.template, count: need.count, neededBy: new Date(need.neededByMs).toISOString(), fencingToken: term.token };
    let result: ScaleUpResult;
    try {
      await this.o.client.requestScaleUp(body, { fencingToken: term.token, signal: term.signal, term, idempotencyKey });
      this.o.forecaster.requested({ template: need.template, count: need.count, sentAtMs: this.o.clock.now() });
      this.logger.info('forecast scale-up requested', fields);
      result = 'accepted';
    } catch (err: unknown) {
      if (isStaleFencingToken(err)) this.o.stepDown();
      if (isCallAborted(err)) return 'error';
      result = isScaleUpRefused(err) ? 'refused' : 'error';
      this.logger.warn('forecast scale-up not accepted', { ...fields, err });
    }
    (this.o.scaleUpMetrics ?? NOOP_SCALE_UP_METRICS).requested('forecast', result);
    return result;
  }
}

/** scheduler_forecast_shortfall_instances{template}: planned shortfalls by template, the rest under "". */
function shortfallsByTemplate(result: ForecastResult): Record<string, number> {
  const counts: Record<string, number> = { '': result.plan.unplanned.length };
  for (const need of result.plan.needs) counts[need.template] = need.instanceIds.length;
  return counts;
}

/**
 * scheduler_forecast_uncovered_shortfall_instances{template}: the planned instances of each need that
 * is due within its template's bootSeconds + marginMinutes (its requestAt has passed) and whose
 * scale-up was not accepted by this run (disabled, paused, dry run, refused, failed, or held back by
 * a reactive request on its way). A need met earlier is absent from the plan: its workers count as
 * booting capacity. Every template of scaleUp.templates is reported, at 0 when covered.
 */
function uncoveredByTemplate(
  needs: readonly TemplateNeed[], answers: ReadonlyMap<string, ScaleUpResult>, config: SchedulerConfig, nowMs: number,
): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(config.scaleUp.templates.map((t) => [t.name, 0]));
  const marginMs = config.forecast.marginMinutes * 60_000;
  for (const need of needs) {
    const template = config.scaleUp.templates.find((t) => t.name === need.template);
    const bootMs = (template?.bootSeconds ?? 0) * 1000;
    const isDue = need.neededByMs - nowMs < bootMs + marginMs;
    if (isDue && answers.get(need.template) !== 'accepted') counts[need.template] = (counts[need.template] ?? 0) + need.instanceIds.length;
  }
  return counts;
}
