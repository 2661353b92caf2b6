// Runs the checks one after another against one API, each on fixtures of its own, and prints one
// line per check (PASS, FAIL or SKIP, its name and clause, and why when it did not pass; notes
// indented beneath) and a last line `N passed, N failed` (`, N skipped` when any were). A check that throws
// anything but CheckSkipped fails, with the error's message. The session's keys are deleted at the
// end, also when a check fails or the run is aborted.
import type { Check, CheckResult, Outcome } from './check';
import { isCheckFailure, isCheckSkipped } from './check';
import { ALL_CHECKS } from './checks';
import type { ConformanceTarget } from './session';
import { Session } from './session';

export interface RunOptions {
  /** Default: every check (ALL_CHECKS). */
  readonly checks?: readonly Check[];
  /** Receives each printed line. Default: none. */
  readonly print?: (line: string) => void;
  /** Stops before the next check; the keys written are still removed. */
  readonly signal?: AbortSignal;
}

export interface ConformanceReport {
  readonly results: readonly CheckResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** `N passed, N failed` (`, N skipped`). */
  readonly summary: string;
}

const LABELS: Readonly<Record<Outcome, string>> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

export async function runConformance(target: ConformanceTarget, options: RunOptions = {}): Promise<ConformanceReport> {
  const print = options.print ?? (() => undefined);
  const session = await Session.open(target);
  const results: CheckResult[] = [];
  try {
    for (const check of options.checks ?? ALL_CHECKS) {
      if (options.signal?.aborted === true) break;
      const result = await runOne(check, session);
      results.push(result);
      print(formatResult(result));
      for (const note of result.notes) print(`     note: ${note}`);
    }
  } finally {
    await session.close();
  }
  const count = (outcome: Outcome): number => results.filter((r) => r.outcome === outcome).length;
  const [passed, failed, skipped] = [count('passed'), count('failed'), count('skipped')];
  const summary = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  print(summary);
  return { results, passed, failed, skipped, summary };
}

async function runOne(check: Check, session: Session): Promise<CheckResult> {
  const notes: string[] = [];
  const base = { name: check.name, clause: check.clause, notes };
  try {
    await session.renewTerm();
    await check.run({ session, note: (text) => notes.push(text) });
    return { ...base, outcome: 'passed', message: '' };
  } catch (err: unknown) {
    if (isCheckSkipped(err)) return { ...base, outcome: 'skipped', message: err.message };
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, outcome: 'failed', message: isCheckFailure(err) ? message : `error: ${message}` };
  }
}

/** One line: `PASS  name  (clause)`, or with `: why` after it for a failure or a skip. */
export function formatResult(result: CheckResult): string {
  const line = `${LABELS[result.outcome]}  ${result.name}  (${result.clause})`;
  return result.message === '' ? line : `${line}: ${result.message}`;
}
