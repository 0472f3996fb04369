// A property over every route of /openapi.json, the oracles of the security audit's fuzzer:
// whatever a caller sends (wrong types, junk in one field, NUL and lone surrogates, 1e309, year
// 0000, dropped and extra fields, prototype keys, deep nesting, bodies that are not JSON, other
// content types, tampered JWE, odd Idempotency-Keys and Authorization headers, another client's
// ids and ids that are junk):
// - no answer is a 5xx;
// - every 4xx is problem+json with type, title, status (the HTTP status), detail, code,
//   request_id and retryable;
// - a refused write changes nothing the caller owns, and nothing at all of another client.
// The runs are seeded (TESORO_FUZZ_SEED, TESORO_FUZZ_RUNS to explore further); a failure prints
// the request that broke a property.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { connect, good, waitForConnection } from './helpers/connections.ts';
import { buildTestContext, type TestContext } from './helpers/context.ts';
import { clientFingerprint } from './helpers/fingerprint.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema and API JSON, walked dynamically
type Json = any;

const SEED = Number(process.env.TESORO_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.TESORO_FUZZ_RUNS ?? 1500);

let ctx: TestContext;
let doc: Json;
let victim: { id: string; token: string; ids: string[] };
let fuzzer: { id: string; token: string; ids: Record<string, string[]> };

before(async () => {
  ctx = await buildTestContext({ webhooks: false });
  doc = (await ctx.app.inject({ url: '/openapi.json' })).json();

  const a = await ctx.createClient();
  const aToken = await ctx.tokenFor(a);
  const aConnection = await connect(ctx, aToken, { ...good(), access_mode: 'recurrent' });
  const aAccount = (await ctx.call(aToken, { url: `/v1/accounts?connection_id=${aConnection.id}` })).json()
    .data[0].id;
  victim = { id: a.id, token: aToken, ids: [aConnection.id, aAccount] };

  const b = await ctx.createClient();
  const token = await ctx.tokenFor(b);
  const connection = await connect(ctx, token, { ...good(), access_mode: 'recurrent' });
  const data = (url: string) => ctx.call(token, { url }).then((r) => r.json().data as Json[]);
  const accounts = await data(`/v1/accounts?connection_id=${connection.id}`);
  const transactions = await data(`/v1/transactions?connection_id=${connection.id}&page_size=2`);
  const endpoint = (
    await ctx.call(token, {
      method: 'POST',
      url: '/v1/webhook-endpoints',
      payload: { url: 'https://example.com/hooks', description: 'fuzz' },
    })
  ).json();
  await ctx.call(token, {
    method: 'PATCH',
    url: `/v1/webhook-endpoints/${endpoint.id}`,
    payload: { enabled: false },
  });
  await ctx.call(token, {
    method: 'PUT',
    url: '/v1/client/redirect-uris',
    payload: { redirect_uris: ['https://app.example/cb'] },
  });
  const session = (
    await ctx.call(token, {
      method: 'POST',
      url: '/v1/connect/sessions',
      payload: { redirect_uri: 'https://app.example/cb' },
    })
  ).json();
  const events = await data('/v1/events?page_size=2');
  fuzzer = {
    id: b.id,
    token,
    ids: {
      connection: [connection.id],
      account: accounts.map((x) => x.id),
      transaction: transactions.map((x) => x.id),
      endpoint: [endpoint.id],
      session: [session.id],
      event: events.map((x) => x.id),
    },
  };
});
after(() => ctx.close());

// ---- values

const junkStrings = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\u202e\u200b',
  '../../etc/passwd',
  "' or 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, on purpose
  '${7*7}{{7*7}}',
  'a'.repeat(100_000),
  '',
  ' ',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '1e309',
  'Infinity',
  '-Infinity',
  'NaN',
  '-0',
  '99999999999999999999999',
  'null',
  '[]',
  '{}',
];
const junkValues: Json[] = [
  ...junkStrings,
  1e308,
  -1,
  0,
  2 ** 53 + 1,
  0.5,
  true,
  false,
  null,
  [],
  {},
  ['a\u0000'],
  { __proto__: null, a: 1 },
];
const junkIds = [
  '%00',
  '%zz',
  '..%2f..%2f',
  'a'.repeat(600),
  'a'.repeat(80),
  '%3Fx=1',
  'con_',
  'x%20y',
  '%ef%bf%bf',
];

/** A value a schema accepts (the first choice of every decision): the base a mutation starts from. */
function sample(schema: Json, depth = 0): Json {
  if (!schema || depth > 6) return null;
  if (schema.$ref) return sample(resolve(schema.$ref), depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return sample(options.find((o: Json) => o.type !== 'null') ?? options[0], depth + 1);
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'object': {
      const value: Json = {};
      for (const name of schema.required ?? []) value[name] = sample(schema.properties?.[name], depth + 1);
      return value;
    }
    case 'array':
      return schema.minItems ? [sample(schema.items, depth + 1)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'uri') return 'https://example.com/hooks';
      if (schema.format === 'date') return '2026-01-01';
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.pattern === '^[A-Z]{3}$') return 'EUR';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return null;
  }
}

function resolve(ref: string): Json {
  if (ref.startsWith('#/'))
    return ref
      .slice(2)
      .split('/')
      .reduce((node: Json, key) => node?.[key], doc);
  return Object.values(doc.components?.schemas ?? {}).find((s: Json) => s.$id === ref.replace(/#$/, ''));
}

/** The fields of a body schema, by JSON pointer path, to aim a mutation at (one level of nesting). */
function bodyPaths(schema: Json): string[][] {
  const resolved = schema?.$ref ? resolve(schema.$ref) : schema;
  const paths: string[][] = [];
  for (const [name, property] of Object.entries<Json>(resolved?.properties ?? {})) {
    paths.push([name]);
    const inner = property?.$ref ? resolve(property.$ref) : property;
    for (const nested of Object.keys(inner?.properties ?? {})) paths.push([name, nested]);
  }
  return paths;
}

// ---- requests

interface Operation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; schema: Json }>;
  body: Json | undefined;
}

function operations(): Operation[] {
  const list: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths))
    for (const [method, operation] of Object.entries<Json>(item))
      list.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
  return list;
}

const idsFor = (path: string, name: string): string[] => {
  if (name === 'session_id') return fuzzer.ids.session!;
  if (path.startsWith('/v1/connections')) return fuzzer.ids.connection!;
  if (path.startsWith('/v1/accounts')) return fuzzer.ids.account!;
  if (path.startsWith('/v1/transactions')) return fuzzer.ids.transaction!;
  if (path.startsWith('/v1/webhook-endpoints')) return fuzzer.ids.endpoint!;
  if (path.startsWith('/v1/events')) return fuzzer.ids.event!;
  return [...fuzzer.ids.connection!, ...fuzzer.ids.account!];
};

const mutations = [
  'none',
  'wrong-type',
  'junk-field',
  'drop-field',
  'extra-field',
  'proto-key',
  'deep-nesting',
  'huge-string',
  'raw-body',
  'content-type',
  'jwe-junk',
  'idempotency-key',
  'authorization',
  'junk-query',
] as const;

const requestArbitrary = (ops: Operation[]) =>
  fc.record({
    operation: fc.constantFrom(...ops),
    mutation: fc.constantFrom(...mutations),
    pick: fc.nat(),
    junk: fc.constantFrom(...junkValues),
    idKind: fc.constantFrom('own', 'victim', 'junk'),
    text: fc.string({ unit: 'binary', maxLength: 40 }),
  });

type Case = ReturnType<typeof requestArbitrary> extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case) {
  const { operation, mutation, pick, junk } = c;
  let url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const own = idsFor(operation.path, name);
    const choice =
      c.idKind === 'own'
        ? own[pick % own.length]!
        : c.idKind === 'victim'
          ? victim.ids[pick % victim.ids.length]!
          : junkIds[pick % junkIds.length]!;
    return c.idKind === 'junk' ? choice : encodeURIComponent(choice);
  });
  const query = new URLSearchParams();
  for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
    if (pick % 3 !== 0) continue;
    const value = sample(parameter.schema);
    if (value !== null) query.set(parameter.name, String(value));
  }
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  if (mutation === 'junk-query' && queryParameters.length > 0)
    query.set(
      queryParameters[pick % queryParameters.length]!.name,
      typeof junk === 'string' ? junk : JSON.stringify(junk),
    );
  if (mutation === 'junk-query' && queryParameters.length > 0 && pick % 2 === 0)
    query.set('cursor', Buffer.from(JSON.stringify([junk, c.text])).toString('base64url'));
  const search = query.toString();
  if (search) url += `?${search}`;

  const headers: Record<string, string> = { authorization: `Bearer ${fuzzer.token}` };
  let payload: string | Buffer | undefined;
  if (operation.body || ['POST', 'PUT', 'PATCH'].includes(operation.method)) {
    const body = operation.body ? sample(operation.body) : {};
    const paths = operation.body ? bodyPaths(operation.body) : [];
    const path = paths[pick % Math.max(1, paths.length)];
    const set = (value: Json) => {
      if (!path || body === null || typeof body !== 'object') return;
      let node = body;
      for (const key of path.slice(0, -1)) {
        if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
        node = node[key];
      }
      node[path.at(-1)!] = value;
    };
    if (mutation === 'wrong-type') set(pick % 2 === 0 ? [junk] : { value: junk });
    if (mutation === 'junk-field') set(junk);
    if (mutation === 'huge-string') set('é'.repeat(300_000));
    if (mutation === 'drop-field' && path && body && typeof body === 'object') delete body[path[0]!];
    if (mutation === 'extra-field' && body && typeof body === 'object') body[`extra_${pick % 5}`] = junk;
    payload = JSON.stringify(body);
    if (mutation === 'proto-key')
      payload = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}`;
    if (mutation === 'deep-nesting')
      payload = `${'['.repeat(5000 + (pick % 5000))}${']'.repeat(5000 + (pick % 5000))}`;
    if (mutation === 'raw-body')
      payload = ['{', 'NaN', '\ufeff{}', Buffer.from([0xff, 0xfe, 0x00]), '', c.text][pick % 6]!;
    headers['content-type'] = 'application/json';
    if (mutation === 'content-type')
      headers['content-type'] = [
        'text/plain',
        'application/xml',
        'multipart/form-data',
        'image/png',
        'application/json; charset=utf-16',
      ][pick % 5]!;
    if (mutation === 'jwe-junk') {
      headers['content-type'] = 'application/jose';
      payload = ['a.b.c.d.e', 'eyJhbGciOiJub25lIn0.e30..x.y', c.text, 'x'.repeat(10_000)][pick % 4]!;
    }
  }
  if (mutation === 'idempotency-key')
    headers['idempotency-key'] = ['', ' ', 'a'.repeat(300), 'ключ', c.text || 'k'][pick % 5]!;
  if (mutation === 'authorization')
    headers.authorization = [
      '',
      'Bearer',
      'Basic Zm9vOmJhcg==',
      `Bearer ${'a'.repeat(9000)}`,
      `Bearer ${c.text}`,
    ][pick % 5]!;
  return { method: operation.method as 'GET', url, headers, payload };
}

/** Waits until nothing of the client runs in the background (a created connection's refresh). */
async function quiescent(clientId: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const active = await ctx.database.db
      .selectFrom('refreshes')
      .select('id')
      .where('client_id', '=', clientId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (!active) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('a refresh of the fuzzing client never ended');
}

test(`fuzzing every route (${RUNS} requests, seed ${SEED}): no 5xx, problem+json, refused writes change nothing`, async () => {
  const ops = operations();
  assert.ok(ops.length >= 60, `only ${ops.length} operations in /openapi.json`);
  const victimBefore = await clientFingerprint(ctx.database.db, victim.id);
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(requestArbitrary(ops), async (c) => {
      const request = build(c);
      const write = request.method !== 'GET';
      if (write) await quiescent(fuzzer.id);
      const before = write ? await clientFingerprint(ctx.database.db, fuzzer.id) : undefined;
      const response = await ctx.app.inject(request);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const where = `${request.method} ${request.url.slice(0, 200)} (${c.mutation}) → ${response.statusCode} ${response.body.slice(0, 300)}`;
      assert.ok(response.statusCode < 500, where);
      if (response.statusCode >= 400) {
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/, where);
        const problem = response.json();
        for (const field of ['type', 'title', 'detail', 'code', 'request_id'])
          assert.equal(typeof problem[field], 'string', `${field}: ${where}`);
        assert.equal(problem.status, response.statusCode, where);
        assert.equal(typeof problem.retryable, 'boolean', where);
        if (before)
          assert.deepEqual(await clientFingerprint(ctx.database.db, fuzzer.id), before, `changed: ${where}`);
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  for (const id of fuzzer.ids.connection!)
    await waitForConnection(ctx, fuzzer.token, id).catch(() => undefined);
  assert.deepEqual(await clientFingerprint(ctx.database.db, victim.id), victimBefore, "the victim's state");
  const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  process.stdout.write(`# fuzz statuses: ${summary.join(' ')}\n`);
  assert.ok(
    (statuses.get(400) ?? 0) > 0 && [...statuses.keys()].some((s) => s < 300),
    'both refusals and successes',
  );
});
