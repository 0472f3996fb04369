// Reading the container files the way Docker and Compose do, without a container engine: the
// Dockerfile's stages (dockerfile-ast), .dockerignore's rules, compose.yaml (yaml, with `<<` merge
// keys) and Compose's variable interpolation. `stageImage` lays out the runtime stage's file tree
// (what its COPY instructions put in WORKDIR) so the image's processes can be run from it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse } from 'yaml';

export interface Stage {
  name: string | null;
  image: string | null;
  tag: string | null;
  instructions: Instruction[];
}

export function dockerfileStages(text: string): Stage[] {
  const stages: Stage[] = [];
  const dockerfile = DockerfileParser.parse(text);
  const froms = dockerfile.getFROMs();
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = froms.find((f) => f.getRange().start.line === instruction.getRange().start.line)!;
      stages.push({
        name: from.getBuildStage(),
        image: from.getImageName(),
        tag: from.getImageTag(),
        instructions: [],
      });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

export const instructionsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.getKeyword() === keyword);

/** An exec-form (JSON array) argument list, or null when the instruction uses the shell form. */
export function execForm(text: string | null): string[] | null {
  if (!text?.trim().startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** The environment a stage's ENV instructions give its processes (ARG defaults substituted). */
export function stageEnvironment(stage: Stage): Record<string, string> {
  const args: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions) {
    const keyword = instruction.getKeyword();
    if (keyword !== 'ENV' && keyword !== 'ARG') continue;
    for (const property of (
      instruction as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }
    ).getProperties()) {
      const value = (property.getValue() ?? '').replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? args[(a ?? b)!] ?? '',
      );
      if (keyword === 'ARG') args[property.getName()] = value;
      else env[property.getName()] = value;
    }
  }
  return env;
}

/**
 * .dockerignore as BuildKit reads it: one pattern a line (`*`, `?`, `**`), `!` re-includes, the
 * last matching line wins, and a pattern that matches a directory covers everything under it.
 */
export function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = path.posix.normalize((include ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      return { include, regex: globRegex(pattern) };
    });
  return (file) => {
    const parts = file.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.include;
    return ignored;
  };
}

function globRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Every file under `dir` (relative, with `/`), not descending into `skip`ped directories. */
export function listFiles(root: string, dir = '', skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (skip(rel)) continue;
    if (entry.isDirectory()) out.push(...listFiles(root, rel, skip));
    else out.push(rel);
  }
  return out;
}

/**
 * The runtime stage's file tree in a temporary directory: each COPY from the build context (the
 * files .dockerignore lets through) and, for `COPY --from=<deps stage> …/node_modules`, the
 * production dependencies exactly as package-lock.json lays them out (`npm ci --omit=dev`), less
 * those the deps stage's RUN removes with `rm -rf node_modules/…`.
 */
export function stageImage(root: string, stages: Stage[], ignored: (file: string) => boolean): string {
  const runtime = stages.at(-1)!;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tesoro-image-'));
  const workdir = instructionsOf(runtime, 'WORKDIR').at(-1)?.getArgumentsContent() ?? '/';
  const target = (dest: string) => path.join(out, path.posix.resolve(workdir, dest).slice(workdir.length));
  for (const copy of instructionsOf(runtime, 'COPY')) {
    const args = copy.getArguments().map((a) => a.getValue());
    const from = (copy as unknown as { getFromFlag(): { getValue(): string | null } | null }).getFromFlag();
    const dest = args.pop()!;
    if (from) {
      const stage = stages.find((s) => s.name === from.getValue());
      if (!stage || args.length !== 1 || !args[0]!.endsWith('/node_modules'))
        throw new Error(
          `stageImage knows only COPY --from=<deps> …/node_modules, not ${copy.getTextContent()}`,
        );
      const removed = instructionsOf(stage, 'RUN').flatMap((run) =>
        [...(run.getArgumentsContent() ?? '').matchAll(/\bnode_modules\/\S+/g)].map((m) => m[0]),
      );
      copyProductionDependencies(root, target(dest), removed);
      continue;
    }
    for (const source of args) {
      const files = fs.statSync(path.join(root, source)).isDirectory()
        ? listFiles(root, source).map((file) => [file, file.slice(source.length + 1)] as const)
        : [[source, path.basename(source)] as const];
      const destDir =
        dest.endsWith('/') || args.length > 1 || fs.statSync(path.join(root, source)).isDirectory();
      for (const [file, rel] of files) {
        if (ignored(file)) continue;
        const to = destDir ? path.join(target(dest), rel) : target(dest);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(path.join(root, file), to);
      }
    }
  }
  return out;
}

function copyProductionDependencies(root: string, to: string, removed: string[]): void {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; link?: boolean }>;
  };
  const gone = (key: string) => removed.some((r) => key === r || key.startsWith(`${r}/`));
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev || entry.link || gone(key)) continue;
    const source = path.join(root, key);
    if (!fs.existsSync(source)) continue; // an optional dependency for another platform
    // Each package without its nested node_modules: the nested production ones are entries too.
    fs.cpSync(source, path.join(to, key.slice('node_modules/'.length)), {
      recursive: true,
      filter: (file) => !path.relative(source, file).split(path.sep).includes('node_modules'),
    });
  }
}

export type ComposeFile = {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
export type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: string[];
  ports?: string[];
  init?: boolean;
  restart?: string;
  stop_grace_period?: string;
};

export const readCompose = (text: string) => parse(text, { merge: true }) as ComposeFile;

/**
 * Compose's interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+other}`, `${VAR+other}`, nested in defaults, and `$$` for a dollar.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char !== '$') {
      out += char;
      i++;
      continue;
    }
    if (text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] !== '{') {
      const name = /^[A-Za-z_]\w*/.exec(text.slice(i + 1))?.[0];
      if (!name) throw new Error(`bad $ in ${text}`);
      out += vars[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    // Find the matching brace (defaults may hold ${…} of their own).
    let depth = 0;
    let end = i + 1;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    if (depth !== 0) throw new Error(`unclosed \${ in ${text}`);
    const body = text.slice(i + 2, end);
    const match = /^([A-Za-z_]\w*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
    if (!match) throw new Error(`bad \${${body}}`);
    const [, name, operator, rest = ''] = match;
    const value = vars[name!];
    const unset = operator?.startsWith(':') ? !value : value === undefined;
    if (operator === undefined) out += value ?? '';
    else if (operator.endsWith('-')) out += unset ? interpolate(rest, vars) : value;
    else if (operator.endsWith('?')) {
      if (unset) throw new Error(`required variable ${name} is missing: ${interpolate(rest, vars)}`);
      out += value;
    } else out += unset ? '' : interpolate(rest, vars);
    i = end + 1;
  }
  return out;
}

/** A service's environment after interpolation, as strings (Compose's map or list form). */
export function serviceEnvironment(
  service: ComposeService,
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const)
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)] as const);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value, vars)]));
}

export interface Service {
  child: ChildProcess;
  output(): string;
  /** Sends a signal and resolves with the exit code (null when a signal ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A service's process: argv[0] `node` is this Node (the image's, same version), cwd the image tree. */
export function startService(argv: string[], env: Record<string, string>, cwd: string): Service {
  if (argv[0] !== 'node') throw new Error(`not a node command: ${argv.join(' ')}`);
  const child = spawn(process.execPath, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit');
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** Runs a command to its end: exit code and output. */
export async function runService(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; output: string; stdout: string }> {
  if (argv[0] !== 'node') throw new Error(`not a node command: ${argv.join(' ')}`);
  const child = spawn(process.execPath, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const [code] = await once(child, 'close');
  return { code: code as number | null, output, stdout };
}
