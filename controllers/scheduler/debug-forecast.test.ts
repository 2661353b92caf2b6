// GET /debug/forecast (contract §4, §5; issue 19) served by a running replica over HTTP: the leader's
// last forecast in the contract's shape, recomputed after a configuration change; 404 saying why
// when the forecast is off.
import type { FakeClock } from '../../pkg/clock';
import { ConfigHolder, parseConfig } from '../../pkg/config';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import type { InMemoryStore } from '../../pkg/store';
import type { ForecastView } from './forecast-loop';
import type { SchedulerService } from './service';
import type { ServedService } from './service-testing';
import { put, serveService, stopServed, until } from './service-testing';
import { NOW, ScriptedClient } from './testing';

const CONFIG = `scaleUp:
  templates:
    - {name: multi, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [], capacity: {cpuCores: 8, memoryGb: 64, storageGb: 200}, bootSeconds: 1200}`;
const inMinutes = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();

describe('GET /debug/forecast', () => {
  let served: ServedService;
  let clock: FakeClock;
  let store: InMemoryStore;
  let config: ConfigHolder;
  let service: SchedulerService;
  let base: string;

  beforeEach(async () => {
    config = new ConfigHolder(parseConfig(CONFIG));
    served = await serveService({ client: new ScriptedClient(), config, schedulerId: 'forecast-test' });
    ({ clock, store, service, base } = served);
    await put(store, '/lcm', 'workers', aWorker('w-1').withCpu(4));
    await put(store, '/lcm', 'instances', anInstance('li-a').withCpu(4).withTimeslot(inMinutes(60), inMinutes(180)));
    await put(store, '/lcm', 'instances', anInstance('li-b').withCpu(4).withTimeslot(inMinutes(70), inMinutes(180)));
    service.start();
    await until(clock, () => service.controller.forecastView() !== undefined, 'a first forecast');
  });
  afterEach(() => stopServed(served));

  async function get(): Promise<{ status: number; body: ForecastView & { error?: string } }> {
    const reply = await fetch(`${base}/debug/forecast`);
    return { status: reply.status, body: (await reply.json()) as ForecastView & { error?: string } };
  }

  it('shows the placed, the shortfalls with the live message, and the plan per template', async () => {
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body).toEqual({
      computedAt: expect.any(String) as string,
      horizonEnd: new Date(Date.parse(body.computedAt) + 240 * 60_000).toISOString(),
      placed: 1,
      shortfalls: [{ instanceId: 'li-b', readyAt: inMinutes(35), message: '0/1 workers fit: 1 InsufficientCpu', reasons: { InsufficientCpu: 1 } }],
      plan: [{ template: 'multi', count: 1, neededBy: inMinutes(35), requestAt: inMinutes(35 - 25), instanceIds: ['li-b'], requested: false }],
    });
  });

  it('answers 404 saying so when the forecast is turned off, and forecasts at once when it is back', async () => {
    config.set(parseConfig(`${CONFIG}\nforecast: {horizonMinutes: 0}`));
    await until(clock, () => service.controller.forecastView() === undefined, 'the forecast to be dropped', 0);
    expect(await get()).toEqual({ status: 404, body: { error: 'the forecast is off (forecast.horizonMinutes is 0)' } });
    config.set(parseConfig(CONFIG));
    await until(clock, () => service.controller.forecastView() !== undefined, 'a forecast right after the change', 0);
    expect((await get()).body.placed).toBe(1);
  });
});
