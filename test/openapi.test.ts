// The OpenAPI document, the docs page and the error catalog stay in step with the code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { facades } from '../src/compat/index.ts';
import { errorCatalog, errorCodes } from '../src/domain/errors.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';

let ctx: TestContext;
// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document walked by the assertions below
let spec: any;

/** `METHOD /path/{param}` for every route the app really has, read from Fastify's route tree. */
function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    for (const method of match[3]!.split(', ')) {
      if (method !== 'HEAD') routes.push(`${method} ${path.replaceAll(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

before(async () => {
  ctx = await buildTestContext();
  spec = (await ctx.app.inject({ url: '/openapi.json' })).json();
});
after(() => ctx.close());

test('/openapi.json is a valid OpenAPI 3.1 document', async () => {
  assert.equal(spec.openapi, '3.1.0');
  const validator = new Validator();
  const result = await validator.validate(structuredClone(spec));
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test('every route of the native API is in the document', () => {
  const documented = new Set(
    Object.entries<Record<string, unknown>>(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );
  // The documents themselves, the reference page, the operator's dashboard (pages for people) and
  // the facades (each has its own document, below) are the only routes left out of it.
  const routes = registeredRoutes(ctx.app.printRoutes({ commonPrefix: false })).filter(
    (route) =>
      !route.includes(' /docs') &&
      !route.endsWith('/openapi.json') &&
      !route.includes(' /compat/') &&
      !route.includes(' /dashboard'),
  );
  assert.ok(
    routes.includes('POST /v1/oauth/token') && routes.includes('GET /v1/institutions/{id}'),
    routes.join(', '),
  );
  assert.deepEqual(routes.sort(), [...documented].sort());
});

test('each facade’s own document is valid OpenAPI 3.1 and has every route of the facade', async () => {
  for (const facade of facades) {
    const prefix = `/compat/${facade.name}`;
    const document = (await ctx.app.inject({ url: `${prefix}/openapi.json` })).json();
    const result = await new Validator().validate(structuredClone(document));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${prefix}${path}`),
    );
    const routes = registeredRoutes(ctx.app.printRoutes({ commonPrefix: false })).filter(
      (route) => route.includes(` ${prefix}/`) && !route.endsWith('/openapi.json'),
    );
    assert.ok(routes.length > 10, facade.name);
    assert.deepEqual(routes.sort(), documented.sort(), facade.name);
  }
});

test('the Problem schema lists exactly the catalog codes', () => {
  const problem = spec.components.schemas.Problem;
  assert.deepEqual([...problem.properties.code.enum].sort(), [...errorCodes].sort());
});

test('docs/errors.md documents every code with its status, and nothing else', () => {
  const rows = fs
    .readFileSync('docs/errors.md', 'utf8')
    .split('\n')
    .map((line) => /^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(yes|no)\s*\|/.exec(line))
    .filter((match) => match !== null);
  const documented = Object.fromEntries(
    rows.map((m) => [m[1], { status: Number(m[2]), retryable: m[3] === 'yes' }]),
  );
  const catalog = Object.fromEntries(
    Object.entries(errorCatalog).map(([code, entry]) => [
      code,
      { status: entry.status, retryable: entry.retryable },
    ]),
  );
  assert.deepEqual(documented, catalog);
});

test('/docs is a readable API reference page', async () => {
  const page = await ctx.app.inject({ url: '/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  assert.match(page.body, /swagger-ui/i);
});

test('an unknown route is a problem+json 404 ROUTE_NOT_FOUND', async () => {
  const response = await ctx.app.inject({ url: '/v1/nope' });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json().code, 'ROUTE_NOT_FOUND');
});
