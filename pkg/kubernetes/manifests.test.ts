// The install (manifests/, issue 10), checked offline: the kustomization lists every file and renders
// (with `kubectl kustomize` where kubectl is installed, and with the small renderer below, which must
// agree with it); every object validates against the Kubernetes schemas of kubernetes-models, and
// type-checks against its TypeScript interfaces (which catches unknown and misspelt fields); the
// ConfigMap is our defaults; the Deployment's ports, probes, env and mounts match what the code reads
// and serves; RBAC grants exactly what the code uses.
// (The test lives here rather than in manifests/ because tsconfig.json type-checks only code folders.)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Namespace, ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IIoK8sApiCoreV1Container as Container } from 'kubernetes-models/v1/Container';
import type { IIoK8sApiCoreV1PodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { defaultConfig, ENV_DEFAULTS, ENV_NAMES, parseConfig, parseEnvironment } from '../config';

const ROOT = join(__dirname, '..', '..');
const MANIFESTS = join(ROOT, 'manifests');

type Doc = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** The kubernetes-models class and its TypeScript interface, by apiVersion/kind. */
const MODELS = {
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', type: 'INetworkPolicy' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, module: 'kubernetes-models/rbac.authorization.k8s.io/v1/Role', type: 'IRole' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, module: 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding', type: 'IRoleBinding' },
} as const;
type ModelKey = keyof typeof MODELS;
const CLUSTER_SCOPED = new Set(['Namespace']);

const keyOf = (doc: Doc): string => `${doc.apiVersion}/${doc.kind}`;
const isModelKey = (key: string): key is ModelKey => Object.hasOwn(MODELS, key);

interface Kustomization {
  readonly namespace?: string;
  readonly resources: readonly string[];
}

function readKustomization(): Kustomization {
  const [doc] = parseAllDocuments(readFileSync(join(MANIFESTS, 'kustomization.yaml'), 'utf8'));
  const k = doc?.toJS() as Record<string, unknown>;
  const known = new Set(['apiVersion', 'kind', 'namespace', 'resources']);
  const extra = Object.keys(k).filter((key) => !known.has(key));
  // The renderer below implements exactly these fields; a new transformer needs it taught first.
  if (extra.length > 0) throw new Error(`kustomization.yaml uses fields this test cannot render: ${extra.join(', ')}`);
  return { namespace: k['namespace'] as string | undefined, resources: k['resources'] as string[] };
}

function readDocs(path: string): Doc[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]?.message ?? ''}`);
    return d.toJS() as Doc;
  });
}

/** kustomize's resources and namespace fields, as it applies them (ServiceAccount subjects included). */
function render(k: Kustomization): Doc[] {
  return k.resources.flatMap((file) => readDocs(join(MANIFESTS, file))).map((doc) => {
    if (k.namespace === undefined || CLUSTER_SCOPED.has(doc.kind)) return doc;
    const out: Doc = { ...doc, metadata: { ...doc.metadata, namespace: k.namespace } };
    if (doc.kind === 'RoleBinding') {
      out['subjects'] = (doc['subjects'] as Array<Record<string, unknown>>).map((s) => (s['kind'] === 'ServiceAccount' ? { ...s, namespace: k.namespace } : s));
    }
    return out;
  });
}

function kubectlKustomize(): Doc[] | undefined {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', MANIFESTS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // no kubectl here: our renderer alone
    throw err;
  }
  return parseAllDocuments(text).map((d) => d.toJS() as Doc);
}

const byKindAndName = (docs: readonly Doc[]): Doc[] => [...docs].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

/** Type-checks every object against its kubernetes-models interface; returns the compiler's complaints. */
function typeCheck(docs: readonly Doc[]): string[] {
  const file = join(__dirname, '__rendered_manifests__.ts');
  const imports = new Set<string>();
  const lines = docs.map((doc, i) => {
    const key = keyOf(doc);
    if (!isModelKey(key)) return `export const m${i}: never = ${JSON.stringify(doc)};`;
    const { module, type } = MODELS[key];
    imports.add(`import type { ${type} } from '${module}';`);
    return `// ${key} ${doc.metadata.name}\nexport const m${i}: ${type} = ${JSON.stringify(doc, null, 2)};`;
  });
  const source = [...imports, ...lines].join('\n');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSource = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === file ? source : read(name));
  host.fileExists = (name) => name === file || exists(name);
  host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, source, version) : getSource(name, version, ...rest));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const near = source.split('\n').slice(0, where).reverse().find((l) => l.startsWith('// ')) ?? '';
    return `${near.slice(3)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** Mebibytes in a memory quantity (Mi or Gi). */
function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (match === null) throw new Error(`memory quantity ${String(quantity)}: write it in Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** Every `*SHUTDOWN_BOUND_MS` in main.ts: the longest a SIGTERM may take, summed. */
function shutdownBoundsMs(): number {
  const text = readFileSync(join(ROOT, 'main.ts'), 'utf8');
  const bounds = [...text.matchAll(/const \w*SHUTDOWN_BOUND_MS = ([\d_]+);/g)].map((m) => Number((m[1] ?? '').replace(/_/g, '')));
  if (bounds.length === 0) throw new Error('main.ts names no SHUTDOWN_BOUND_MS');
  return bounds.reduce((a, b) => a + b, 0);
}

function matches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

describe('manifests/', () => {
  const kustomization = readKustomization();
  const docs = render(kustomization);
  const find = <K extends ModelKey>(key: K): InstanceType<(typeof MODELS)[K]['model']>[] =>
    docs.filter((d) => keyOf(d) === key).map((d) => new MODELS[key].model(d as never) as InstanceType<(typeof MODELS)[K]['model']>);
  const only = <K extends ModelKey>(key: K): InstanceType<(typeof MODELS)[K]['model']> => {
    const found = find(key);
    if (found.length !== 1) throw new Error(`expected one ${key}, found ${found.length}`);
    return found[0] as InstanceType<(typeof MODELS)[K]['model']>;
  };

  const deployment = only('apps/v1/Deployment');
  const pod = deployment.spec?.template.spec as PodSpec;
  const container = pod.containers[0] as Container;
  const env = new Map((container.env ?? []).map((e) => [e.name, e]));
  const envValue = (name: string): string => {
    const value = env.get(name)?.value;
    if (value === undefined) throw new Error(`the Deployment sets no value for ${name}`);
    return value;
  };
  const podLabels = deployment.spec?.template.metadata?.labels;
  const httpPort = container.ports?.find((p) => p.name === 'http')?.containerPort;

  describe('the kustomization', () => {
    it('lists every manifest file beside it (manifests/monitoring/ is applied on its own)', () => {
      const files = readdirSync(MANIFESTS).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml' && statSync(join(MANIFESTS, f)).isFile());
      expect([...kustomization.resources].sort()).toEqual(files.sort());
    });

    it('renders the same objects with kubectl kustomize as with this test\'s renderer', () => {
      const rendered = kubectlKustomize();
      if (rendered === undefined) return; // kubectl absent: the renderer above stands alone
      expect(byKindAndName(rendered)).toEqual(byKindAndName(docs));
    });

    it('puts every namespaced object in the namespace it creates, and ships no Secret', () => {
      const namespace = only('v1/Namespace').metadata?.name;
      expect(namespace).toBe(kustomization.namespace);
      for (const doc of docs) if (!CLUSTER_SCOPED.has(doc.kind)) expect(`${doc.kind} ${doc.metadata.namespace ?? ''}`).toBe(`${doc.kind} ${namespace ?? ''}`);
      expect(docs.map((d) => d.kind)).not.toContain('Secret');
    });
  });

  describe('every object', () => {
    it('is of a kind this test knows', () => {
      expect(docs.map(keyOf).filter((k) => !isModelKey(k))).toEqual([]);
    });

    it.each(docs.map((d) => [`${d.kind} ${d.metadata.name}`, d] as const))('%s validates against the Kubernetes schema', (_name, doc) => {
      const key = keyOf(doc);
      if (!isModelKey(key)) throw new Error(`unknown kind ${key}`);
      expect(() => new MODELS[key].model(doc as never).validate()).not.toThrow();
    });

    it('type-checks against the kubernetes-models interfaces (no unknown or misspelt field)', () => {
      expect(typeCheck(docs)).toEqual([]);
    });
  });

  describe('the ConfigMap', () => {
    const configMap = only('v1/ConfigMap');
    const text = configMap.data?.[basename(ENV_DEFAULTS.CONFIG_FILE)] ?? '';

    it('holds config/defaults.yaml exactly, under the key CONFIG_FILE names', () => {
      expect(Object.keys(configMap.data ?? {})).toEqual([basename(ENV_DEFAULTS.CONFIG_FILE)]);
      expect(text).toBe(readFileSync(join(ROOT, 'config', 'defaults.yaml'), 'utf8'));
    });

    it('validates against our schema as the defaults', () => {
      expect(parseConfig(text)).toEqual(defaultConfig());
    });
  });

  describe('the Deployment', () => {
    it('runs three replicas spread over nodes', () => {
      expect(deployment.spec?.replicas).toBe(3);
      const term = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
      expect(term?.topologyKey).toBe('kubernetes.io/hostname');
      expect(matches(term?.labelSelector?.matchLabels, podLabels)).toBe(true);
    });

    it('exposes HTTP_PORT, its default, as the probes\' port, probing what main.ts serves', () => {
      expect(httpPort).toBe(Number(ENV_DEFAULTS.HTTP_PORT));
      expect(envValue('HTTP_PORT')).toBe(ENV_DEFAULTS.HTTP_PORT);
      expect([container.livenessProbe?.httpGet?.path, container.livenessProbe?.httpGet?.port]).toEqual(['/healthz', 'http']);
      expect([container.readinessProbe?.httpGet?.path, container.readinessProbe?.httpGet?.port]).toEqual(['/readyz', 'http']);
      const main = readFileSync(join(ROOT, 'main.ts'), 'utf8');
      for (const path of ['/healthz', '/readyz', '/metrics']) expect(main).toContain(`.get('${path}'`);
    });

    it('sets only variables the code reads (contract env, Node\'s, OpenTelemetry\'s), valid together', () => {
      const foreign = [...env.keys()].filter((name) => !(ENV_NAMES as readonly string[]).includes(name) && name !== 'NODE_OPTIONS' && !name.startsWith('OTEL_'));
      expect(foreign).toEqual([]);
      expect(env.get('SCHEDULER_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      const plain = Object.fromEntries([...env.values()].map((e) => [e.name, e.value ?? 'lablet-scheduler-7d9f-abc12']));
      expect(() => parseEnvironment(plain)).not.toThrow();
    });

    it('mounts the ConfigMap as a directory at CONFIG_FILE\'s default path, so updates reach the file', () => {
      expect(envValue('CONFIG_FILE')).toBe(ENV_DEFAULTS.CONFIG_FILE);
      const mount = container.volumeMounts?.find((m) => m.mountPath === dirname(ENV_DEFAULTS.CONFIG_FILE));
      expect(mount?.subPath).toBeUndefined();
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.configMap?.name).toBe(only('v1/ConfigMap').metadata?.name);
    });

    it('mounts the API key Secret as the file CONTROL_PLANE_API_KEY_FILE names', () => {
      const keyFile = envValue('CONTROL_PLANE_API_KEY_FILE');
      expect(env.has('CONTROL_PLANE_API_KEY')).toBe(false);
      const mount = container.volumeMounts?.find((m) => m.mountPath === dirname(keyFile));
      expect(mount?.readOnly).toBe(true);
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.secret?.secretName).toBe('lablet-scheduler-api-key');
      expect(volume?.secret?.items?.map((i) => i.path)).toEqual([basename(keyFile)]);
    });

    it('has requests and limits, and a V8 heap of 75% of the memory limit', () => {
      const { requests, limits } = container.resources ?? {};
      expect([requests?.['cpu'], requests?.['memory'], limits?.['cpu'], limits?.['memory']].every((q) => q !== undefined)).toBe(true);
      const heap = /--max-old-space-size=(\d+)/.exec(envValue('NODE_OPTIONS'))?.[1];
      expect(Number(heap)).toBe(Math.floor(mebibytes(limits?.['memory']) * 0.75));
    });

    it('runs non-root on a read-only root file system, without privilege escalation or capabilities', () => {
      const sc = container.securityContext;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(sc?.readOnlyRootFilesystem).toBe(true);
      expect(sc?.allowPrivilegeEscalation).toBe(false);
      expect(sc?.capabilities?.drop).toEqual(['ALL']);
      expect(sc?.capabilities?.add).toBeUndefined();
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    });

    it('allows longer for termination than main.ts takes to shut down', () => {
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(shutdownBoundsMs());
    });
  });

  describe('around the Deployment', () => {
    it('serves metrics through a Service on the container\'s HTTP port', () => {
      const service = only('v1/Service');
      expect(matches(service.spec?.selector, podLabels)).toBe(true);
      expect(service.spec?.ports?.map((p) => [p.port, p.targetPort])).toEqual([[httpPort, 'http']]);
    });

    it('lets one replica at a time be disrupted', () => {
      const pdb = only('policy/v1/PodDisruptionBudget');
      expect(pdb.spec?.maxUnavailable).toBe(1);
      expect(matches(pdb.spec?.selector?.matchLabels, podLabels)).toBe(true);
    });

    it('admits only the monitoring namespace, to the HTTP port', () => {
      const policy = only('networking.k8s.io/v1/NetworkPolicy');
      expect(matches(policy.spec?.podSelector?.matchLabels, podLabels)).toBe(true);
      expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec?.ingress).toEqual([{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: httpPort, protocol: 'TCP' }],
      }]);
    });

    it('lets out DNS, etcd, the API, the OTLP collector and the Kubernetes API, at the ports the env names', () => {
      const policy = only('networking.k8s.io/v1/NetworkPolicy');
      const allowed = new Set((policy.spec?.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((p) => `${String(p.port)}/${p.protocol ?? 'TCP'}`)));
      const portOf = (url: string): string => new URL(url).port || (url.startsWith('https:') ? '443' : '80');
      const needed = [
        '53/UDP', '53/TCP', '4317/TCP', '4318/TCP', '443/TCP', '6443/TCP',
        ...envValue('ETCD_ENDPOINTS').split(',').map((u) => `${portOf(u.trim())}/TCP`),
        `${portOf(envValue('CONTROL_PLANE_API_URL'))}/TCP`,
      ];
      expect(needed.filter((p) => !allowed.has(p))).toEqual([]);
    });

    it('grants the pod\'s service account exactly what the code uses: creating Events in its namespace', () => {
      const role = only('rbac.authorization.k8s.io/v1/Role');
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['events'], verbs: ['create'] }]);
      const binding = only('rbac.authorization.k8s.io/v1/RoleBinding');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata?.name });
      const account = only('v1/ServiceAccount').metadata;
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account?.name, namespace: account?.namespace }]);
      expect(pod.serviceAccountName).toBe(account?.name);
      expect(docs.map((d) => d.kind).filter((k) => k.startsWith('Cluster'))).toEqual([]);
    });
  });
});
