// The OpenAPI document, the docs page and the error catalog stay in step with the code, and the
// document is one an SDK generator can work from (as Plaid's is): every operation has an
// operationId, names its request and answers as components, shows an example of each (valid
// against its schema), says what a client must send, and lists the problem codes of each error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { LightMyRequestResponse } from 'fastify';
import { facades } from '../src/compat/index.ts';
import { type ErrorCode, errorCatalog, errorCodes } from '../src/domain/errors.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { DocumentTools, type Json, type Operation } from './helpers/fuzz-core.ts';

let ctx: TestContext;
let spec: Json;
let tools: DocumentTools;

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
  tools = new DocumentTools(spec);
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

// ---- the document for SDK generators

interface DocumentedOperation {
  /** `METHOD /path`, for messages. */
  name: string;
  method: string;
  path: string;
  operation: Json;
}

const documentedOperations = (): DocumentedOperation[] =>
  Object.entries<Json>(spec.paths).flatMap(([path, item]) =>
    Object.entries<Json>(item).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      method,
      path,
      operation,
    })),
  );

/** The schema a `$ref` names, or the schema itself. */
const resolved = (schema: Json): Json => (schema?.$ref ? tools.resolve(schema.$ref) : schema);
const isComponent = (schema: Json) =>
  typeof schema?.$ref === 'string' && schema.$ref.startsWith('#/components/schemas/');
const scalarTypes = new Set(['string', 'integer', 'number', 'boolean', 'null']);
const isScalar = (schema: Json): boolean =>
  (schema.anyOf ?? schema.oneOf)?.every(isScalar) ??
  [schema.type].flat().every((type: unknown) => typeof type === 'string' && scalarTypes.has(type));

/**
 * A component, or an envelope of them: an object whose properties are components, lists of
 * components or scalars (a page: `data`, `has_more`, `next_cursor`, `total`), one at least a component.
 */
function namesComponents(schema: Json): boolean {
  if (isComponent(schema)) return true;
  const properties = Object.values<Json>(schema?.properties ?? {});
  const ofComponents = (p: Json) => isComponent(p) || (p.type === 'array' && isComponent(p.items));
  return properties.some(ofComponents) && properties.every((p) => ofComponents(p) || isScalar(p));
}

/** What a request body or response shows as its examples: its media type's, else its schema's. */
function examplesOf(media: Json): unknown[] {
  if (media.example !== undefined) return [media.example];
  if (media.examples) return Object.values<Json>(media.examples).map((example) => example.value);
  return resolved(media.schema)?.examples ?? [];
}

let checks = 0;
/** Whether `value` validates against `schema` (a schema of the document), with the fuzzers' Ajv. */
function validationError(schema: Json, value: unknown): string | null {
  const operation: Operation = {
    method: 'EXAMPLE',
    path: String(checks++),
    parameters: [],
    body: undefined,
    bodyTypes: [],
    security: [],
    responses: { 200: { content: { 'application/json': { schema } } } },
  };
  const response = {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  } as unknown as LightMyRequestResponse;
  return tools.checkResponse(operation, response, new Set());
}

/** The codes an error response lists, [] when it lists none. */
const problemCodes = (response: Json): string[] =>
  response?.content?.['application/problem+json']?.['x-problem-codes'] ?? [];

test('every operation has a unique camelCase operationId', () => {
  const ids = documentedOperations().map(({ name, operation }) => {
    assert.match(String(operation.operationId), /^[a-z][a-zA-Z0-9]+$/, name);
    return operation.operationId;
  });
  assert.ok(ids.length >= 90, `${ids.length} operations`);
  assert.deepEqual(
    ids.filter((id, index) => ids.indexOf(id) !== index),
    [],
    'operationIds used twice',
  );
});

test('JSON request bodies and success answers name components (or are pages of them)', () => {
  const unnamed: string[] = [];
  for (const { name, operation } of documentedOperations()) {
    for (const [type, media] of Object.entries<Json>(operation.requestBody?.content ?? {}))
      if (/json$/.test(type) && !namesComponents(media.schema)) unnamed.push(`${name} request ${type}`);
    for (const [status, response] of Object.entries<Json>(operation.responses)) {
      if (!/^2/.test(status)) continue;
      for (const [type, media] of Object.entries<Json>(response.content ?? {}))
        if (/json$/.test(type) && type !== 'application/problem+json' && !namesComponents(media.schema))
          unnamed.push(`${name} ${status} ${type}`);
    }
  }
  assert.deepEqual(unnamed, []);
  assert.ok(Object.keys(spec.components.schemas).length >= 60, 'the named schemas');
});

test('every request body and answer shows an example, and every example is valid against its schema', () => {
  const problems: string[] = [];
  const media = documentedOperations().flatMap(({ name, operation }) => [
    ...Object.entries<Json>(operation.requestBody?.content ?? {}).map(([type, m]) => [
      `${name} request ${type}`,
      m,
    ]),
    ...Object.entries<Json>(operation.responses).flatMap(([status, response]) =>
      Object.entries<Json>(response.content ?? {}).map(([type, m]) => [`${name} ${status} ${type}`, m]),
    ),
  ]);
  for (const [where, m] of media) {
    const examples = examplesOf(m);
    if (examples.length === 0) problems.push(`${where}: no example`);
    for (const example of examples) {
      const wrong = validationError(m.schema, example);
      if (wrong) problems.push(`${where}: ${wrong}`);
    }
  }
  // The components' own examples, whether or not an answer shows them.
  for (const [name, schema] of Object.entries<Json>(spec.components.schemas))
    for (const example of schema.examples ?? []) {
      const wrong = validationError({ $ref: `#/components/schemas/${name}` }, example);
      if (wrong) problems.push(`${name}: ${wrong}`);
    }
  assert.deepEqual(problems, []);
  assert.ok(media.length > 500, `${media.length} request bodies and answers`);
});

test('the POSTs that take an Idempotency-Key document it as an optional header, with its rules and answers', () => {
  const takers: string[] = [];
  for (const { name, operation } of documentedOperations()) {
    const header = (operation.parameters ?? []).find(
      (p: Json) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
    );
    if (!header) continue;
    takers.push(name);
    assert.equal(header.required, false, name);
    assert.equal(header.schema.maxLength, 255, name);
    assert.ok(header.description.includes('IDEMPOTENCY_KEY_REUSED'), name);
    for (const status of ['409', '422']) assert.ok(operation.responses[status], `${name} answers ${status}`);
  }
  assert.deepEqual(takers.sort(), ['POST /v1/accounts/{id}/transactions', 'POST /v1/connections']);
});

test('what a client may leave out is not required: parameters and body fields with a default', () => {
  const wrong: string[] = [];
  for (const { name, operation } of documentedOperations()) {
    for (const parameter of operation.parameters ?? [])
      if (parameter.schema?.default !== undefined && parameter.required)
        wrong.push(`${name}: parameter ${parameter.name}`);
    for (const media of Object.values<Json>(operation.requestBody?.content ?? {})) {
      const body = resolved(media.schema);
      for (const field of body?.required ?? [])
        if (body.properties?.[field]?.default !== undefined) wrong.push(`${name}: body field ${field}`);
    }
  }
  assert.deepEqual(wrong, []);
  // The lists' paging has defaults, and is optional.
  const pageSize = spec.paths['/v1/transactions'].get.parameters.find((p: Json) => p.name === 'page_size');
  assert.equal(pageSize.schema.default, 50);
  assert.equal(pageSize.required, false);
});

test('every error answer is a Problem listing its codes, each of the catalog, with its status and an example', () => {
  const wrong: string[] = [];
  for (const { name, operation } of documentedOperations())
    for (const [status, response] of Object.entries<Json>(operation.responses)) {
      const media = response.content?.['application/problem+json'];
      if (Number(status) < 400 && !media) continue; // a success (a 202 problem is OPERATION_PENDING)
      const where = `${name} ${status}`;
      if (media?.schema?.$ref !== '#/components/schemas/Problem') {
        wrong.push(`${where}: not a Problem`);
        continue;
      }
      const codes = problemCodes(response);
      if (codes.length === 0) wrong.push(`${where}: no x-problem-codes`);
      for (const code of codes) {
        if (!errorCodes.includes(code as ErrorCode)) wrong.push(`${where}: ${code} is not a code`);
        else if (errorCatalog[code as ErrorCode].status !== Number(status))
          wrong.push(`${where}: ${code} is a ${errorCatalog[code as ErrorCode].status}`);
        if (media.examples?.[code]?.value?.code !== code) wrong.push(`${where}: no example of ${code}`);
        if (!response.description.includes(code)) wrong.push(`${where}: its description omits ${code}`);
      }
    }
  assert.deepEqual(wrong, []);
});

test('every operation documents the answers of what it takes: a token, scopes, a path id, a query, a body', () => {
  const missing: string[] = [];
  /** The rate limit does not count these (http/rate-limit.ts). */
  const unlimited = new Set(['/health', '/ready', '/.well-known/jwks.json']);
  for (const { name, method, path, operation } of documentedOperations()) {
    const expect = (status: number, code: string) => {
      if (!problemCodes(operation.responses[status]).includes(code))
        missing.push(`${name}: ${status} ${code}`);
    };
    const parameters: Json[] = operation.parameters ?? [];
    if (parameters.length > 0 || operation.requestBody) expect(400, 'VALIDATION_FAILED');
    if (parameters.some((p) => p.in === 'path')) {
      expect(400, 'MALFORMED_REQUEST');
      expect(414, 'URI_TOO_LONG');
    }
    // Fastify reads a body sent with any method but GET, whether or not the route takes one.
    if (method !== 'get') {
      expect(400, 'MALFORMED_BODY');
      expect(413, 'PAYLOAD_TOO_LARGE');
      expect(415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    if (operation.security) {
      for (const code of ['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_INVALID', 'AUTH_TOKEN_EXPIRED'])
        expect(401, code);
      if (operation.security[0].bearerAuth.length > 0) expect(403, 'AUTH_INSUFFICIENT_SCOPE');
    }
    if (!unlimited.has(path)) expect(429, 'RATE_LIMITED');
  }
  assert.deepEqual(missing, []);
});

test('202 OPERATION_PENDING is an answer of its own, apart from the data it stands in for', () => {
  const reads = documentedOperations().filter(({ operation }) =>
    Object.values<Json>(operation.responses).some((r) => problemCodes(r).includes('OPERATION_PENDING')),
  );
  assert.ok(reads.length >= 25, `${reads.length} data reads`);
  for (const { name, operation } of reads) {
    assert.deepEqual(problemCodes(operation.responses[202]), ['OPERATION_PENDING'], name);
    assert.ok(namesComponents(operation.responses[200].content['application/json'].schema), name);
  }
});
