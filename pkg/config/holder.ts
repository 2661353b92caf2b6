// The live configuration: one current, frozen SchedulerConfig that components read at each use,
// and listeners told of each accepted change (the file watcher of issue 10 calls set()). Every
// listener hears every change, even when an earlier one throws.
import type { SchedulerConfig } from './schema';

export type ConfigListener = (previous: SchedulerConfig, next: SchedulerConfig) => void;

export class ConfigHolder {
  private readonly listeners: ConfigListener[] = [];

  constructor(private config: SchedulerConfig) {}

  current(): SchedulerConfig {
    return this.config;
  }

  onChange(listener: ConfigListener): void {
    this.listeners.push(listener);
  }

  /**
   * Replaces the configuration and tells every listener, in registration order. When listeners
   * throw, the rest still run and the first error is rethrown afterwards (the new configuration
   * stays: it was valid; the caller logs the failure).
   */
  set(next: SchedulerConfig): void {
    const previous = this.config;
    this.config = next;
    const failures: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        listener(previous, next);
      } catch (err: unknown) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
