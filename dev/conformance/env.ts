// The kit's environment: the scheduler's own variables of contract §4, read by the same parser.
// With CONTROL_PLANE_API_URL the kit tests that API, on the etcd at ETCD_ENDPOINTS (TLS and user as
// the scheduler takes them) under ETCD_PREFIX, which must then be given: it is where the API under
// test reads, and the kit writes its fixtures and the leader key there. Without it, the kit starts
// the development API itself (DEV_API_ANSWERS picks its answer mode).
import { readFileSync } from 'node:fs';
import type { EnvName } from '../../pkg/config';
import { ConfigValidationError, parseEnvironment } from '../../pkg/config';
import type { EtcdStoreOptions } from '../../pkg/store';

export type KitEnvironment =
  | {
      readonly kind: 'external';
      readonly url: string;
      readonly apiKey: string | undefined;
      readonly caFile: string | undefined;
      readonly prefix: string;
      readonly etcd: EtcdStoreOptions;
    }
  | { readonly kind: 'development'; readonly answers: string | undefined };

const KIT_VARIABLES: readonly EnvName[] = [
  'ETCD_ENDPOINTS', 'ETCD_PREFIX', 'ETCD_CA_FILE', 'ETCD_CERT_FILE', 'ETCD_KEY_FILE', 'ETCD_USERNAME', 'ETCD_PASSWORD_FILE',
  'CONTROL_PLANE_API_URL', 'CONTROL_PLANE_API_KEY', 'CONTROL_PLANE_API_KEY_FILE', 'CONTROL_PLANE_CA_FILE',
];

const given = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/** Throws ConfigValidationError naming each variable that is wrong or missing. */
export function readKitEnvironment(env: NodeJS.ProcessEnv): KitEnvironment {
  if (given(env, 'CONTROL_PLANE_API_URL') === undefined) return { kind: 'development', answers: given(env, 'DEV_API_ANSWERS') };
  if (given(env, 'ETCD_PREFIX') === undefined) {
    throw new ConfigValidationError('environment', [{
      path: 'ETCD_PREFIX',
      message: 'required with CONTROL_PLANE_API_URL: the prefix the API under test reads (a scratch one; the kit writes fixtures and the leader key there)',
    }]);
  }
  // Only the variables the kit reads, so SCHEDULER_ID, HTTP_PORT and the rest cannot fail it.
  const parsed = parseEnvironment({ ...Object.fromEntries(KIT_VARIABLES.map((name) => [name, env[name]])), SCHEDULER_ID: 'conformance-kit' });
  const { etcd, controlPlane } = parsed;
  const apiKey = controlPlane.apiKeyFile === undefined ? controlPlane.apiKey : readFileSync(controlPlane.apiKeyFile, 'utf8').trim();
  return {
    kind: 'external',
    url: controlPlane.url,
    apiKey: apiKey === '' ? undefined : apiKey,
    caFile: controlPlane.caFile,
    prefix: etcd.prefix,
    etcd: {
      endpoints: etcd.endpoints, caFile: etcd.caFile, certFile: etcd.certFile, keyFile: etcd.keyFile,
      username: etcd.username, passwordFile: etcd.passwordFile,
    },
  };
}
