// Proof that the forecast pays (issue 19 item 5, contract §5), on the simulated morning of
// bench/forecast-morning-sim.ts (FakeClock, InMemoryStore, development API over loopback booting
// workers in 1200 s, lead time 35 min): with the forecast no session is placed after its start and no
// more workers are requested than the first forecast planned; the reactive scale-up alone places some
// late. §5 Exactness: with scale-up off and nothing changing but time, each booked instance the
// forecast placed is placed live at its ready time, and each shortfall it named is reported live at
// that time with the same message and reasons; checked up to the first session's end (11:10), after
// which the forecast and live placement part (issue 19: the forecast releases no capacity of the
// instances it places itself, and does not offer its shortfalls again when capacity frees).
import type { MorningRun } from '../../bench/forecast-morning-sim';
import { simulateMorning } from '../../bench/forecast-morning-sim';
import type { ForecastView } from './forecast-loop';

jest.setTimeout(60_000);

const LEAD_MS = 35 * 60_000;
/** The first session ends (09:00 class: 11:00 + releaseAfterEndMinutes). */
const FIRST_END_MS = Date.parse('2026-11-27T11:10:00Z');

describe('a simulated morning of booked classes', () => {
  it('with the forecast, places every session by its start and asks for no more workers than planned', async () => {
    const run = await simulateMorning({ horizonMinutes: 240, scaleUp: true });
    expect(run.placements.size).toBe(run.bookings.length);
    expect(run.lateMinutes).toEqual([]);
    expect(run.timeslotMissed).toBe(0);
    expect(run.workersRequested).toBeGreaterThan(0);
    expect(run.workersRequested).toBeLessThanOrEqual(run.plannedWorkers ?? 0);
    expect(run.scaleUps.every((s) => s.reason.startsWith('forecast: '))).toBe(true);
  });

  it('with the reactive scale-up alone, places some sessions after their start', async () => {
    const run = await simulateMorning({ horizonMinutes: 0, scaleUp: true });
    expect(run.plannedWorkers).toBeUndefined();
    expect(run.lateMinutes.length).toBeGreaterThan(0);
  });

  it('places live what the first forecast placed, and reports its shortfalls alike, when no worker is added (§5 Exactness)', async () => {
    let first: ForecastView | undefined;
    const run = await simulateMorning({ horizonMinutes: 240, scaleUp: false, onFirstForecast: (s) => { first = s.controller.forecastView(); } });
    if (first === undefined) throw new Error('no forecast was made');
    const shortfalls = new Map(first.shortfalls.map((s) => [s.instanceId, { readyAt: s.readyAt, message: s.message, reasons: s.reasons }]));
    expect(shortfalls.size).toBeGreaterThan(0);
    const early = new Set(run.bookings.filter((b) => b.startMs - LEAD_MS < FIRST_END_MS).map((b) => b.id));
    expect(placedAtReadyTime(run).filter((id) => early.has(id))).toEqual([...early].filter((id) => !shortfalls.has(id)));
    for (const id of shortfalls.keys()) if (!early.has(id)) shortfalls.delete(id);
    const reported = new Map([...run.firstReports].map(([id, r]) => [id, { readyAt: new Date(r.atMs).toISOString(), message: r.message, reasons: r.reasons }]));
    for (const id of reported.keys()) if (!shortfalls.has(id)) reported.delete(id);
    expect(reported).toEqual(shortfalls);
  });
});

/** Ids of the bookings placed live at their ready time (start - lead time), in booking order. */
function placedAtReadyTime(run: MorningRun): string[] {
  return run.bookings.filter((b) => run.placements.get(b.id)?.atMs === b.startMs - LEAD_MS).map((b) => b.id);
}
