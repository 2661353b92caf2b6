// Fault knobs for tests: per route, answer 500, 503 or 429 (with Retry-After), 401, malformed JSON,
// reset the connection or hang, on a share of calls drawn from a seeded generator (so a run repeats),
// either before the call is processed or after it committed (its answer lost). Malformed JSON comes
// with a 200, which contract §2 (v1.1) makes a definite success: it is played only after the commit. And "hold the next
// schedule request": it is checked, then waits before its transaction until released (fence tests).
import { z } from 'zod';

export const API_ROUTES = ['schedule', 'unschedulable', 'scaleUp'] as const;
export type ApiRoute = (typeof API_ROUTES)[number];

export const FAULT_KINDS = ['status500', 'status503', 'status429', 'status401', 'malformedJson', 'reset', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FaultRuleSchema = z.object({
  /** Which calls; '*' = all three. */
  route: z.enum([...API_ROUTES, '*']),
  kind: z.enum(FAULT_KINDS),
  /** Share of matching calls that get the fault, 0..1. Default 1. */
  share: z.number().min(0).max(1).default(1),
  /** 'before': the call is not processed. 'after': it is processed (and committed), then its answer is replaced. Default 'before'. */
  when: z.enum(['before', 'after']).default('before'),
  /** Retry-After for status503 and status429, seconds. Default 1. */
  retryAfterSeconds: z.number().int().nonnegative().default(1),
  /** Fire at most this many times. Default: no limit. */
  count: z.number().int().positive().optional(),
}).refine((rule) => rule.kind !== 'malformedJson' || rule.when === 'after', {
  path: ['when'],
  message: "malformedJson answers 200, a definite success (contract §2, v1.1): it needs when: 'after' (an API that answers 200 without committing breaks the contract)",
});
export type FaultRule = z.output<typeof FaultRuleSchema>;
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;

export const FaultSettingsSchema = z.object({
  seed: z.number().int().default(1),
  rules: z.array(FaultRuleSchema).default([]),
});
export type FaultSettingsInput = z.input<typeof FaultSettingsSchema>;

/** A held schedule request: `reached` resolves once it has passed its checks and waits; release() lets it commit. */
export interface HeldSchedule {
  readonly reached: Promise<void>;
  release(): void;
}

interface ArmedRule {
  readonly rule: FaultRule;
  fired: number;
}

export class FaultKnobs {
  private rules: ArmedRule[] = [];
  private seed = 1;
  private random: () => number = mulberry32(1);
  private armedHold: HoldGate | undefined;
  private readonly holding = new Set<HoldGate>();

  /** Replaces every rule and reseeds the generator. */
  set(settings: FaultSettingsInput): void {
    const parsed = FaultSettingsSchema.parse(settings);
    this.seed = parsed.seed;
    this.random = mulberry32(parsed.seed);
    this.rules = parsed.rules.map((rule) => ({ rule, fired: 0 }));
  }

  /** Adds one rule, keeping the others and the generator's state. */
  add(rule: FaultRuleInput): void {
    this.rules.push({ rule: FaultRuleSchema.parse(rule), fired: 0 });
  }

  /** Removes every rule and releases any held request. */
  clear(): void {
    this.rules = [];
    this.armedHold = undefined;
    this.releaseAll();
  }

  describe(): { seed: number; rules: Array<FaultRule & { fired: number }>; heldSchedules: number } {
    return { seed: this.seed, rules: this.rules.map((r) => ({ ...r.rule, fired: r.fired })), heldSchedules: this.holding.size };
  }

  /** The fault for this call, if any: the first rule that matches and draws under its share. */
  pick(route: ApiRoute): FaultRule | undefined {
    for (const armed of this.rules) {
      const { rule } = armed;
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.count !== undefined && armed.fired >= rule.count) continue;
      if (rule.share < 1 && this.random() >= rule.share) continue;
      armed.fired += 1;
      return rule;
    }
    return undefined;
  }

  /** Holds the next schedule request that arrives (one at a time; arming again replaces the last). */
  holdNextSchedule(): HeldSchedule {
    const gate = new HoldGate(() => this.holding.delete(gate));
    this.armedHold = gate;
    return gate;
  }

  /** Releases every held request (they commit now). */
  releaseAll(): void {
    for (const gate of [...this.holding]) gate.release();
  }

  /** For the schedule path: the gate this request must wait at, if it is the one to hold. */
  takeHold(): HoldGate | undefined {
    const gate = this.armedHold;
    this.armedHold = undefined;
    if (gate !== undefined) this.holding.add(gate);
    return gate;
  }
}

export class HoldGate implements HeldSchedule {
  readonly reached: Promise<void>;
  private markReached: () => void = () => undefined;
  private open: () => void = () => undefined;
  private readonly opened: Promise<void>;

  constructor(private readonly onRelease: () => void) {
    this.reached = new Promise((resolve) => { this.markReached = resolve; });
    this.opened = new Promise((resolve) => { this.open = resolve; });
  }

  /** Called by the held request when it waits; resolves when released. */
  wait(): Promise<void> {
    this.markReached();
    return this.opened;
  }

  release(): void {
    this.onRelease();
    this.open();
  }
}

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
