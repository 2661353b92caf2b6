// The repository stands alone (issue 17): the outside contract ships as docs/contract.md, identical
// to the shared copy it came from when that copy is at hand (a clone has only its own), and nothing
// in the repository links outside it. The ConfigMap keys the contract's §4 names are the schema's.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { defaultConfig, parseConfig } from './load';
import { repoRootAbove } from './write-json-schemas';

const root = repoRootAbove(__dirname);
const contract = readFileSync(join(root, 'docs', 'contract.md'));
/** The copy shared by the teams, beside the repository when checked out in the shared work tree. */
const shared = join(root, '..', 'shared', 'contract', 'README.md');

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', '.git', '.tmp']);
const TEXT_FILE = /\.(md|ts|js|mjs|json|ya?ml|sh)$|^(Makefile|Dockerfile|\.dockerignore)$/;

/** Text files of the repository (paths relative to its root), build output and packages left out. */
function repoFiles(dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRS.has(name) ? [] : repoFiles(path);
    return TEXT_FILE.test(name) ? [relative(root, path)] : [];
  });
}

describe('docs/contract.md', () => {
  (existsSync(shared) ? it : it.skip)('is byte for byte the shared contract', () => {
    expect(contract.equals(readFileSync(shared))).toBe(true);
  });

  it('is version 1.1 of the contract', () => {
    expect(contract.toString('utf8').split('\n')[0]).toBe("# The scheduler's outside contract (version 1.1)");
  });

  it('is what no file in the repository reaches past: no path to the shared contract', () => {
    const outside = /(?:\.\.\/)+shared\/contract/;
    const files = repoFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/operations.md', 'pkg/config/schema.ts']));
    expect(files.filter((file) => outside.test(readFileSync(join(root, file), 'utf8')))).toEqual([]);
  });

  it('is reached by every relative link of README.md and docs/, and each of those resolves inside the repository', () => {
    const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];
    const links = pages.flatMap((page) =>
      [...readFileSync(join(root, page), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1] ?? '')
        .filter((link) => !/^[a-z][a-z0-9+.-]*:|^#/i.test(link))
        .map((link) => ({ page, link, target: normalize(join(dirname(page), link.split('#')[0] ?? '')) })),
    );
    const broken = links.filter(({ target }) => target.startsWith('..') || !existsSync(join(root, target)));
    expect(broken).toEqual([]);
    expect(links.filter(({ target }) => target === 'docs/contract.md').map(({ page }) => page)).toEqual(
      expect.arrayContaining(['README.md', 'docs/operations.md', 'docs/observability.md']),
    );
  });

  it('names in §4 only ConfigMap keys the schema has, v1.1 keys included', () => {
    const text = contract.toString('utf8');
    const section = text.slice(text.indexOf('Keys and defaults:', text.indexOf('**ConfigMap.**')), text.indexOf('**Served on'));
    const keys: string[] = [];
    for (const [, token = ''] of section.matchAll(/`(\.?[a-z][A-Za-z]*(?:\.[a-z][A-Za-z]*)*)`/g)) {
      // `.locality` continues the key before it (placement.weights.binPacking, .locality, ...).
      if (token.startsWith('.')) keys.push(`${(keys[keys.length - 1] ?? '').replace(/\.[^.]+$/, '')}${token}`);
      else if (token.includes('.')) keys.push(token);
    }
    expect(keys).toEqual(expect.arrayContaining(['placement.weights.loadBalance', 'forecast.horizonMinutes', 'forecast.marginMinutes']));
    const config: unknown = defaultConfig();
    const missing = keys.filter((key) => key.split('.').reduce<unknown>((node, part) => (isRecord(node) ? node[part] : undefined), config) === undefined);
    expect(missing).toEqual([]);
    // Template fields sit inside a list: v1.1's bootSeconds, by its default.
    const template = '{name: t, license: none, cmlVersion: 2.9.0, capacity: {cpuCores: 1, memoryGb: 1, storageGb: 1}}';
    expect(parseConfig(`scaleUp: {templates: [${template}]}`).scaleUp.templates[0]?.bootSeconds).toBe(1200);
  });
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
