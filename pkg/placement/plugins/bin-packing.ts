// Scorer BinPacking (contract §3): floor(100 x mean over cpu, memory, storage of
// (allocated + requested) / capacity), computed exactly: floats alone would score three 30% ratios 29.
// A dimension of capacity 0 counts as 0 (as kube-scheduler's MostAllocated does).
import type { Resources } from '../../objects';
import type { PlacementRequest, RowScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerColumns } from '../worker-table';
import { CPU, MEMORY, RESOURCE_STRIDE, STORAGE } from '../worker-table';

export const BIN_PACKING = 'BinPacking' satisfies ScorePluginName;

/** The BinPacking score (0..100) of placing requested on the worker at `position` of the resource columns. */
export function binPackingScore(requested: Resources, allocated: Float64Array, capacity: Float64Array, position: number): number {
  const o = position * RESOURCE_STRIDE;
  return meanPercentFloor(
    allocated[o + CPU]! + requested.cpuMilli, capacity[o + CPU]!,
    allocated[o + MEMORY]! + requested.memoryMilli, capacity[o + MEMORY]!,
    allocated[o + STORAGE]! + requested.storageMilli, capacity[o + STORAGE]!,
  );
}

/**
 * floor(100 x (u1/c1 + u2/c2 + u3/c3) / 3) exactly for integers 0 <= u, c < 2^46, a ratio with c = 0
 * counting as 0, clamped to 0..100. Each 100u/c splits into an integer q and a remainder r/c; the
 * quotients decide the score except for whether the remainders' sum reaches a whole number, which
 * floats settle unless it is within 1e-9, where exact fractions do.
 */
export function meanPercentFloor(u1: number, c1: number, u2: number, c2: number, u3: number, c3: number): number {
  // Allocation-free: this runs for every feasible worker of every decision. Floats decide when the
  // value is clearly between two whole numbers (their error is below 1e-12 here); else exact integers.
  const approx = (100 * ((c1 > 0 ? u1 / c1 : 0) + (c2 > 0 ? u2 / c2 : 0) + (c3 > 0 ? u3 / c3 : 0))) / 3;
  const whole = Math.floor(approx);
  if (approx - whole > EPSILON && whole + 1 - approx > EPSILON && whole >= 0 && whole < 100) return whole;
  const q1 = quotient(u1, c1);
  const q2 = quotient(u2, c2);
  const q3 = quotient(u3, c3);
  const quotients = q1 + q2 + q3;
  const carry = quotients % 3; // floor((quotients + F) / 3) with F = sum of remainders in [0, 3)
  const needed = 3 - carry; // one more point when F >= needed
  let score = (quotients - carry) / 3;
  if (needed < 3) {
    const reached = remaindersReach(
      remainder(u1, c1, q1), denominator(c1),
      remainder(u2, c2, q2), denominator(c2),
      remainder(u3, c3, q3), denominator(c3),
      needed,
    );
    if (reached) score += 1;
  }
  return Math.min(100, Math.max(0, score));
}

/** floor(100u / c), exact below 2^52 (the float quotient is corrected by its remainder's sign). */
function quotient(u: number, c: number): number {
  if (c <= 0) return 0;
  const n = 100 * u;
  const q = Math.floor(n / c);
  const r = n - q * c;
  return r < 0 ? q - 1 : r >= c ? q + 1 : q;
}

function remainder(u: number, c: number, q: number): number {
  return c <= 0 ? 0 : 100 * u - q * c;
}

function denominator(c: number): number {
  return c <= 0 ? 1 : c;
}

const EPSILON = 1e-9;
const SAFE_PRODUCT = 2 ** 50;

/** Whether r1/c1 + r2/c2 + r3/c3 >= whole (each fraction in [0, 1)). */
function remaindersReach(r1: number, c1: number, r2: number, c2: number, r3: number, c3: number, whole: number): boolean {
  const sum = r1 / c1 + r2 / c2 + r3 / c3;
  if (Math.abs(sum - whole) > EPSILON) return sum > whole;
  // Too close for floats: compare exactly, in reduced fractions (usually small denominators), else BigInt.
  const g1 = gcd(r1, c1);
  const g2 = gcd(r2, c2);
  const g3 = gcd(r3, c3);
  const [a1, b1, a2, b2, a3, b3] = [r1 / g1, c1 / g1, r2 / g2, c2 / g2, r3 / g3, c3 / g3];
  if (b1 * b2 * b3 <= SAFE_PRODUCT) return a1 * b2 * b3 + a2 * b1 * b3 + a3 * b1 * b2 >= whole * b1 * b2 * b3;
  const [x1, y1, x2, y2, x3, y3] = [a1, b1, a2, b2, a3, b3].map(BigInt) as [bigint, bigint, bigint, bigint, bigint, bigint];
  return x1 * y2 * y3 + x2 * y1 * y3 + x3 * y1 * y2 >= BigInt(whole) * y1 * y2 * y3;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a === 0 ? 1 : a;
}

/** Reads the row's allocation and capacity and request.requested only, so the engine keeps it per row. */
export class BinPackingScorer implements RowScorePlugin {
  readonly scope = 'row';
  readonly name = BIN_PACKING;

  scoreRow(request: PlacementRequest, workers: WorkerColumns, position: number): number {
    return binPackingScore(request.requested, workers.allocated, workers.capacity, position);
  }
}

export const binPacking: PluginFactory = { kind: 'scorer', name: BIN_PACKING, make: () => new BinPackingScorer() };
