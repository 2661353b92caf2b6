// Watches CONFIG_FILE (the mounted ConfigMap) and applies each valid change live (issue 10).
// - Watches the file's directory, not the file: the kubelet updates a ConfigMap volume by an atomic
//   swap of its `..data` symlink, which a watch on the old file would never see.
// - Re-reads after debounceMs of quiet following any event in that directory, and every
//   pollIntervalMs anyway (a missed event, a directory that appears later); only a content that
//   differs from the last one looked at is parsed.
// - A valid change is set on the ConfigHolder. An invalid one is refused with every problem logged
//   at error level (a human must act) and counted; the last good configuration stays. A file that
//   disappears keeps the last good configuration too, said once at warn.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, Timer } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import { requireNumber } from '../options';
import { changedKeys, fromNextTerm } from './changes';
import { ConfigValidationError, isConfigValidationError } from './errors';
import type { ConfigHolder } from './holder';
import { parseConfig } from './load';
import type { SchedulerConfig } from './schema';

/** scheduler_config_reloads_total{result} (contract §4); a file that is unchanged or absent counts neither. */
export type ReloadResult = 'success' | 'failure';

export interface ConfigReloadMetrics {
  /** Called once per changed content: accepted (success) or refused (failure). Must not throw. */
  reloaded(result: ReloadResult): void;
}

export const NOOP_CONFIG_RELOAD_METRICS: ConfigReloadMetrics = { reloaded: () => undefined };

export type ReloadOutcome =
  | { readonly kind: 'applied'; readonly changedKeys: readonly string[] }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'refused'; readonly error: ConfigValidationError }
  | { readonly kind: 'absent' };

export interface ConfigWatcherOptions {
  /** CONFIG_FILE; may be a symlink into `..data/` (a ConfigMap volume) and may not exist yet. */
  readonly path: string;
  readonly holder: ConfigHolder;
  readonly clock: Clock;
  /** Default: no logging. */
  readonly logger?: Logger;
  /** Default: NOOP_CONFIG_RELOAD_METRICS. */
  readonly metrics?: ConfigReloadMetrics;
  /** Told of each refused change, after it is logged and counted (a Kubernetes Event). Must not block. */
  readonly onRefused?: (error: ConfigValidationError) => void;
  /** Quiet time after the last event in the directory before re-reading, ms > 0; default 250. */
  readonly debounceMs?: number;
  /** Re-read this often whatever the events, ms > 0; default 10,000. */
  readonly pollIntervalMs?: number;
}

type FileRead =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable'; readonly message: string };

const UNCHANGED: ReloadOutcome = { kind: 'unchanged' };

export class ConfigWatcher {
  private readonly logger: Logger;
  private readonly metrics: ConfigReloadMetrics;
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private readonly dir: string;
  /** What the last read found ('absent', 'text:...', 'unreadable:...'); undefined before the first. */
  private seen: string | undefined;
  private reads: Promise<unknown> = Promise.resolve();
  private fsWatcher: FSWatcher | undefined;
  private watchedInode: number | undefined;
  private debounceTimer: Timer | undefined;
  private pollTimer: Timer | undefined;
  private stopped = false;

  constructor(private readonly o: ConfigWatcherOptions) {
    this.logger = o.logger ?? NOOP_LOGGER;
    this.metrics = o.metrics ?? NOOP_CONFIG_RELOAD_METRICS;
    this.debounceMs = requireNumber('ConfigWatcher', 'debounceMs', o.debounceMs ?? 250, 'positive');
    this.pollIntervalMs = requireNumber('ConfigWatcher', 'pollIntervalMs', o.pollIntervalMs ?? 10_000, 'positive');
    this.dir = dirname(o.path);
  }

  /**
   * Takes the file as it is now as the baseline (silently, when it matches the holder's
   * configuration, as it does right after the start loaded it), then starts watching and polling.
   */
  async start(): Promise<void> {
    await this.enqueue(true);
    await this.attach();
    this.armPoll();
  }

  /** Stops watching and polling; a read in flight applies nothing. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.debounceTimer?.cancel();
    this.pollTimer?.cancel();
    this.detach();
  }

  /** Re-reads the file now. Reads run one at a time, in call order. */
  reload(): Promise<ReloadOutcome> {
    return this.enqueue(false);
  }

  /** True from an event in the directory until its debounced re-read starts. */
  isReloadPending(): boolean {
    return this.debounceTimer !== undefined;
  }

  private enqueue(initial: boolean): Promise<ReloadOutcome> {
    const read = this.reads.then(() => this.check(initial));
    this.reads = read.catch(() => undefined);
    return read;
  }

  private async check(initial: boolean): Promise<ReloadOutcome> {
    const read = await readText(this.o.path);
    const fingerprint = read.kind === 'text' ? `text:${read.text}` : read.kind === 'absent' ? 'absent' : `unreadable:${read.message}`;
    if (this.stopped || fingerprint === this.seen) return UNCHANGED;
    this.seen = fingerprint;
    switch (read.kind) {
      case 'absent':
        if (!initial) this.logger.warn('config file absent; keeping the last good configuration', { configFile: this.o.path });
        return { kind: 'absent' };
      case 'unreadable':
        return this.refuse(new ConfigValidationError(this.o.path, [{ path: '(file)', message: `cannot read: ${read.message}` }]));
      case 'text': {
        let next: SchedulerConfig;
        try {
          next = parseConfig(read.text, this.o.path);
        } catch (err: unknown) {
          if (isConfigValidationError(err)) return this.refuse(err);
          throw err;
        }
        return this.apply(next, initial);
      }
    }
  }

  private apply(next: SchedulerConfig, initial: boolean): ReloadOutcome {
    const keys = changedKeys(this.o.holder.current(), next);
    if (initial && keys.length === 0) return UNCHANGED;
    this.metrics.reloaded('success');
    if (keys.length > 0) {
      try {
        this.o.holder.set(next);
      } catch (err: unknown) {
        this.logger.error('configuration accepted, but a component failed to apply it', { err, configFile: this.o.path, changedKeys: keys });
      }
    }
    this.logger.info('configuration reloaded', { configFile: this.o.path, changedKeys: keys, fromNextTerm: fromNextTerm(keys) });
    return { kind: 'applied', changedKeys: keys };
  }

  private refuse(error: ConfigValidationError): ReloadOutcome {
    this.metrics.reloaded('failure');
    this.logger.error('configuration refused; keeping the last good configuration', { configFile: this.o.path, issues: error.issues });
    try {
      this.o.onRefused?.(error);
    } catch (err: unknown) {
      this.logger.warn('reporting a refused configuration failed', { err });
    }
    return { kind: 'refused', error };
  }

  /** Watches the directory, again when it was replaced; when it is absent, the poll tries later. */
  private async attach(): Promise<void> {
    let inode: number;
    try {
      inode = (await stat(this.dir)).ino;
    } catch {
      this.detach();
      return;
    }
    if (this.stopped || (this.fsWatcher !== undefined && inode === this.watchedInode)) return;
    this.detach();
    try {
      const fsWatcher = watch(this.dir, { persistent: false }, () => this.onEvent());
      fsWatcher.on('error', (err: unknown) => {
        this.logger.warn('config directory watch failed; polling until it can watch again', { err, configDir: this.dir });
        if (this.fsWatcher === fsWatcher) this.detach();
      });
      this.fsWatcher = fsWatcher;
      this.watchedInode = inode;
      this.logger.debug('watching config directory', { configDir: this.dir });
    } catch (err: unknown) {
      this.logger.warn('cannot watch the config directory; polling', { err, configDir: this.dir });
    }
  }

  private detach(): void {
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
    this.watchedInode = undefined;
  }

  private onEvent(): void {
    if (this.stopped) return;
    this.debounceTimer?.cancel();
    this.debounceTimer = this.o.clock.setTimer(this.debounceMs, () => {
      this.debounceTimer = undefined;
      this.inBackground(this.reload());
    });
  }

  private armPoll(): void {
    if (this.stopped) return;
    this.pollTimer = this.o.clock.setTimer(this.pollIntervalMs, () => {
      this.inBackground(this.attach().then(() => this.reload()).finally(() => this.armPoll()));
    });
  }

  private inBackground(work: Promise<unknown>): void {
    work.catch((err: unknown) => this.logger.error('config reload failed', { err, configFile: this.o.path }));
  }
}

async function readText(path: string): Promise<FileRead> {
  try {
    return { kind: 'text', text: await readFile(path, 'utf8') };
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    return { kind: 'unreadable', message: err instanceof Error ? err.message : String(err) };
  }
}
