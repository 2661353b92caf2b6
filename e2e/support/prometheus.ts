// A real Prometheus for e2e tests (issue 17): promtool runs, and a `prometheus` server on a loopback
// port with its own temporary storage, scraping given targets. Both come from PATH (`make prometheus`
// installs Debian's package). close() ends the server and removes its files: nothing is left behind.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../harness';
import { findExecutable } from '../harness/executables';
import { freePort } from '../harness/ports';

/** Why the Prometheus tests cannot run here, or undefined when both binaries are on PATH. */
export function prometheusMissing(): string | undefined {
  const missing = ['promtool', 'prometheus'].filter((name) => findExecutable(name) === undefined);
  return missing.length === 0 ? undefined : `${missing.join(' and ')} not on PATH: \`make prometheus\` installs Debian's prometheus package`;
}

export interface ToolRun {
  /** The exit code (-1 when killed by a signal). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs promtool with `args` in `cwd`, feeding `stdin` when given; never rejects for a non-zero exit. */
export function promtool(args: readonly string[], options: { cwd?: string; stdin?: string } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(findExecutable('promtool') ?? 'promtool', args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

export interface StartPrometheusOptions {
  /** The scrape job's name (becomes the `job` label). */
  readonly jobName: string;
  /** host:port targets of that job. */
  readonly targets: readonly string[];
  /** Scrape and rule evaluation interval, s. Default 1. */
  readonly intervalSeconds?: number;
  /** Plain Prometheus rule files to load (absolute paths). */
  readonly ruleFiles?: readonly string[];
}

/** An answer of the HTTP API (/api/v1/...), as Prometheus documents it. */
export interface ApiAnswer<T> {
  readonly status: 'success' | 'error';
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
  readonly warnings?: readonly string[];
}

export interface QueryResult {
  readonly resultType: string;
  readonly result: ReadonlyArray<{ readonly metric: Readonly<Record<string, string>>; readonly value?: readonly [number, string] }>;
}

export interface PrometheusServer {
  readonly url: string;
  /** GET /api/v1/{path}; the JSON answer whatever the status code (errors come as status "error"). */
  api<T>(path: string, params?: Readonly<Record<string, string>>): Promise<ApiAnswer<T>>;
  /** An instant query now. */
  query(expr: string): Promise<ApiAnswer<QueryResult>>;
  /** Every log line so far. */
  readonly output: string[];
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its files; idempotent. */
  close(): Promise<void>;
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const binary = findExecutable('prometheus');
  if (binary === undefined) throw new Error(prometheusMissing());
  const interval = `${options.intervalSeconds ?? 1}s`;
  const dir = mkdtempSync(join(tmpdir(), 'lablet-prometheus-'));
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: [{ job_name: options.jobName, static_configs: [{ targets: [...options.targets] }] }],
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer): void => { output.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '')); };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => { child.once('exit', () => resolve()); });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= stop(child, exited).finally(() => rmSync(dir, { recursive: true, force: true }));
    return closed;
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output.slice(-5).join(' | ')}`);
      return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200;
    }, { timeoutMs: 30_000, message: `prometheus ready on ${url}` });
  } catch (err: unknown) {
    await close();
    throw err;
  }
  const api = async <T>(path: string, params: Readonly<Record<string, string>> = {}): Promise<ApiAnswer<T>> => {
    const reply = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(10_000) });
    return (await reply.json()) as ApiAnswer<T>;
  };
  return { url, api, query: (expr) => api<QueryResult>('query', { query: expr }), output, close };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}
