// What a placement decides, as data: a chosen worker with its scores, no fit with the reason
// histogram and the message of contract §3, or an error stamped with the failing plugin. A no-fit
// decision keeps every worker's verdict (one byte per worker) and builds the list on request; a
// scheduled one keeps its best SCORED_KEPT workers, and every verdict only when asked (PlaceOptions),
// so the bounded log of decisions stays small at 10,000 workers. Lists are sorted by worker id (byte
// order), scored workers best first.
import type { FilterPluginName, FilterReason, PluginName, ScorePluginName } from './names';
import { reasonAt } from './names';

/** Rejections by reason; only reasons with a count are present. */
export type ReasonCounts = Readonly<Record<FilterReason, number>>;

export interface WorkerScore {
  readonly workerId: string;
  /** Σ weight x score / Σ weight (weights taken at a resolution of 1e-6). */
  readonly total: number;
  /** Each plugin's score, an integer 0..100. */
  readonly scores: Readonly<Record<ScorePluginName, number>>;
}

export type WorkerVerdict =
  | { readonly workerId: string; readonly plugin: FilterPluginName; readonly reason: FilterReason }
  | (WorkerScore & { readonly plugin?: undefined; readonly reason?: undefined });

interface DecisionBase {
  readonly instanceId: string;
  /** The placer's registry name. */
  readonly placer: string;
  /** Valid workers in the snapshot when the decision was made. */
  readonly numWorkers: number;
}

export interface ScheduledDecision extends DecisionBase {
  readonly result: 'scheduled';
  readonly workerId: string;
  readonly score: WorkerScore;
  /** Workers the filters ran on: numWorkers unless percentageOfWorkersToScore < 100 stopped early. */
  readonly numEvaluated: number;
  readonly numFeasible: number;
  /** Why the other evaluated workers did not fit (message order). */
  readonly reasons: ReasonCounts;
  /** The best scored (feasible) workers, at most SCORED_KEPT, best first (total descending, then worker id). */
  scored(): readonly WorkerScore[];
  /** Every evaluated worker's verdict, by worker id; only when PlaceOptions.keepVerdicts asked for it. */
  readonly verdicts: (() => readonly WorkerVerdict[]) | undefined;
}

export interface UnschedulableDecision extends DecisionBase {
  readonly result: 'unschedulable';
  /** "0/N workers fit: 7 InsufficientMemory, 5 LicenseMismatch", or "0/0 workers fit". */
  readonly message: string;
  /** Counts summing to numWorkers, keys in message order; {} with no workers. */
  readonly reasons: ReasonCounts;
  /** Every worker's verdict, by worker id. */
  verdicts(): readonly WorkerVerdict[];
}

export interface ErrorDecision extends DecisionBase {
  readonly result: 'error';
  /** The plugin that failed, stamped by the runner. */
  readonly plugin: PluginName;
  /** The worker it failed on, when it failed on one. */
  readonly workerId: string | undefined;
  readonly cause: unknown;
  readonly message: string;
}

export type Decision = ScheduledDecision | UnschedulableDecision | ErrorDecision;

/** Byte order for ids (ASCII by the id pattern, so UTF-16 order is byte order); never localeCompare. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** [reason, count] pairs with count > 0, by count descending, then reason ascending. */
export function sortedReasons<R extends string>(counts: Readonly<Partial<Record<R, number>>>): [R, number][] {
  const entries = (Object.entries(counts) as [R, number | undefined][]).filter(
    (e): e is [R, number] => e[1] !== undefined && e[1] > 0,
  );
  return entries.sort((x, y) => y[1] - x[1] || compareIds(x[0], y[0]));
}

/** The contract §3 message: "0/N workers fit: <count> <Reason>, ..." ("0/0 workers fit" with none). */
export function noFitMessage<R extends string>(numWorkers: number, counts: Readonly<Partial<Record<R, number>>>): string {
  const terms = sortedReasons(counts).map(([reason, count]) => `${count} ${reason}`);
  const head = `0/${numWorkers} workers fit`;
  return terms.length === 0 ? head : `${head}: ${terms.join(', ')}`;
}

/** The counts as an object whose keys follow the message order (stable JSON). */
export function orderedReasons(counts: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [reason, count] of sortedReasons(counts)) out[reason] = count;
  return out;
}

/** Scored workers a scheduled decision keeps: the winner and its closest runners-up, for /debug. */
export const SCORED_KEPT = 10;

/** Per-worker outcome codes a decision keeps: 0 not evaluated, 1 feasible, 2 + reason code rejected. */
export const NOT_EVALUATED = 0;
export const FEASIBLE = 1;
export const REJECTED = 2;

/** What a decision keeps for its lazy lists, and nothing live: a kept decision pins no worker. */
export interface DecisionRecord {
  /** Worker ids by snapshot position, as of the decision. */
  readonly ids: readonly string[];
  /** Outcome code by snapshot position. */
  readonly outcome: Uint8Array;
  /** Snapshot positions of the feasible workers, in scoring order. */
  readonly positions: Int32Array;
}

/** Every evaluated worker's verdict, by worker id; feasible ones with their scores when scoreOf is given. */
export function listVerdicts(
  record: DecisionRecord,
  pluginOf: (reasonIndex: number) => FilterPluginName,
  scoreOf: ((j: number) => WorkerScore) | undefined,
): readonly WorkerVerdict[] {
  const rankAt = new Map<number, number>(Array.from(record.positions, (pos, j) => [pos, j]));
  const out: WorkerVerdict[] = [];
  record.outcome.forEach((code, i) => {
    if (code === NOT_EVALUATED) return;
    if (code === FEASIBLE) {
      const j = rankAt.get(i);
      if (scoreOf !== undefined && j !== undefined) out.push(scoreOf(j));
      return;
    }
    const reason = reasonAt(code - REJECTED);
    out.push({ workerId: record.ids[i]!, plugin: pluginOf(code - REJECTED), reason });
  });
  return out.sort((a, b) => compareIds(a.workerId, b.workerId));
}

/** make() once, on the first call. */
export function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
