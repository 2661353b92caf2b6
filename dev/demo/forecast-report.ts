// The demo's forecast section (docs/forecast.md): the leader's last forecast (GET /debug/forecast)
// hour by hour, by the hour the booked sessions start (booked, room, shortfall by template), and the
// scale-ups its plan would send, with times. Times are UTC, HH:MM.
import type { SchedulerConfig } from '../../pkg/config';
import type { LabletInstance } from '../../pkg/objects';
import { renderTable } from './tables';

/** The part of the leader's ForecastView (controller.forecastView()) this report reads. */
export interface ForecastSummary {
  readonly computedAt: string;
  readonly horizonEnd: string;
  readonly placed: number;
  readonly shortfalls: ReadonlyArray<{ readonly instanceId: string }>;
  readonly plan: ReadonlyArray<{
    readonly template: string; readonly count: number; readonly neededBy: string; readonly requestAt: string;
    readonly instanceIds: readonly string[]; readonly requested: boolean;
  }>;
}

const HOUR_MS = 3_600_000;
const NOT_PLANNED = 'no template fits';

/**
 * `pending`: the instances waiting to be placed (the cache's placeable ones). Those the forecast
 * considers are counted by the hour their session starts; those ready already are one row, "now".
 */
export function forecastReport(view: ForecastSummary, pending: Iterable<LabletInstance>, config: SchedulerConfig): string {
  const nowMs = Date.parse(view.computedAt);
  const horizonEndMs = Date.parse(view.horizonEnd);
  const leadMs = config.timeslot.leadTimeMinutes * 60_000;
  const templateOf = new Map(view.plan.flatMap((need) => need.instanceIds.map((id) => [id, need.template] as const)));
  const short = new Set(view.shortfalls.map((s) => s.instanceId));

  const rows = new Map<number, { booked: number; short: Map<string, number> }>(); // key: hour start, or -1 for "now"
  for (const instance of pending) {
    const startMs = instance.timeslot?.startMs;
    const readyMs = startMs === undefined ? nowMs : Math.max(nowMs, startMs - leadMs);
    const endMs = instance.timeslot?.endMs;
    if (readyMs > horizonEndMs || (endMs !== undefined && endMs - config.timeslot.minRemainingMinutes * 60_000 <= readyMs)) continue;
    const key = startMs === undefined || readyMs === nowMs ? -1 : Math.floor(startMs / HOUR_MS) * HOUR_MS;
    const row = rows.get(key) ?? { booked: 0, short: new Map<string, number>() };
    row.booked += 1;
    if (short.has(instance.id)) {
      const template = templateOf.get(instance.id) ?? NOT_PLANNED;
      row.short.set(template, (row.short.get(template) ?? 0) + 1);
    }
    rows.set(key, row);
  }

  const hourRows = [...rows.entries()].sort(([a], [b]) => a - b).map(([key, row]) => {
    const shortfall = [...row.short.values()].reduce((sum, n) => sum + n, 0);
    const byTemplate = [...row.short.entries()].map(([template, n]) => `${template} ${n}`).join(', ');
    return [key < 0 ? 'now' : `${hhmm(key)}-${hhmm(key + HOUR_MS - 60_000)}`, String(row.booked), String(row.booked - shortfall), String(shortfall), byTemplate || '-'];
  });
  const scaleUps = view.plan.map((need) => {
    const requestAtMs = Date.parse(need.requestAt);
    const when = need.requested ? 'sent' : requestAtMs <= nowMs ? `now (due since ${hhmm(requestAtMs)})` : `${hhmm(requestAtMs)} (in ${minutes(requestAtMs - nowMs)})`;
    return [need.template, String(need.count), String(need.instanceIds.length), `${hhmm(Date.parse(need.neededBy))} (in ${minutes(Date.parse(need.neededBy) - nowMs)})`, when];
  });
  const total = (column: number): number => hourRows.reduce((sum, row) => sum + Number(row[column]), 0);
  const sending = config.scaleUp.enabled && !config.placement.dryRun && !config.placement.paused;
  return [
    `Forecast at ${hhmm(nowMs)} UTC to ${hhmm(horizonEndMs)} (forecast.horizonMinutes ${config.forecast.horizonMinutes}): ` +
      `${total(2)} booked instances find room by their start, ${total(3)} do not. By the hour their session starts:`,
    renderTable(['SESSIONS', 'BOOKED', 'ROOM', 'SHORTFALL', 'SHORTFALL BY TEMPLATE'], hourRows),
    '',
    `Scale-ups the plan ${sending ? 'sends' : 'would send (scaleUp.enabled is false here: none is sent)'}, each requestAt = neededBy - bootSeconds - marginMinutes:`,
    scaleUps.length === 0 ? '(none: every booked instance finds room, or no template fits)' : renderTable(['TEMPLATE', 'WORKERS', 'INSTANCES', 'NEEDED BY', 'REQUEST AT'], scaleUps),
  ].join('\n');
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}
