// The live configuration: one current, frozen SchedulerConfig that components read at each use,
// and listeners told of each accepted change (the file watcher of issue 10 calls set()).
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

  /** Replaces the configuration and tells every listener, in registration order. */
  set(next: SchedulerConfig): void {
    const previous = this.config;
    this.config = next;
    for (const listener of this.listeners) listener(previous, next);
  }
}
