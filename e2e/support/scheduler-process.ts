// Runs the real service (`node dist/main.js`, built by `make test` before the e2e suite) as a child
// process, capturing its JSON log lines, for tests that probe it over HTTP and send it signals.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';

/** The built service: found from e2e/support (Jest) and from dist/e2e/support (compiled benchmarks). */
export const MAIN_JS = basename(join(__dirname, '..', '..')) === 'dist'
  ? join(__dirname, '..', '..', 'main.js')
  : join(__dirname, '..', '..', 'dist', 'main.js');

export interface SchedulerProcess {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly baseUrl: string;
  /** Every stdout and stderr line so far. */
  readonly output: string[];
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | NodeJS.Signals>;
  get(path: string): Promise<{ status: number; body: unknown }>;
  kill(signal: NodeJS.Signals): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startScheduler(env: Record<string, string>): Promise<SchedulerProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` (make test does) before the e2e suite`);
  const httpPort = Number(env['HTTP_PORT'] ?? (await freePort()));
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env['PATH'] ?? '', OTEL_SDK_DISABLED: 'true', OTEL_LOGS_EXPORTER: 'none', CONFIG_FILE: '/nonexistent/config.yaml', ...env, HTTP_PORT: String(httpPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer): void => { output.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '')); };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'SIGKILL'));
  });
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  return {
    child,
    httpPort,
    baseUrl,
    output,
    exited,
    async get(path: string) {
      const reply = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
      const text = await reply.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* text body, e.g. /metrics */ }
      return { status: reply.status, body };
    },
    kill(signal: NodeJS.Signals) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The status of GET path, or 0 while nothing answers. */
export async function statusOf(proc: SchedulerProcess, path: string): Promise<number> {
  try {
    return (await proc.get(path)).status;
  } catch {
    return 0;
  }
}
