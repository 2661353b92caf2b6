// The forecast on the leader and the early scale-up it sends (contract §5, issue 19), on a FakeClock.
import { ScaleUpRefusedError, StaleFencingTokenError } from '../../pkg/controlplane';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import { createPlacer } from '../../pkg/placement';
import { Forecaster } from './forecast';
import { ForecastLoop } from './forecast-loop';
import { ManualTerms, NOW, reconcilerFixture } from './testing';

const CONFIG = `scaleUp:
  enabled: true
  templates:
    - {name: multi, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [], capacity: {cpuCores: 8, memoryGb: 64, storageGb: 200}, bootSeconds: 1200}
forecast: {intervalSeconds: 60, marginMinutes: 5}`;
const inMinutes = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();
/** Ready at NOW + readyMinutes (lead time 35): asked for 20 + 5 minutes before that. */
const booked = (id: string, readyMinutes: number) =>
  anInstance(id).withCpu(4).withMemory(4).withStorage(10).withTimeslot(inMinutes(readyMinutes + 35), inMinutes(readyMinutes + 155));

function setup(config = CONFIG) {
  const t = reconcilerFixture(config);
  const reactive = { sending: false, noted: [] as string[], noteRequest(template: string) { this.noted.push(template); }, isSending() { return this.sending; } };
  t.worker(aWorker('w-1').withCpu(2));
  const terms = new ManualTerms(100);
  const term = terms.currentTerm()!;
  const forecaster = new Forecaster({ cache: t.cache, snapshot: t.snapshot, clock: t.clock, config: t.config, placer: () => createPlacer('default', {}), sliceMs: 1_000 });
  const shortfalls: Array<Record<string, number>> = [];
  const results: string[] = [];
  const uncovered: Array<Record<string, number>> = [];
  const loop = new ForecastLoop({
    forecaster, client: t.client, config: t.config, clock: t.clock, stepDown: () => terms.stepDown('staleFencingToken'), reactive,
    metrics: { forecastFinished: (_ms, byTemplate) => shortfalls.push({ ...byTemplate }), uncovered: (byTemplate) => uncovered.push({ ...byTemplate }) },
    scaleUpMetrics: { requested: (trigger, result) => results.push(`${trigger} ${result}`) },
  });
  const scaleUps = () => t.client.calls.filter((c) => c.route === 'scaleUp');
  /** Lets the loop finish what the clock started (its run and its call resolve within a few turns). */
  const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve)); };
  return { t, terms, term, loop, scaleUps, shortfalls, results, settle, reactive, uncovered };
}

describe('ForecastLoop', () => {
  it('asks once, when requestAt comes, for the workers booked instances need, with the §5 reason and key', async () => {
    const s = setup();
    s.t.instance(booked('li-a', 60));
    s.t.instance(booked('li-b', 70));
    const running = s.loop.lead(s.term);
    await s.settle();
    expect(s.loop.view()?.plan).toEqual([{
      template: 'multi', count: 1, neededBy: inMinutes(60), requestAt: inMinutes(35), instanceIds: ['li-a', 'li-b'], requested: false,
    }]);
    expect(s.shortfalls.at(-1)).toEqual({ '': 0, multi: 2 });
    expect(s.scaleUps()).toEqual([]);

    s.t.clock.step(35 * 60_000); // requestAt; the interval timers fire on the way
    await s.settle();
    expect(s.scaleUps().map((c) => c.body)).toEqual([{
      template: 'multi', count: 1, instanceIds: ['li-a', 'li-b'], reason: `forecast: 1 needed by ${inMinutes(60)} for 2 booked instances`,
    }]);
    expect(s.scaleUps()[0]?.idempotencyKey).toMatch(/^forecast-[0-9a-f]{32}$/);
    expect(s.results).toEqual(['forecast accepted']);

    s.t.clock.step(10 * 60_000); // ten more forecasts: the accepted request counts as booting workers
    await s.settle();
    expect(s.scaleUps()).toHaveLength(1);
    expect(s.loop.view()?.plan).toEqual([]);
    s.terms.stepDown('shutdown');
    await running;
    expect(s.loop.view()).toBeUndefined();
  });

  it.each([
    ['a dry run', `${CONFIG}\nplacement: {dryRun: true}`],
    ['a pause', `${CONFIG}\nplacement: {paused: true}`],
    ['scale-up off', CONFIG.replace('enabled: true', 'enabled: false')],
  ])('forecasts and sends nothing in %s', async (_name, config) => {
      const s = setup(config);
      s.t.instance(booked('li-a', 10));
      const running = s.loop.lead(s.term);
      await s.settle();
      expect(s.loop.view()?.plan.map((p) => [p.template, p.requested])).toEqual([['multi', false]]);
      expect(s.scaleUps()).toEqual([]);
      s.terms.stepDown('shutdown');
      await running;
    });

  it('shows and counts a refusal, and asks again only at the next forecast', async () => {
    const s = setup();
    s.t.instance(booked('li-a', 10));
    s.t.client.scaleUpAnswers.push(new ScaleUpRefusedError({ route: 'scaleUp' }, 'multi'));
    const running = s.loop.lead(s.term);
    await s.settle();
    expect(s.loop.view()?.plan.map((p) => [p.requested, p.answer])).toEqual([[true, 'refused']]);
    expect(s.scaleUps()).toHaveLength(1);
    s.t.clock.step(59_999);
    await s.settle();
    expect(s.scaleUps()).toHaveLength(1);
    s.t.clock.step(1);
    await s.settle();
    expect(s.scaleUps()).toHaveLength(2);
    expect(s.results).toEqual(['forecast refused', 'forecast accepted']);
    s.terms.stepDown('shutdown');
    await running;
  });

  it('starts the reactive cooldown when it asks, and waits while a reactive request for the template is on its way', async () => {
    const s = setup();
    s.t.instance(booked('li-a', 10));
    s.reactive.sending = true;
    const running = s.loop.lead(s.term);
    await s.settle();
    expect([s.scaleUps(), s.reactive.noted]).toEqual([[], []]);
    s.reactive.sending = false;
    s.t.clock.step(60_000);
    await s.settle();
    expect([s.scaleUps().length, s.reactive.noted]).toEqual([1, ['multi']]);
    s.terms.stepDown('shutdown');
    await running;
  });

  it('ends the term at once on StaleFencingToken', async () => {
    const s = setup();
    s.t.instance(booked('li-a', 10));
    s.t.client.scaleUpAnswers.push(new StaleFencingTokenError({ route: 'scaleUp' }, '100'));
    await s.loop.lead(s.term);
    expect(s.terms.stepDowns).toEqual(['staleFencingToken']);
  });

  it('forecasts again at once after a configuration change', async () => {
    const s = setup(CONFIG.replace('intervalSeconds: 60', 'intervalSeconds: 3600'));
    const running = s.loop.lead(s.term);
    await s.settle();
    expect(s.shortfalls).toHaveLength(1);
    s.t.instance(booked('li-a', 10));
    s.loop.poke();
    await s.settle();
    expect(s.shortfalls).toEqual([{ '': 0 }, { '': 0, multi: 1 }]);
    s.terms.stepDown('shutdown');
    await running;
  });

  describe('the uncovered shortfall (the alert\'s gauge)', () => {
    it('counts a need only once it is within bootSeconds + marginMinutes and nothing was accepted, and clears on stepping down', async () => {
      const s = setup(CONFIG.replace('enabled: true', 'enabled: false'));
      s.t.instance(booked('li-a', 60));
      s.t.instance(booked('li-b', 70));
      const running = s.loop.lead(s.term);
      await s.settle();
      expect(s.uncovered.at(-1)).toEqual({ multi: 0 }); // needed in 60 min, boot 20 + margin 5
      s.t.clock.step(36 * 60_000); // past requestAt: 24 minutes left
      await s.settle();
      expect(s.uncovered.at(-1)).toEqual({ multi: 2 });
      s.terms.stepDown('shutdown');
      await running;
      expect(s.uncovered.at(-1)).toEqual({});
    });

    it('is 0 once the request is accepted, and counts the instances of a refused one', async () => {
      const accepted = setup();
      accepted.t.instance(booked('li-a', 10));
      const first = accepted.loop.lead(accepted.term);
      await accepted.settle();
      expect([accepted.results, accepted.uncovered.at(-1)]).toEqual([['forecast accepted'], { multi: 0 }]);
      accepted.terms.stepDown('shutdown');
      await first;

      const refused = setup();
      refused.t.instance(booked('li-a', 10));
      refused.t.client.scaleUpAnswers.push(new ScaleUpRefusedError({ route: 'scaleUp' }, 'multi'));
      const second = refused.loop.lead(refused.term);
      await refused.settle();
      expect([refused.results, refused.uncovered.at(-1)]).toEqual([['forecast refused'], { multi: 1 }]);
      refused.terms.stepDown('shutdown');
      await second;
    });

    it('is reported empty while the forecast is off', async () => {
      const s = setup(`${CONFIG}\nforecast: {horizonMinutes: 0}`.replace('forecast: {intervalSeconds: 60, marginMinutes: 5}\n', ''));
      s.t.instance(booked('li-a', 10));
      const running = s.loop.lead(s.term);
      await s.settle();
      expect([s.shortfalls, s.uncovered]).toEqual([[], [{}]]);
      s.terms.stepDown('shutdown');
      await running;
    });
  });
});
