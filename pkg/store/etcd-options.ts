// EtcdStore's options (contract section 4: endpoints, TLS files, user and password file), checked
// and turned into etcd3 client options. Files are read here, once, by EtcdStore.connect(); an error
// names the option and the path, never a file's content. Fault handling is tuned so calls and
// watches recover within about a second of etcd returning, where etcd3's defaults wait ~5 s (a
// circuit breaker open for 5 s) or up to 30 s (watch reconnect backoff).
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { IOptions } from 'etcd3';
import { isRecoverableError } from 'etcd3';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, noop } from 'cockatiel';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { requireNumber } from '../options';

export interface EtcdStoreOptions {
  /** Client URLs, all http:// or all https:// (ETCD_ENDPOINTS). At least one. */
  readonly endpoints: readonly string[];
  /** PEM file of the CA that signs etcd's certificates (ETCD_CA_FILE); needs https. Default: the system CAs. */
  readonly caFile?: string;
  /** PEM client certificate for mutual TLS (ETCD_CERT_FILE); needs keyFile and https. Default: none. */
  readonly certFile?: string;
  /** PEM private key of certFile (ETCD_KEY_FILE). Default: none. */
  readonly keyFile?: string;
  /** etcd user (ETCD_USERNAME); needs passwordFile. Default: none (no auth). */
  readonly username?: string;
  /** File holding the user's password (ETCD_PASSWORD_FILE); one trailing newline is dropped. */
  readonly passwordFile?: string;
  /** Deadline of each call (and of opening a watch), ms. Default 5,000. */
  readonly callTimeoutMs?: number;
  /** How long an endpoint that failed 3 calls in a row is skipped before one call probes it, ms. Default 500. */
  readonly probeAfterMs?: number;
  /** Longest wait between watch reconnect attempts, ms. Default 1,000. */
  readonly watchMaxBackoffMs?: number;
  /** Time for call deadlines. Default: SystemClock. */
  readonly clock?: Clock;
  /** Default: no logging. */
  readonly logger?: Logger;
}

/** The options with defaults applied and files read; secrets live only in `client`. */
export interface ResolvedEtcdOptions {
  readonly client: IOptions;
  readonly callTimeoutMs: number;
  readonly watchMaxBackoffMs: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 5_000;
const DEFAULT_PROBE_AFTER_MS = 500;
const DEFAULT_WATCH_MAX_BACKOFF_MS = 1_000;

/** Checks the options (throwing with the field and the rule) and reads the files they name. */
export async function resolveEtcdOptions(options: EtcdStoreOptions, clock: Clock): Promise<ResolvedEtcdOptions> {
  const isTls = checkEndpoints(options.endpoints);
  const callTimeoutMs = requireNumber('EtcdStore', 'callTimeoutMs', options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, 'positiveInteger');
  const probeAfterMs = requireNumber('EtcdStore', 'probeAfterMs', options.probeAfterMs ?? DEFAULT_PROBE_AFTER_MS, 'nonNegativeInteger');
  const watchMaxBackoffMs = requireNumber('EtcdStore', 'watchMaxBackoffMs', options.watchMaxBackoffMs ?? DEFAULT_WATCH_MAX_BACKOFF_MS, 'positiveInteger');
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new Error('EtcdStore options certFile and keyFile go together: give both or neither');
  }
  if (!isTls && (options.caFile ?? options.certFile) !== undefined) {
    throw new Error('EtcdStore options caFile, certFile and keyFile need https:// endpoints');
  }
  if ((options.username === undefined) !== (options.passwordFile === undefined)) {
    throw new Error('EtcdStore options username and passwordFile go together: give both or neither');
  }

  const client: IOptions = {
    hosts: [...options.endpoints],
    dialTimeout: callTimeoutMs,
    // Unary calls get a deadline; streams (watch, keepalive) set their own.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: clock.now() + callTimeoutMs }),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': Math.min(100, watchMaxBackoffMs),
      'grpc.max_reconnect_backoff_ms': watchMaxBackoffMs,
      // Finds a dead connection under an open watch; etcd accepts pings every 5 s or slower.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
    faultHandling: {
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: probeAfterMs, breaker: new ConsecutiveBreaker(3) }),
      // No blanket retry: a retried write may apply twice. EtcdStore retries idempotent calls itself.
      global: noop,
      watchBackoff: new ExponentialBackoff({ initialDelay: Math.min(100, watchMaxBackoffMs), maxDelay: watchMaxBackoffMs }).next(),
    },
  };
  if (isTls) {
    client.credentials = {
      rootCertificate: options.caFile === undefined ? Buffer.from(rootCertificates.join('\n')) : await readOption('caFile', options.caFile),
      ...(options.keyFile === undefined ? {} : { privateKey: await readOption('keyFile', options.keyFile) }),
      ...(options.certFile === undefined ? {} : { certChain: await readOption('certFile', options.certFile) }),
    };
  }
  if (options.username !== undefined && options.passwordFile !== undefined) {
    const password = (await readOption('passwordFile', options.passwordFile)).toString('utf8').replace(/\r?\n$/, '');
    if (password.length === 0) throw new Error(`EtcdStore option passwordFile: ${options.passwordFile} is empty`);
    client.auth = { username: options.username, password };
  }
  return { client, callTimeoutMs, watchMaxBackoffMs };
}

/** Returns whether the endpoints use TLS; throws unless they are http(s) URLs of one scheme. */
function checkEndpoints(endpoints: readonly string[]): boolean {
  if (endpoints.length === 0) throw new Error('EtcdStore option endpoints: give at least one');
  const schemes = new Set<string>();
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new Error(`EtcdStore option endpoints: ${endpoint} must be an http:// or https:// URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`EtcdStore option endpoints: ${endpoint} must be an http:// or https:// URL`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new Error('EtcdStore option endpoints: credentials go in username and passwordFile, not in a URL');
    }
    schemes.add(url.protocol);
  }
  if (schemes.size > 1) throw new Error('EtcdStore option endpoints: all http:// or all https://, not both');
  return schemes.has('https:');
}

async function readOption(field: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err: unknown) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'read failed';
    throw new Error(`EtcdStore option ${field}: cannot read ${path} (${code})`);
  }
}
