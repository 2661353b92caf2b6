// Open registries of plugins and placers (kube-scheduler's registry and profiles). A plugin registers a
// factory under the name it declares; a placer is a profile: filter names in the order they run and
// score names with weights. Both are checked when registered, so a bad profile fails at start-up, and
// createPlacer builds the engine (runner.ts) from a profile. The process-wide registry, with the
// built-in plugins and placers, is in registrations.ts.
import type { FilterPlugin, ScorePlugin, WeightedScorer } from './framework';
import type { PluginName } from './names';
import type { Placer, PlacerConfig, ScoreWeights } from './placer';
import { DEFAULT_WEIGHTS } from './placer';
import { FrameworkPlacer } from './runner';

/** What a plugin's file exports for registration: its name and how to make one. */
export type PluginFactory =
  | { readonly kind: 'filter'; readonly name: PluginName; make(): FilterPlugin }
  | { readonly kind: 'scorer'; readonly name: PluginName; make(): ScorePlugin };

export interface ProfileScorer {
  readonly plugin: PluginName;
  /** A fixed weight, or the placement.weights field that gives it (ConfigMap). */
  readonly weight: number | keyof ScoreWeights;
}

/** A placer as plugin lists: what the ConfigMap key placement.placer names. */
export interface PlacerProfile {
  readonly name: string;
  /** Filter plugins in the order they run: a worker is counted under the first that rejects it. */
  readonly filters: readonly PluginName[];
  readonly scorers: readonly ProfileScorer[];
}

const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const PLACER_NAME = /^[a-z][a-z0-9-]*$/;

export class PlacementRegistry {
  private readonly plugins = new Map<PluginName, PluginFactory>();
  private readonly placers = new Map<string, PlacerProfile>();

  /** Throws on a name that is not PascalCase or already registered. */
  registerPlugin(factory: PluginFactory): void {
    if (!PASCAL_CASE.test(factory.name)) throw new Error(`plugin "${factory.name}" must be PascalCase`);
    if (this.plugins.has(factory.name)) throw new Error(`plugin ${factory.name} is already registered`);
    this.plugins.set(factory.name, factory);
  }

  /** Throws on a name taken or not kebab-case, or a profile naming an unknown plugin or one of the wrong kind. */
  registerPlacer(profile: PlacerProfile): void {
    if (!PLACER_NAME.test(profile.name)) throw new Error(`placer "${profile.name}" must be lower-case kebab-case`);
    if (this.placers.has(profile.name)) throw new Error(`placer ${profile.name} is already registered`);
    this.filters(profile.filters);
    this.scorers(profile, DEFAULT_WEIGHTS);
    this.placers.set(profile.name, profile);
  }

  /** Registered placer names, in registration order. */
  placerNames(): readonly string[] {
    return [...this.placers.keys()];
  }

  isPlacer(name: string): boolean {
    return this.placers.has(name);
  }

  /** The placer registered under name; throws naming the known ones when there is none. */
  createPlacer(name: string, config: PlacerConfig = {}): Placer {
    const profile = this.placers.get(name);
    if (profile === undefined) throw new Error(unknownPlacerMessage(name, this.placerNames()));
    return new FrameworkPlacer({
      name,
      filters: this.filters(profile.filters),
      scorers: this.scorers(profile, config.weights ?? DEFAULT_WEIGHTS),
      percentageOfWorkersToScore: config.percentageOfWorkersToScore,
      reuse: config.reuse,
    });
  }

  /** New filter plugins by name, in the given order. */
  filters(names: readonly PluginName[]): FilterPlugin[] {
    return names.map((name) => {
      const factory = this.plugins.get(name);
      if (factory?.kind !== 'filter') throw new Error(`no filter plugin ${name} is registered`);
      return factory.make();
    });
  }

  private scorers(profile: PlacerProfile, weights: ScoreWeights): WeightedScorer[] {
    return profile.scorers.map(({ plugin, weight }) => {
      const factory = this.plugins.get(plugin);
      if (factory?.kind !== 'scorer') throw new Error(`placer ${profile.name}: no score plugin ${plugin} is registered`);
      return { plugin: factory.make(), weight: typeof weight === 'number' ? weight : weights[weight] };
    });
  }
}

/** The error for an unknown placer name (config validation says the same). */
export function unknownPlacerMessage(name: string, known: readonly string[]): string {
  return `placement.placer: unknown placer "${name}" (known: ${known.join(', ')})`;
}
