// What a conformance check is: a name, the contract clause it holds the API to, and a run over a
// Session. A check passes by returning; it fails by throwing CheckFailure (what the contract expected,
// what came back) and is skipped by throwing CheckSkipped (why it cannot run here). Notes record what
// the contract allows but a reader may want to know (a 409 without `phase`, a 204 for a 200).
import type { Session } from './session';

export interface CheckContext {
  readonly session: Session;
  /** Records a remark printed under the check's line; never fails the check. */
  note(text: string): void;
}

export interface Check {
  /** Stable, unique, kebab-case with one slash: `schedule-order/401-before-404`. */
  readonly name: string;
  /** The contract clause held to, e.g. "§2 schedule: checked in this order". */
  readonly clause: string;
  run(ctx: CheckContext): Promise<void>;
}

/** The API answered otherwise than the contract says. */
export class CheckFailure extends Error {
  readonly code = 'CheckFailure' as const;
  override readonly name = 'CheckFailure';
}

/** The check cannot run against this API (e.g. no key configured, so no 401 to provoke). */
export class CheckSkipped extends Error {
  readonly code = 'CheckSkipped' as const;
  override readonly name = 'CheckSkipped';
}

function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

export const isCheckFailure = (err: unknown): err is CheckFailure => hasCode(err, 'CheckFailure');
export const isCheckSkipped = (err: unknown): err is CheckSkipped => hasCode(err, 'CheckSkipped');

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  readonly name: string;
  readonly clause: string;
  readonly outcome: Outcome;
  /** Why it failed or was skipped; empty when it passed. */
  readonly message: string;
  readonly notes: readonly string[];
}
