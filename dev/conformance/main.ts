// `make conformance`: the contract §2 checks against a Control Plane API, one line per check and a
// last line `N passed, N failed`. Exit 0 when none failed, 1 when one did, 2 when the run could not
// start (bad environment, etcd unreachable, leader key taken). See docs/conformance.md.
//   CONTROL_PLANE_API_URL=... ETCD_ENDPOINTS=... ETCD_PREFIX=... node dist/dev/conformance/main.js
// Without CONTROL_PLANE_API_URL: against the development API, started here on an etcd from PATH.
import { EtcdStore } from '../../pkg/store';
import { startEtcd } from '../../e2e/harness';
import { ANSWER_MODES } from '../controlplane-api';
import type { DevApiTargetOptions } from './dev-target';
import { startDevApiTarget } from './dev-target';
import type { KitEnvironment } from './env';
import { readKitEnvironment } from './env';
import type { ConformanceTarget } from './session';
import { runConformance } from './runner';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The target and what to stop after the run, last started first stopped. */
async function openTarget(env: KitEnvironment, stops: Array<() => Promise<void>>): Promise<ConformanceTarget> {
  if (env.kind === 'external') {
    const store = await EtcdStore.connect(env.etcd);
    stops.push(() => store.close());
    print(`conformance: API ${env.url}, etcd ${env.etcd.endpoints.join(',')}, prefix ${env.prefix}`);
    return { url: env.url, apiKey: env.apiKey, caFile: env.caFile, store, prefix: env.prefix };
  }
  const options = devApiOptions(env.answers);
  const etcd = await startEtcd();
  stops.push(() => etcd.destroy());
  const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
  stops.push(() => store.close());
  const dev = await startDevApiTarget(store, options);
  stops.push(() => dev.close());
  print(`conformance: no CONTROL_PLANE_API_URL, so the development API (${dev.target.url}, prefix ${dev.target.prefix}, answers ${env.answers ?? 'full'}) on etcd ${etcd.endpoints.join(',')}`);
  return dev.target;
}

/** DEV_API_ANSWERS: `full` (default) or `minimal` (no body on 2xx, `reason` alone on 404 and 409). */
function devApiOptions(answers: string | undefined): DevApiTargetOptions {
  if (answers === undefined) return {};
  const mode = ANSWER_MODES.find((m) => m === answers);
  if (mode === undefined) throw new RangeError(`DEV_API_ANSWERS must be one of ${ANSWER_MODES.join(', ')}, got ${answers}`);
  return { answers: mode };
}

async function main(): Promise<number> {
  const stops: Array<() => Promise<void>> = [];
  const aborter = new AbortController();
  const abort = (): void => aborter.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    const target = await openTarget(readKitEnvironment(process.env), stops);
    const report = await runConformance(target, { print, signal: aborter.signal });
    return report.failed === 0 && !aborter.signal.aborted ? 0 : 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`conformance: could not run: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
