// Test support (a test-only entry point, not exported from index.ts): a real WinstonLogger whose
// JSON lines are kept in memory, so tests can read what was logged, at which level, with which fields;
// and a ConfigMap volume written as the kubelet writes it.
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LogLevel } from '../observability';
import { WinstonLogger } from '../observability';

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export interface CapturedLogs {
  readonly logger: WinstonLogger;
  /** Every line so far, parsed. */
  lines(): LogLine[];
  /** The lines with this message. */
  withMessage(message: string): LogLine[];
}

export function captureLogs(level: LogLevel = 'debug'): CapturedLogs {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const logger = WinstonLogger.create({ level, stream });
  return { logger, lines: () => [...lines], withMessage: (message) => lines.filter((l) => l.message === message) };
}

/**
 * Writes a ConfigMap volume exactly as the kubelet's atomic writer does: the files go into a new
 * timestamped directory, a `..data_tmp` symlink to it is renamed over `..data`, the user-visible
 * `config.yaml -> ..data/config.yaml` link is made once, and the previous directory is removed.
 */
export class KubeletVolume {
  private generation = 0;
  constructor(readonly dir: string) {}

  get file(): string {
    return join(this.dir, 'config.yaml');
  }

  async write(text: string): Promise<void> {
    this.generation += 1;
    const stamp = `..2026_11_27_10_00_00.${String(this.generation).padStart(9, '0')}`;
    await mkdir(join(this.dir, stamp));
    await writeFile(join(this.dir, stamp, 'config.yaml'), text);
    const previous = await readlink(join(this.dir, '..data')).catch(() => undefined);
    await symlink(stamp, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (previous === undefined) await symlink(join('..data', 'config.yaml'), this.file);
    else await rm(join(this.dir, previous), { recursive: true });
  }
}
