// Work queue throughput at 100,000 keys, ordered as the scheduler will order them (priority desc,
// then start asc, then id asc, read from a Map as from its cache) and FIFO for comparison.
// Prints ops/s per phase, the median of a few rounds. Run: npx tsc -p tsconfig.build.json &&
// node dist/bench/workqueue.bench.js
import { SystemClock } from '../pkg/clock';
import type { KeyOrder } from '../pkg/workqueue';
import { RateLimitingQueue } from '../pkg/workqueue';

const KEYS = 100_000;
const ROUNDS = 5;

interface Rank {
  readonly priority: number;
  readonly startMs: number;
  readonly id: string;
}

function makeRanks(n: number): Map<string, Rank> {
  let seed = 42;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const ranks = new Map<string, Rank>();
  for (let i = 0; i < n; i++) {
    const id = `li-${i.toString(36)}`;
    ranks.set(id, { priority: Math.floor(next() * 5) - 2, startMs: Math.floor(next() * 86_400_000), id });
  }
  return ranks;
}

/** Ranks read from a Map, as the scheduler reads its cache; missing keys rank last. */
function schedulerOrder(ranks: Map<string, Rank>): KeyOrder<Rank> {
  const last: Rank = { priority: Number.NEGATIVE_INFINITY, startMs: Number.POSITIVE_INFINITY, id: '' };
  return {
    rankOf: (key) => ranks.get(key) ?? last,
    compare: (a, b) => {
      if (a.priority !== b.priority) return b.priority - a.priority;
      if (a.startMs !== b.startMs) return a.startMs - b.startMs;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    },
  };
}

interface Phases {
  add: number;
  getDone: number;
  churn: number;
}

/** One round: add every key; get+done every key; then churn (get, done, re-add) at full depth. */
async function round(keys: readonly string[], order: KeyOrder<Rank> | undefined): Promise<Phases> {
  const queue = new RateLimitingQueue<Rank>({ clock: new SystemClock(), order });
  let t0 = performance.now();
  for (const key of keys) queue.add(key);
  const add = keys.length / ((performance.now() - t0) / 1000);

  t0 = performance.now();
  for (let i = 0; i < keys.length; i++) {
    const key = await queue.get();
    if (key !== undefined) queue.done(key);
  }
  const getDone = keys.length / ((performance.now() - t0) / 1000);

  for (const key of keys) queue.add(key);
  t0 = performance.now();
  for (let i = 0; i < keys.length; i++) {
    const key = await queue.get();
    if (key === undefined) break;
    queue.done(key);
    queue.add(key);
  }
  const churn = keys.length / ((performance.now() - t0) / 1000);
  if (queue.snapshot().queued !== keys.length) throw new Error(`bench: expected ${keys.length} queued, found ${queue.snapshot().queued}`);
  queue.shutDown();
  return { add, getDone, churn };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const ranks = makeRanks(KEYS);
  const keys = [...ranks.keys()];
  const cases: Array<[string, KeyOrder<Rank> | undefined]> = [
    ['by rank (priority, start, id)', schedulerOrder(ranks)],
    ['FIFO', undefined],
  ];
  console.log(`workqueue: ${KEYS} keys, median of ${ROUNDS} rounds, Node ${process.version}`);
  for (const [name, order] of cases) {
    const rounds: Phases[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(keys, order));
    const fmt = (pick: (p: Phases) => number): string => Math.round(median(rounds.map(pick))).toLocaleString('en-US');
    console.log(`  ${name}: add ${fmt((p) => p.add)} ops/s; get+done ${fmt((p) => p.getDone)} ops/s; churn get+done+add at depth ${KEYS} ${fmt((p) => p.churn)} ops/s`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
