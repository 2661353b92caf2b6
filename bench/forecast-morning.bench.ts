// Proof that the forecast pays (issue 19 item 5, contract §5): the same simulated morning
// (forecast-morning-sim.ts: four classes booked from 09:00 to 12:30, two workers, bootSeconds 1200,
// lead time 35 min) with the forecast on (horizonMinutes 240) and off (0: reactive scale-up only).
// Prints one row per run: sessions placed late and by how much, TimeslotMissed, scale-ups and
// workers requested beside what the first forecast planned, and RUNNING worker-hours.
import type { MorningRun } from './forecast-morning-sim';
import { percentile, simulateMorning } from './forecast-morning-sim';

function row(label: string, run: MorningRun, wallMs: number): Record<string, string | number> {
  return {
    run: label,
    booked: run.bookings.length,
    placed: run.placements.size,
    'late (n)': run.lateMinutes.length,
    'late p50 min': percentile(run.lateMinutes, 50),
    'late max min': percentile(run.lateMinutes, 100),
    TimeslotMissed: run.timeslotMissed,
    'scale-ups': run.scaleUps.length,
    'workers requested': run.workersRequested,
    'workers planned': run.plannedWorkers ?? '-',
    'new worker-h': Number(run.newWorkerHours.toFixed(2)),
    'all worker-h': Number(run.workerHours.toFixed(2)),
    'wall s': Number((wallMs / 1000).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const [label, horizonMinutes] of [['forecast (240 min)', 240], ['reactive (0)', 0]] as const) {
    const started = performance.now();
    const run = await simulateMorning({ horizonMinutes, scaleUp: true });
    rows.push(row(label, run, performance.now() - started));
    const times = run.scaleUps.map((s) => `${new Date(s.atMs).toISOString().slice(11, 16)} x${s.count}`).join(', ');
    console.log(`${label}: scale-ups at ${times || 'none'}; leader changes ${run.leaderChanges}`);
  }
  console.table(rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
