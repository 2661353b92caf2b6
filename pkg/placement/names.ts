// Plugin names and reason codes, open: a plugin declares its own name and reasons (PascalCase, spelled
// exactly as in contract §3 for the contract's rules) in its own file. Each reason gets a small integer
// code on first use, so the engine counts rejections by code without a string lookup; codes are per
// process and never leave it (decisions, messages and metrics carry the strings).

/** A filter's or scorer's name, declared by the plugin (e.g. 'ResourcesFit'). */
export type PluginName = string;
export type FilterPluginName = PluginName;
export type ScorePluginName = PluginName;
/** A reason a filter declares (e.g. 'InsufficientCpu'). */
export type FilterReason = string;

/** Reasons an unschedulable report may carry besides the filters' (contract §1, §2). */
export const INSTANCE_REASONS = ['TimeslotMissed', 'InvalidSpec'] as const;
export type UnschedulableReason = FilterReason;

/** At most this many distinct reasons per process (a decision keeps one byte per worker: 2 + code). */
export const MAX_REASONS = 250;
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;

const codes = new Map<FilterReason, number>();
const reasons: FilterReason[] = [];

/** The code of a reason, given on first use; throws for a name that is not PascalCase or past MAX_REASONS. */
export function reasonCode(reason: FilterReason): number {
  const known = codes.get(reason);
  if (known !== undefined) return known;
  if (!PASCAL_CASE.test(reason)) throw new Error(`reason "${reason}" must be PascalCase`);
  if (reasons.length >= MAX_REASONS) throw new Error(`more than ${MAX_REASONS} filter reasons`);
  codes.set(reason, reasons.length);
  reasons.push(reason);
  return reasons.length - 1;
}

/** The reason of a code given by reasonCode. */
export function reasonAt(code: number): FilterReason {
  const reason = reasons[code];
  if (reason === undefined) throw new Error(`no reason has code ${code}`);
  return reason;
}

/** How many reasons have a code (codes are 0..reasonCount() - 1). */
export function reasonCount(): number {
  return reasons.length;
}
