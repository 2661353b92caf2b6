// Performs a Dockerfile's steps in a temp folder, for a machine with no Docker engine (issue 10): the
// build context is the repository filtered by .dockerignore (Docker's rules: patterns in order, the
// last match wins, `!` re-includes, a match on a parent folder covers what is under it); each stage
// is a folder standing for its root file system; COPY and WORKDIR act on those folders, RUN runs in
// the stage's working folder. What stands in for what:
// - the base image is this machine's Node.js (the Dockerfile's is the same major version);
// - a full `npm ci` (the build stage's) links this checkout's node_modules, installed from the same
//   lockfile, instead of installing again; any other npm ci runs, offline-preferred;
// - `npm cache clean` is skipped: it only trims an image layer, and would empty this machine's cache.
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

export interface BuiltStage {
  /** The folder standing for the stage's root file system. */
  readonly root: string;
  /** The last WORKDIR, inside root. */
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  /** USER as `uid:gid`, when set. */
  readonly user: { readonly uid: number; readonly gid: number } | undefined;
  /** ENTRYPOINT in exec form. */
  readonly entrypoint: readonly string[];
}

/** The Dockerfile's stages in order (ARG lines before the first FROM are skipped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Array<{ name: string; instructions: Instruction[] }> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const as = /\s+AS\s+(\S+)$/i.exec(args);
      stages.push({ name: as?.[1] ?? String(stages.length), instructions: [] });
      return;
    }
    const stage = stages[stages.length - 1];
    if (stage === undefined) {
      if (op.toUpperCase() !== 'ARG') throw new Error(`Dockerfile line ${index + 1}: ${op} before FROM`);
      return;
    }
    stage.instructions.push({ op: op.toUpperCase(), args, line: index + 1 });
  });
  return stages;
}

/** Docker's .dockerignore matching, for the pattern forms it documents. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => {
    const exclude = !l.startsWith('!');
    const pattern = (exclude ? l : l.slice(1)).replace(/^\/+|\/+$/g, '');
    return { exclude, regex: globToRegex(pattern) };
  });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) excluded = rule.exclude;
    return excluded;
  };
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern[i + 1] === '*') {
      out += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Builds every stage into `into`, as BuildKit does: stages run at once, and a COPY --from waits for
 * its stage. Resolves with the last stage.
 */
export async function buildStages(options: { readonly repo: string; readonly into: string; readonly stages: readonly Stage[] }): Promise<BuiltStage> {
  const ignored = dockerignore(await readFile(join(options.repo, '.dockerignore'), 'utf8').catch(() => ''));
  const built = new Map<string, Promise<BuiltStage>>();
  const all = options.stages.map((stage) => {
    const building = (async () => {
      const root = join(options.into, stage.name);
      let state: BuiltStage = { root, workdir: root, env: {}, user: undefined, entrypoint: [] };
      for (const step of stage.instructions) state = await perform(step, state, { repo: options.repo, ignored, built });
      return state;
    })();
    built.set(stage.name, building);
    return building;
  });
  const stages = await Promise.all(all);
  const last = stages[stages.length - 1];
  if (last === undefined) throw new Error('the Dockerfile has no stage');
  return last;
}

interface Context {
  readonly repo: string;
  readonly ignored: (path: string) => boolean;
  readonly built: ReadonlyMap<string, Promise<BuiltStage>>;
}

async function perform(step: Instruction, state: BuiltStage, ctx: Context): Promise<BuiltStage> {
  const at = (path: string): string => (path.startsWith('/') ? join(state.root, path) : join(state.workdir, path));
  switch (step.op) {
    case 'WORKDIR':
      await mkdir(at(step.args), { recursive: true });
      return { ...state, workdir: at(step.args) };
    case 'ENV': {
      const [name = '', ...value] = step.args.split('=');
      return { ...state, env: { ...state.env, [name]: value.join('=') } };
    }
    case 'USER': {
      const [uid, gid] = step.args.split(':').map(Number);
      if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`Dockerfile line ${step.line}: USER must be numeric uid:gid`);
      return { ...state, user: { uid: uid ?? 0, gid: gid ?? 0 } };
    }
    case 'ENTRYPOINT':
      return { ...state, entrypoint: JSON.parse(step.args) as string[] };
    case 'EXPOSE':
    case 'ARG':
      return state;
    case 'COPY':
      await copy(step, ctx, at);
      return state;
    case 'RUN':
      for (const command of step.args.split('&&').map((c) => c.trim())) await runStep(command, state, ctx);
      return state;
    default:
      throw new Error(`Dockerfile line ${step.line}: ${step.op} is not emulated; teach e2e/support/dockerfile.ts`);
  }
}

async function copy(step: Instruction, ctx: Context, at: (path: string) => string): Promise<void> {
  const words = step.args.split(/\s+/);
  const from = words[0]?.startsWith('--from=') === true ? words.shift()?.slice('--from='.length) : undefined;
  const dest = words.pop() ?? '';
  const source = from === undefined ? undefined : await ctx.built.get(from);
  if (from !== undefined && source === undefined) throw new Error(`Dockerfile line ${step.line}: no stage ${from}`);
  for (const src of words) {
    const origin = source === undefined ? join(ctx.repo, src) : join(source.root, src);
    const target = dest.endsWith('/') && !(await isDirectory(origin)) ? join(at(dest), src.split('/').pop() ?? src) : at(dest);
    await mkdir(dirname(target), { recursive: true });
    await cp(origin, target, {
      recursive: true,
      // The build context holds only what .dockerignore lets through.
      filter: (path) => source !== undefined || !ctx.ignored(relative(ctx.repo, path)) || relative(ctx.repo, path) === '',
    });
  }
}

async function runStep(command: string, state: BuiltStage, ctx: Context): Promise<void> {
  if (/^npm cache clean\b/.test(command)) return;
  if (/^npm ci\b/.test(command) && !command.includes('--omit=dev')) {
    await symlink(join(ctx.repo, 'node_modules'), join(state.workdir, 'node_modules'));
    return;
  }
  const offline = /^npm ci\b/.test(command) ? `${command} --prefer-offline` : command;
  await run('sh', ['-c', offline], { cwd: state.workdir, env: { ...process.env, ...state.env }, maxBuffer: 64 * 1024 * 1024 });
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/** Every file under dir, relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}
