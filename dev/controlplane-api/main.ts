// The development Control Plane API as a process (demo, manual tests, benchmarks):
//   node dist/dev/controlplane-api/main.js
// Env: ETCD_ENDPOINTS (default http://127.0.0.1:2379, comma-separated), ETCD_PREFIX (/lcm),
// PORT (8020), HOST (127.0.0.1), CONTROL_PLANE_API_KEY or CONTROL_PLANE_API_KEY_FILE (none: open),
// DEV_API_ANSWERS (full, or minimal: the least contract §2 allows; see answers.ts), CONFIG_FILE (the
// scheduler's ConfigMap file: when set, an accepted scale-up boots workers of its scaleUp.templates).
// SIGTERM or SIGINT closes the server and the etcd client, then exits 0.
import { readFileSync } from 'node:fs';
import { loadConfigFile } from '../../pkg/config';
import { EtcdStore } from '../../pkg/store';
import type { AnswerMode } from './answers';
import { ANSWER_MODES } from './answers';
import { start } from './server';

function isAnswerMode(value: string): value is AnswerMode {
  return (ANSWER_MODES as readonly string[]).includes(value);
}

function apiKeyFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const file = env['CONTROL_PLANE_API_KEY_FILE'];
  if (file !== undefined && file !== '') return readFileSync(file, 'utf8').trim();
  const key = env['CONTROL_PLANE_API_KEY'];
  return key === undefined || key === '' ? undefined : key;
}

function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level: 'info', message, ...fields })}\n`);
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const endpoints = (env['ETCD_ENDPOINTS'] ?? 'http://127.0.0.1:2379').split(',').map((e) => e.trim()).filter((e) => e !== '');
  const port = Number(env['PORT'] ?? '8020');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`PORT must be an integer 0-65535, got ${env['PORT']}`);
  const prefix = env['ETCD_PREFIX'] ?? '/lcm';
  const apiKey = apiKeyFromEnv(env);
  const answers = env['DEV_API_ANSWERS'] ?? 'full';
  if (!isAnswerMode(answers)) throw new RangeError(`DEV_API_ANSWERS must be one of ${ANSWER_MODES.join(', ')}, got ${answers}`);
  const configFile = env['CONFIG_FILE'];
  const templates = configFile === undefined || configFile === '' ? undefined : (await loadConfigFile(configFile)).config.scaleUp.templates;
  const store = await EtcdStore.connect({ endpoints });
  const api = await start({ store, prefix, port, host: env['HOST'] ?? '127.0.0.1', apiKey, answers, templates: templates === undefined ? undefined : () => templates });
  log('development control plane API listening', { url: api.url, prefix, isKeyRequired: apiKey !== undefined, answers });
  const stop = (): void => {
    void api.close().then(() => store.close()).then(() => {
      log('development control plane API stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.env).catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', message: 'development control plane API failed to start', error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
