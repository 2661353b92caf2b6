// Where the X-API-Key value comes from (contract §4: CONTROL_PLANE_API_KEY or _FILE). A file source
// serves its last good value at once and checks the file in the background at most once per
// checkIntervalMs, re-reading it when its mtime, size or inode changed (rotation, including Kubernetes'
// symlink swap). A call never waits on the file. Errors name the path, never the content.
import { promises as fsp, readFileSync, statSync } from 'node:fs';
import type { Clock } from '../clock';
import { requireNumber } from '../options';

export interface ApiKeySource {
  /** The key to send now, or undefined to send none. Never blocks. */
  current(): string | undefined;
}

/** Whether a key can be sent as an X-API-Key value: visible ASCII, no spaces (as API keys are). */
export function isSendableKey(key: string): boolean {
  return /^[\x21-\x7e]+$/.test(key);
}

export class StaticApiKey implements ApiKeySource {
  constructor(private readonly key: string | undefined) {
    // The message never shows the key.
    if (key !== undefined && !isSendableKey(key)) throw new RangeError('CONTROL_PLANE_API_KEY must be visible ASCII characters without spaces');
  }
  current(): string | undefined {
    return this.key;
  }
}

/** The file-system calls FileApiKey makes (a seam for tests). */
export interface KeyFileSystem {
  stat(path: string): Promise<{ mtimeMs: number; size: number; ino: number }>;
  readFile(path: string): Promise<string>;
}

const nodeKeyFileSystem: KeyFileSystem = {
  stat: (path) => fsp.stat(path),
  readFile: (path) => fsp.readFile(path, 'utf8'),
};

export interface FileApiKeyOptions {
  /** Least time between two checks of the file, ms. Default 1000. */
  readonly checkIntervalMs?: number;
  /** Told when a check fails; the last good key stays. Default: ignored. */
  readonly onError?: (err: Error) => void;
  /** Default: node:fs. */
  readonly fs?: KeyFileSystem;
}

export class FileApiKey implements ApiKeySource {
  private key: string;
  private stamp: string;
  private lastCheckMs: number;
  private checking: Promise<void> | undefined;
  private readonly checkIntervalMs: number;
  private readonly onError: (err: Error) => void;
  private readonly fs: KeyFileSystem;

  /** Reads the file once, synchronously (start-up); throws when it is missing or empty. */
  constructor(private readonly path: string, private readonly clock: Clock, options: FileApiKeyOptions = {}) {
    this.checkIntervalMs = requireNumber('FileApiKey', 'checkIntervalMs', options.checkIntervalMs ?? 1000, 'nonNegative');
    this.onError = options.onError ?? (() => undefined);
    this.fs = options.fs ?? nodeKeyFileSystem;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
      this.stamp = stampOf(statSync(path));
    } catch (err: unknown) {
      throw new Error(`cannot read the control plane API key file ${path}: ${errorCode(err)}`);
    }
    this.key = parseKey(text, path);
    this.lastCheckMs = clock.monotonicNow();
  }

  current(): string {
    if (this.checking === undefined && this.clock.monotonicNow() - this.lastCheckMs >= this.checkIntervalMs) {
      void this.refresh();
    }
    return this.key;
  }

  /** Checks the file now (once at a time); resolves when the check is over. Never rejects. */
  refresh(): Promise<void> {
    if (this.checking !== undefined) return this.checking;
    this.lastCheckMs = this.clock.monotonicNow();
    this.checking = this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<void> {
    try {
      const stamp = stampOf(await this.fs.stat(this.path));
      if (stamp === this.stamp) return;
      const key = parseKey(await this.fs.readFile(this.path), this.path);
      this.key = key;
      this.stamp = stamp;
    } catch (err: unknown) {
      this.onError(err instanceof KeyFileError ? err : new KeyFileError(`cannot re-read the control plane API key file ${this.path}: ${errorCode(err)}`));
    }
  }
}

class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

function stampOf(stat: { mtimeMs: number; size: number; ino: number }): string {
  return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
}

function parseKey(text: string, path: string): string {
  const key = text.trim();
  if (key === '') throw new KeyFileError(`the control plane API key file ${path} is empty`);
  if (/[\r\n]/.test(key)) throw new KeyFileError(`the control plane API key file ${path} holds more than one line`);
  if (!isSendableKey(key)) throw new KeyFileError(`the control plane API key file ${path} holds characters other than visible ASCII`);
  return key;
}

/** Only the error's code (ENOENT, EACCES), so no file content can leak into a message. */
function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof KeyFileError ? err.message : 'unreadable';
}
