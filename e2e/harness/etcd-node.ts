// What every way of running a test etcd shares: endpoints fixed at creation, restart as stop then
// start, compaction over HTTP, and an idempotent destroy that kills etcd and removes its data dir.
import { rm } from 'node:fs/promises';
import type { EtcdHandle } from './etcd';
import type { HarnessTls } from './etcd-http';
import { compactVia } from './etcd-http';

export abstract class EtcdNode implements EtcdHandle {
  abstract readonly runtime: EtcdHandle['runtime'];
  readonly endpoints: readonly string[];
  private destroying: Promise<void> | undefined;

  protected constructor(
    protected readonly clientUrl: string,
    protected readonly dataDir: string,
    /** How the harness reaches an https etcd; undefined for http. */
    protected readonly harnessTls?: HarnessTls,
  ) {
    this.endpoints = [clientUrl];
  }

  /** Starts etcd if it is not running and resolves once it is healthy. */
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract kill(): Promise<void>;

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  compact(revision: number): Promise<void> {
    return compactVia(this.clientUrl, revision, this.harnessTls);
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      await this.kill();
      await rm(this.dataDir, { recursive: true, force: true });
    })();
    return this.destroying;
  }

  protected assertNotDestroyed(): void {
    if (this.destroying !== undefined) throw new Error('this etcd has been destroyed');
  }
}
