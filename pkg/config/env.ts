// The process environment of contract section 4, parsed once at start. Every problem is reported
// by variable name; secret values (the API key) never appear in an error.
import { hostname } from 'node:os';
import type { ConfigIssue } from './errors';
import { ConfigValidationError } from './errors';

export interface EtcdEnvironment {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly username?: string;
  readonly passwordFile?: string;
}

export interface ControlPlaneEnvironment {
  readonly url: string;
  /** The key itself (CONTROL_PLANE_API_KEY); mutually exclusive with apiKeyFile. */
  readonly apiKey?: string;
  /** A file holding the key, re-read when it changes (rotation). */
  readonly apiKeyFile?: string;
  readonly caFile?: string;
}

export interface Environment {
  readonly etcd: EtcdEnvironment;
  readonly controlPlane: ControlPlaneEnvironment;
  readonly schedulerId: string;
  readonly httpPort: number;
  readonly configFile: string;
}

export const ENV_DEFAULTS = {
  ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
  ETCD_PREFIX: '/lcm',
  CONTROL_PLANE_API_URL: 'http://127.0.0.1:8020',
  HTTP_PORT: '8081',
  CONFIG_FILE: '/etc/lablet-scheduler/config.yaml',
} as const;

/** Every variable parseEnvironment reads (contract §4); the manifests' env must name only these (and Node's). */
export const ENV_NAMES = [
  'ETCD_ENDPOINTS', 'ETCD_PREFIX', 'ETCD_CA_FILE', 'ETCD_CERT_FILE', 'ETCD_KEY_FILE', 'ETCD_USERNAME', 'ETCD_PASSWORD_FILE',
  'CONTROL_PLANE_API_URL', 'CONTROL_PLANE_API_KEY', 'CONTROL_PLANE_API_KEY_FILE', 'CONTROL_PLANE_CA_FILE',
  'SCHEDULER_ID', 'HTTP_PORT', 'CONFIG_FILE',
] as const;
export type EnvName = (typeof ENV_NAMES)[number];

const IDENTITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Reads the contract's variables from env; throws ConfigValidationError naming each bad one. */
export function parseEnvironment(env: NodeJS.ProcessEnv): Environment {
  const issues: ConfigIssue[] = [];
  const read = (name: EnvName): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const endpoints = (read('ETCD_ENDPOINTS') ?? ENV_DEFAULTS.ETCD_ENDPOINTS).split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints.length === 0) issues.push({ path: 'ETCD_ENDPOINTS', message: 'names no endpoint' });
  for (const endpoint of endpoints) {
    if (!isHttpUrl(endpoint)) issues.push({ path: 'ETCD_ENDPOINTS', message: `"${endpoint}" is not an http(s)://host:port URL` });
  }

  const prefix = read('ETCD_PREFIX') ?? ENV_DEFAULTS.ETCD_PREFIX;
  if (!/^\/[^\s]*[^/\s]$/.test(prefix)) {
    issues.push({ path: 'ETCD_PREFIX', message: `"${prefix}" must start with "/", have no trailing "/" and no spaces` });
  }

  const url = read('CONTROL_PLANE_API_URL') ?? ENV_DEFAULTS.CONTROL_PLANE_API_URL;
  if (!isHttpUrl(url)) issues.push({ path: 'CONTROL_PLANE_API_URL', message: `"${url}" is not an http(s) URL` });

  const apiKey = read('CONTROL_PLANE_API_KEY');
  const apiKeyFile = read('CONTROL_PLANE_API_KEY_FILE');
  if (apiKey !== undefined && apiKeyFile !== undefined) {
    issues.push({ path: 'CONTROL_PLANE_API_KEY', message: 'set either CONTROL_PLANE_API_KEY or CONTROL_PLANE_API_KEY_FILE, not both' });
  }

  const schedulerId = read('SCHEDULER_ID') ?? hostname();
  if (!IDENTITY_PATTERN.test(schedulerId)) {
    issues.push({ path: 'SCHEDULER_ID', message: `"${schedulerId}" must be 1-253 of [A-Za-z0-9._-], starting with a letter or digit` });
  }

  const portText = read('HTTP_PORT') ?? ENV_DEFAULTS.HTTP_PORT;
  const httpPort = Number(portText);
  if (!/^\d+$/.test(portText) || httpPort > 65_535) {
    issues.push({ path: 'HTTP_PORT', message: `"${portText}" is not a port number (0-65535)` });
  }

  const certFile = read('ETCD_CERT_FILE');
  const keyFile = read('ETCD_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    issues.push({ path: certFile === undefined ? 'ETCD_CERT_FILE' : 'ETCD_KEY_FILE', message: 'ETCD_CERT_FILE and ETCD_KEY_FILE go together' });
  }
  const username = read('ETCD_USERNAME');
  const passwordFile = read('ETCD_PASSWORD_FILE');
  if ((username === undefined) !== (passwordFile === undefined)) {
    issues.push({ path: username === undefined ? 'ETCD_USERNAME' : 'ETCD_PASSWORD_FILE', message: 'ETCD_USERNAME and ETCD_PASSWORD_FILE go together' });
  }

  if (issues.length > 0) throw new ConfigValidationError('environment', issues);
  return {
    etcd: withDefined({ endpoints, prefix, caFile: read('ETCD_CA_FILE'), certFile, keyFile, username, passwordFile }),
    controlPlane: withDefined({ url, apiKey, apiKeyFile, caFile: read('CONTROL_PLANE_CA_FILE') }),
    schedulerId,
    httpPort,
    configFile: read('CONFIG_FILE') ?? ENV_DEFAULTS.CONFIG_FILE,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const parsed = new URL(text);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

/** Drops undefined fields so optional properties are absent rather than present-but-undefined. */
function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
