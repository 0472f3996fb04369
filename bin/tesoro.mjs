#!/usr/bin/env node
// `npx tesoro …`: runs src/main.ts on the project's own Node 24 (installed as the `node` dev
// dependency), whatever Node happens to be first on the PATH.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  await import(main);
} else {
  const projectNode = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(projectNode)) {
    process.stderr.write('tesoro needs Node.js 24: run `npm install` in the project first.\n');
    process.exit(1);
  }
  const child = spawn(projectNode, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  // A process manager signals this wrapper: pass it on so the server shuts down gracefully.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
