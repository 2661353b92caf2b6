// What the image compiles (issue 17): the files tsconfig.build.json takes that the Dockerfile's build
// context holds (.dockerignore, read with Docker's rules by e2e/support/dockerfile.ts). None of them is
// a Jest suite or imports anything the runtime stage does not install (it installs production
// dependencies only), and no file of any build imports Jest: a suite shared by tests is named
// *.suite.ts, which the build and the context both leave out. e2e/image.e2e.test.ts builds the image.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { dockerignore } from '../../e2e/support/dockerfile';

const ROOT = join(__dirname, '..', '..');

/** The files `tsc -p tsconfig.build.json` compiles, relative to the repository root. */
function buildFiles(): string[] {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, host);
  if (parsed === undefined) throw new Error('tsconfig.build.json did not parse');
  return parsed.fileNames.map((f) => relative(ROOT, f)).sort();
}

/** Modules a file loads at run time (type-only imports are erased by the compiler). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly !== true && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) found.push(node.arguments[0].text);
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) found.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The npm package a bare specifier names (`@scope/name/sub` -> `@scope/name`); undefined for relative ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isJest = (specifier: string): boolean => /^(@jest\/|jest($|\/|-)|@types\/jest)/.test(specifier);

describe('the sources the image compiles', () => {
  const all = buildFiles();
  const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const image = all.filter((file) => !ignored(file));

  it('are the service without tests, suites or test support', () => {
    expect(image).toEqual(expect.arrayContaining(['main.ts', 'pkg/store/index.ts', 'controllers/scheduler/reconciler.ts']));
    expect(image.filter((f) => /(\.test|\.suite)\.ts$|(^|\/)testing\.ts$|^(dev|e2e|bench)\//.test(f))).toEqual([]);
  });

  it('leave out the Store conformance suite, from every build (it imports Jest)', () => {
    expect(runtimeImports('pkg/store/conformance.suite.ts')).toContain('@jest/globals');
    expect(all).not.toContain('pkg/store/conformance.suite.ts');
    expect(all.filter((file) => runtimeImports(file).some(isJest))).toEqual([]);
  });

  it('import only Node built-ins and production dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const outside = image.flatMap((file) =>
      runtimeImports(file)
        .filter((specifier) => { const name = packageOf(specifier); return name !== undefined && !(name in manifest.dependencies); })
        .map((specifier) => `${file}: ${specifier}`));
    expect(outside).toEqual([]);
  });
});
