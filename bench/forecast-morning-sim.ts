// A simulated morning on a FakeClock (issue 19 item 5, contract §5): an InMemoryStore, the
// development Control Plane API over loopback HTTP booting the workers of accepted scale-ups on the
// same FakeClock, and one SchedulerService. Classes of lab sessions are booked in waves over four
// hours against a fleet that needs new workers (bootSeconds 1200, lead time 35 min); sessions end by
// the API moving their instance to STOPPED at timeslot end + releaseAfterEndMinutes, as the forecast
// assumes. The clock moves in steps; between steps every promise, store delivery and HTTP call in
// flight is let finish, so the run is the same each time. Shared by the bench and its Jest test.
import type { DevControlPlaneApi } from '../dev/controlplane-api';
import { start as startDevApi } from '../dev/controlplane-api';
import { FakeClock, SystemClock } from '../pkg/clock';
import { ConfigHolder, parseConfig } from '../pkg/config';
import type {
  CallOptions, ControlPlaneClient, ScaleUpCallOptions, ScaleUpRequest, ScheduleRequest, UnschedulableRequest,
} from '../pkg/controlplane';
import { HttpControlPlaneClient } from '../pkg/controlplane';
import { NOOP_LOGGER } from '../pkg/observability';
import { InMemoryStore } from '../pkg/store';
import { SchedulerService } from '../controllers/scheduler';

const PREFIX = '/lcm';
const DAY = '2026-11-27';
const at = (hhmm: string): number => Date.parse(`${DAY}T${hhmm}:00Z`);
export const MORNING_START_MS = at('08:00');
export const MORNING_END_MS = at('14:00');
const RELEASE_AFTER_END_MINUTES = 10;

/** The shape of the fleet's workers and of the template new ones boot from (demo-fleet.yaml's multi-sessions). */
const SHAPE = {
  license: 'enterprise', cmlVersion: '2.9.1', nodeDefinitions: ['iosv', 'iosvl2', 'csr1000v', 'nxosv9000'], region: 'us-east-1',
  capacity: { cpuCores: 48, memoryGb: 192, storageGb: 256, nodes: 200, ports: 8000 },
} as const;

/** Labs of dev/demo's samples. */
const LABS = {
  ccna: { cpuCores: 2, memoryGb: 4, storageGb: 10, nodes: 4, ports: 6, licenseAffinity: ['enterprise'], nodeDefinitions: ['iosv', 'iosvl2'] },
  encor: { cpuCores: 4, memoryGb: 12, storageGb: 20, nodes: 8, ports: 16, licenseAffinity: ['enterprise'], nodeDefinitions: ['iosv', 'csr1000v'] },
  dcnx: { cpuCores: 8, memoryGb: 24, storageGb: 40, nodes: 6, ports: 12, licenseAffinity: ['enterprise'], nodeDefinitions: ['nxosv9000'] },
} as const;
type Lab = keyof typeof LABS;

/** The classes of the morning: start, length, and the labs of their sessions in turn. */
const CLASSES: ReadonlyArray<{ readonly name: string; readonly start: string; readonly minutes: number; readonly size: number; readonly labs: readonly Lab[] }> = [
  { name: 'c0900', start: '09:00', minutes: 120, size: 30, labs: ['ccna'] },
  { name: 'c1000', start: '10:00', minutes: 90, size: 24, labs: ['encor'] },
  { name: 'c1100', start: '11:00', minutes: 120, size: 28, labs: ['ccna', 'encor'] },
  { name: 'c1230', start: '12:30', minutes: 105, size: 12, labs: ['dcnx'] },
];

export interface Booking {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly doc: Record<string, unknown>;
}

export function morningBookings(): Booking[] {
  return CLASSES.flatMap((c) => Array.from({ length: c.size }, (_, i) => {
    const id = `li-${c.name}-${String(i + 1).padStart(2, '0')}`;
    const startMs = at(c.start);
    const endMs = startMs + c.minutes * 60_000;
    const lab = c.labs[i % c.labs.length] ?? 'ccna';
    const doc = {
      id, definitionId: `${lab}-lab`, phase: 'PENDING', requirements: LABS[lab], preferredRegion: 'us-east-1', priority: 0, workerId: null,
      timeslot: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() }, createdAt: `${DAY}T06:00:00Z`,
    };
    return { id, startMs, endMs, doc };
  }));
}

export interface MorningOptions {
  /** forecast.horizonMinutes: 240 forecasts, 0 leaves only the reactive scale-up. */
  readonly horizonMinutes: number;
  /** scaleUp.enabled. */
  readonly scaleUp: boolean;
  /** Fake time per step, ms. Default 30000. */
  readonly stepMs?: number;
  /** Called once the first forecast is in, before any session is ready. */
  readonly onFirstForecast?: (service: SchedulerService) => void;
}

export interface Placement {
  readonly workerId: string;
  readonly atMs: number;
}

export interface MorningRun {
  readonly bookings: readonly Booking[];
  /** Accepted schedule calls: instance -> worker and the fake time the call was made. */
  readonly placements: ReadonlyMap<string, Placement>;
  /** The first unschedulable report of each instance. */
  readonly firstReports: ReadonlyMap<string, UnschedulableRequest & { readonly atMs: number }>;
  /** Minutes after its start, per instance placed after its start. */
  readonly lateMinutes: readonly number[];
  readonly timeslotMissed: number;
  readonly scaleUps: ReadonlyArray<{ readonly count: number; readonly atMs: number; readonly reason: string }>;
  readonly workersRequested: number;
  /** Sum of the plan's counts in the first forecast (all classes within its horizon); undefined when off. */
  readonly plannedWorkers: number | undefined;
  /** RUNNING time of workers added by scale-ups over the morning, hours. */
  readonly newWorkerHours: number;
  /** RUNNING time of every worker over the morning, hours. */
  readonly workerHours: number;
  readonly leaderChanges: number;
}

export async function simulateMorning(o: MorningOptions): Promise<MorningRun> {
  const stepMs = o.stepMs ?? 30_000;
  const clock = new FakeClock(MORNING_START_MS);
  const store = new InMemoryStore({ clock });
  const config = new ConfigHolder(parseConfig(configYaml(o)));
  const api = await startDevApi({ store, prefix: PREFIX, port: 0, host: '127.0.0.1', templates: () => config.current().scaleUp.templates, clock });
  const http = new HttpControlPlaneClient({ baseUrl: api.url, schedulerId: 'morning', clock: new SystemClock() });
  const client = new RecordingClient(http, clock);
  let leaderChanges = 0;
  const service = new SchedulerService({
    store, client, prefix: PREFIX, schedulerId: 'morning', config, clock, logger: NOOP_LOGGER, onLeadershipChange: () => { leaderChanges += 1; },
  });
  const bookings = morningBookings();
  try {
    for (const id of ['w-use1-01', 'w-use1-02']) await api.objects.putWorker({ id, status: 'RUNNING', template: 'multi-sessions', labels: {}, ...SHAPE });
    for (const b of bookings) await api.objects.putInstance(b.doc);
    service.start();
    let plannedWorkers: number | undefined;
    let workerMs = 0;
    let newWorkerMs = 0;
    const ends = new Map(bookings.map((b) => [b.id, b.endMs]));
    while (clock.now() < MORNING_END_MS) {
      if (plannedWorkers === undefined && o.horizonMinutes > 0) {
        const view = service.controller.forecastView();
        if (view !== undefined) {
          plannedWorkers = view.plan.reduce((sum, need) => sum + need.count, 0);
          o.onFirstForecast?.(service);
        }
      }
      await clock.tick(stepMs);
      await quiesce(clock, client);
      await releaseEnded(api, service, ends, clock.now());
      await quiesce(clock, client);
      for (const { worker } of service.cache.allWorkers()) {
        if (worker.status !== 'RUNNING') continue;
        workerMs += stepMs;
        if (!worker.id.startsWith('w-use1-')) newWorkerMs += stepMs;
      }
    }
    const lateMinutes = bookings.flatMap((b) => {
      const placed = client.placements.get(b.id);
      return placed !== undefined && placed.atMs > b.startMs ? [(placed.atMs - b.startMs) / 60_000] : [];
    });
    let timeslotMissed = 0;
    for (const b of bookings) if ((await api.reports.report(b.id))?.reasons['TimeslotMissed'] !== undefined) timeslotMissed += 1;
    const scaleUps = client.scaleUps;
    return {
      bookings, placements: client.placements, firstReports: client.firstReports, lateMinutes, timeslotMissed, scaleUps,
      workersRequested: scaleUps.reduce((sum, s) => sum + s.count, 0), plannedWorkers,
      newWorkerHours: newWorkerMs / 3_600_000, workerHours: workerMs / 3_600_000, leaderChanges,
    };
  } finally {
    const stopping = service.stop(1_000);
    await quiesce(clock, client);
    await stopping;
    http.close();
    await api.close();
    await store.close();
  }
}

function configYaml(o: MorningOptions): string {
  const template = { name: 'multi-sessions', ...SHAPE, bootSeconds: 1200 };
  return [
    `scaleUp: {enabled: ${o.scaleUp}, templates: [${JSON.stringify(template)}]}`,
    'timeslot: {leadTimeMinutes: 35}',
    `forecast: {horizonMinutes: ${o.horizonMinutes}, releaseAfterEndMinutes: ${RELEASE_AFTER_END_MINUTES}}`,
  ].join('\n');
}

/** The API ends each session at its end + releaseAfterEndMinutes: the instance goes STOPPED. */
async function releaseEnded(api: DevControlPlaneApi, service: SchedulerService, ends: ReadonlyMap<string, number>, nowMs: number): Promise<void> {
  for (const { instance } of service.cache.allInstances()) {
    const endMs = ends.get(instance.id);
    if (endMs === undefined || instance.workerId === undefined || instance.phase !== 'SCHEDULED') continue;
    if (endMs + RELEASE_AFTER_END_MINUTES * 60_000 <= nowMs) await api.objects.setPhase(instance.id, 'STOPPED');
  }
}

/** Lets timers due now, store deliveries, promise chains and the HTTP calls in flight finish. */
async function quiesce(clock: FakeClock, client: RecordingClient): Promise<void> {
  for (let calm = 0; calm < 3;) {
    for (let i = 0; i < 10; i++) {
      await clock.tick(0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (client.inFlight > 0) {
      calm = 0;
      await new Promise((resolve) => setTimeout(resolve, 1));
    } else {
      calm += 1;
    }
  }
}

/** Passes every call to the API, counting those in flight and noting what was accepted and when. */
class RecordingClient implements ControlPlaneClient {
  inFlight = 0;
  readonly placements = new Map<string, Placement>();
  readonly firstReports = new Map<string, UnschedulableRequest & { readonly atMs: number }>();
  readonly scaleUps: Array<{ count: number; atMs: number; reason: string }> = [];

  constructor(private readonly inner: ControlPlaneClient, private readonly clock: FakeClock) {}

  schedule(instanceId: string, body: ScheduleRequest, options: CallOptions) {
    const atMs = this.clock.now();
    return this.track(this.inner.schedule(instanceId, body, options), () => this.placements.set(instanceId, { workerId: body.workerId, atMs }));
  }

  reportUnschedulable(instanceId: string, body: UnschedulableRequest, options: CallOptions) {
    const atMs = this.clock.now();
    return this.track(this.inner.reportUnschedulable(instanceId, body, options), () => {
      if (!this.firstReports.has(instanceId)) this.firstReports.set(instanceId, { ...body, atMs });
    });
  }

  requestScaleUp(body: ScaleUpRequest, options: ScaleUpCallOptions) {
    const atMs = this.clock.now();
    return this.track(this.inner.requestScaleUp(body, options), () => this.scaleUps.push({ count: body.count ?? 1, atMs, reason: body.reason }));
  }

  private async track<T>(call: Promise<T>, onSuccess: () => void): Promise<T> {
    this.inFlight += 1;
    try {
      const answer = await call;
      onSuccess();
      return answer;
    } finally {
      this.inFlight -= 1;
    }
  }
}

/** p-th percentile (nearest rank) of values; 0 when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
