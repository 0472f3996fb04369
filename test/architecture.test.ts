// The layering docs/architecture.md describes, checked on the source: the core (use cases, domain,
// store, connectors, jobs, webhooks, formats) never imports a face of the product (the HTTP
// layer, the native routes, the Connect page, the compatibility facades), and no two files import
// each other, even through others.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve('src');
const core = [
  'services',
  'domain',
  'store',
  'connectors',
  'jobs',
  'webhooks',
  'formats',
  'security',
  'observability',
];
const faces = ['http', 'api', 'connect', 'compat', 'dashboard', 'cli'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The project files a file imports (static and dynamic imports, type-only ones included). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specifiers
    .map((specifier) => path.resolve(path.dirname(file), specifier))
    .filter((f) => f.startsWith(SRC));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const area = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;
const relative = (file: string) => path.relative(SRC, file);

test('the core never imports the HTTP layer, the routes, the Connect page or a facade', () => {
  const violations = [...graph].flatMap(([file, imports]) =>
    core.includes(area(file))
      ? imports
          .filter((target) => faces.includes(area(target)))
          .map((target) => `${relative(file)} → ${relative(target)}`)
      : [],
  );
  assert.deepEqual(violations, []);
});

test('no circle of imports between files', () => {
  // Tarjan's strongly connected components: any component of more than one file is a circle.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    indexOf.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!indexOf.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, indexOf.get(target)!));
    }
    if (low.get(file) === indexOf.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(relative(member));
      } while (member !== file);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of files) if (!indexOf.has(file)) visit(file);
  assert.deepEqual(circles, []);
});

test('every import names a file that exists', () => {
  const missing = [...graph].flatMap(([file, imports]) =>
    imports
      .filter((target) => !fs.existsSync(target))
      .map((target) => `${relative(file)} → ${relative(target)}`),
  );
  assert.deepEqual(missing, []);
});
