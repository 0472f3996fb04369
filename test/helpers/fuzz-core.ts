// What the fuzzers (test/fuzz*.test.ts) share: the operations of an OpenAPI document, a value each
// schema accepts (the base a mutation starts from), the mutations, a validator of responses
// against the document, and the loop that sends the cases and checks the oracles.
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CompactEncrypt, importJWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Schema } from '../../src/store/schema.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema and API JSON, walked dynamically
export type Json = any;

export interface Operation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; schema: Json; required?: boolean }>;
  /** The JSON body schema, if the operation takes one. */
  body: Json | undefined;
  /** The media types of the body the document lists. */
  bodyTypes: string[];
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
  /** The names of the security schemes the operation takes. */
  security: string[];
}

export function operationsOf(doc: Json, prefix = ''): Operation[] {
  const list: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths))
    for (const [method, operation] of Object.entries<Json>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      list.push({
        method: method.toUpperCase(),
        path: `${prefix}${path}`,
        parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])],
        body: operation.requestBody?.content?.['application/json']?.schema,
        bodyTypes: Object.keys(operation.requestBody?.content ?? {}),
        responses: operation.responses ?? {},
        security: (operation.security ?? doc.security ?? []).flatMap((s: Json) => Object.keys(s)),
      });
    }
  return list;
}

// ---- values

export const junkStrings = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\u202e\u200b',
  '\u0001\u0007\u001b[31m\u007f',
  'e\u0301\u0301\u0301',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '\uFEFF\uFFFE\uFFFF',
  '../../etc/passwd',
  "' or 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, on purpose
  '${7*7}{{7*7}}',
  'a'.repeat(100_000),
  '𝔘'.repeat(5_000),
  '',
  ' ',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '2026-02-30',
  '9999-12-31T23:59:60Z',
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
export const junkValues: Json[] = [
  ...junkStrings,
  1e308,
  -1,
  0,
  -0,
  2 ** 53 + 1,
  -(2 ** 63),
  0.5,
  1e-320,
  true,
  false,
  null,
  [],
  {},
  ['a\u0000'],
  { __proto__: null, a: 1 },
];
/** Path segments no route's id may be (already URL-encoded where need be). */
export const junkIds = [
  '%00',
  '%zz',
  '..%2f..%2f',
  'a'.repeat(600),
  'a'.repeat(80),
  '%3Fx=1',
  'con_',
  'x%20y',
  '%ef%bf%bf',
  '%ed%a0%80',
  '%F0%9F%92%A9',
  '%01%1b',
  '-1',
  '0',
  '1e3',
  '99999999999999999999',
  'CON_ABCDEFGHIJKLMNOP',
  'acc_AAAAAAAAAAAAAAAAAAAA',
  'con_abc%0a',
  'null',
];

/** JSON 10,000 levels deep (arrays or objects). */
export const deepJson = (depth: number, objects: boolean) =>
  objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Compact JWE serialisations that are not a valid encryption to this server. */
export function junkJwes(kid: string): string[] {
  const header = { alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid };
  return [
    'a.b.c.d.e',
    '....',
    'eyJhbGciOiJub25lIn0.e30..x.y',
    `${b64(header)}.${b64('k')}.${b64('iv')}.${b64('ct')}.${b64('tag')}`,
    `${b64({ ...header, kid: 'nope' })}.a.b.c.d`,
    `${b64({ ...header, alg: 'dir' })}..${b64('iv')}.${b64('ct')}.${b64('tag')}`,
    `${b64({ ...header, enc: 'A128GCM' })}.a.b.c.d`,
    `${b64('not json')}.a.b.c.d`,
    `${b64(header)}.${'A'.repeat(400)}.AAAA.AAAA.AAAA`,
    `${b64(header)}.a.b.c`,
    `${b64(header)}.a.b.c.d.e.f`,
    'x'.repeat(10_000),
    `${b64(header)}.${'%%%'}.a.b.c`,
    '',
  ];
}

/** Encrypts `payload` to the server's encryption key, as a client of application/jose would. */
export async function encryptTo(jwks: Json, payload: string): Promise<string> {
  const jwk = jwks.keys.find((k: Json) => k.use === 'enc');
  const key = await importJWK(jwk, 'RSA-OAEP-256');
  return new CompactEncrypt(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: jwk.kid })
    .encrypt(key);
}

export async function junkPayloadJwes(jwks: Json): Promise<string[]> {
  return Promise.all(
    ['not json', '{"__proto__":{"x":1}}', '[]', '"text"', '{"a":"\\u0000"}', '{"a":1,"a":2}', '{'].map(
      (payload) => encryptTo(jwks, payload),
    ),
  );
}

// ---- schemas

export class DocumentTools {
  readonly doc: Json;
  /** How many responses were checked against a schema. */
  validated = 0;
  readonly #ajv: InstanceType<typeof Ajv2020>;
  readonly #validators = new Map<string, ReturnType<InstanceType<typeof Ajv2020>['compile']>>();

  constructor(doc: Json) {
    this.doc = doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema({ $id: 'openapi', components: doc.components ?? {} });
  }

  resolve(ref: string): Json {
    if (ref.startsWith('#/'))
      return ref
        .slice(2)
        .split('/')
        .reduce((node: Json, key) => node?.[key], this.doc);
    return undefined;
  }

  /** A value a schema accepts (the first choice of every decision). */
  sample(schema: Json, depth = 0): Json {
    if (!schema || depth > 6) return null;
    if (schema.$ref) return this.sample(this.resolve(schema.$ref), depth + 1);
    if (schema.const !== undefined) return schema.const;
    if (schema.default !== undefined && depth > 0) return schema.default;
    if (schema.enum) return schema.enum[0];
    if (schema.examples?.length) return schema.examples[0];
    const options = schema.anyOf ?? schema.oneOf;
    if (options) return this.sample(options.find((o: Json) => o.type !== 'null') ?? options[0], depth + 1);
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: Json) => this.sample(s, depth + 1)));
    switch (Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type) {
      case 'object': {
        const value: Json = {};
        for (const name of schema.required ?? [])
          value[name] = this.sample(schema.properties?.[name], depth + 1);
        return value;
      }
      case 'array':
        return schema.minItems ? [this.sample(schema.items, depth + 1)] : [];
      case 'integer':
      case 'number':
        return schema.minimum ?? schema.exclusiveMinimum ?? 1;
      case 'boolean':
        return true;
      case 'string':
        if (schema.format === 'uri') return 'https://example.com/hooks';
        if (schema.format === 'email') return 'a@example.com';
        if (schema.format === 'date') return '2026-01-01';
        if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
        if (schema.pattern === '^[A-Z]{3}$') return 'EUR';
        return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
      default:
        return null;
    }
  }

  /** Values just outside a schema's bounds (and on them). */
  edges(schema: Json): Json[] {
    const s = schema?.$ref ? this.resolve(schema.$ref) : schema;
    if (!s) return [];
    const out: Json[] = [];
    if (typeof s.minimum === 'number') out.push(s.minimum - 1, s.minimum, s.minimum - 0.5);
    if (typeof s.maximum === 'number') out.push(s.maximum + 1, s.maximum, s.maximum + 0.5);
    if (typeof s.minLength === 'number' && s.minLength > 0) out.push('x'.repeat(s.minLength - 1));
    if (typeof s.maxLength === 'number') out.push('x'.repeat(s.maxLength + 1), 'é'.repeat(s.maxLength));
    if (s.enum) out.push(`${s.enum[0]}x`, String(s.enum[0]).toUpperCase(), ` ${s.enum[0]}`);
    if (s.pattern) out.push('!', `${this.sample(s)}\n`);
    return out;
  }

  /** The fields of a body schema, by path, to aim a mutation at (one level of nesting). */
  bodyPaths(schema: Json): string[][] {
    const resolved = schema?.$ref ? this.resolve(schema.$ref) : schema;
    const paths: string[][] = [];
    for (const [name, property] of Object.entries<Json>(resolved?.properties ?? {})) {
      paths.push([name]);
      const inner = property?.$ref ? this.resolve(property.$ref) : property;
      for (const nested of Object.keys(inner?.properties ?? {})) paths.push([name, nested]);
    }
    return paths;
  }

  fieldSchema(schema: Json, path: string[]): Json {
    let node = schema?.$ref ? this.resolve(schema.$ref) : schema;
    for (const key of path) {
      node = node?.properties?.[key];
      node = node?.$ref ? this.resolve(node.$ref) : node;
    }
    return node;
  }

  /**
   * Whether a response matches what the document says of its operation: an error text, or null.
   * `generic` are the statuses any route may answer without documenting them; `envelope` checks
   * those (and every error's body) against the API's error envelope.
   */
  checkResponse(
    operation: Operation,
    response: LightMyRequestResponse,
    generic: ReadonlySet<number>,
  ): string | null {
    const status = response.statusCode;
    const documented = operation.responses[String(status)] ?? operation.responses.default;
    if (!documented) return generic.has(status) ? null : `status ${status} is not documented`;
    const mediaType = String(response.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    if (!/[/+]json$/.test(mediaType) || response.body === '') return null;
    const content = documented.content ?? {};
    const entry =
      content[mediaType] ??
      (mediaType === 'application/problem+json' ? content['application/json'] : undefined) ??
      content['application/json'] ??
      content['*/*'];
    if (!entry) {
      if (Object.keys(content).length === 0) return null; // documented without a body schema
      return `a ${mediaType} body, documented as ${Object.keys(content).join(', ')}`;
    }
    if (!entry.schema) return null;
    const key = `${operation.method} ${operation.path} ${status} ${mediaType}`;
    let validate = this.#validators.get(key);
    this.validated++;
    if (!validate) {
      validate = this.#ajv.compile(rebase(entry.schema));
      this.#validators.set(key, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return 'the body is not JSON';
    }
    if (validate(body)) return null;
    return `the body does not match its schema: ${this.#ajv.errorsText(validate.errors?.slice(0, 3))}`;
  }
}

/** `#/components/…` refs, pointed at the document's components registered as `openapi`. */
function rebase(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries<Json>(schema))
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `openapi${value}`
        : rebase(value);
  delete out.$id;
  return out;
}

// ---- cases

export const mutations = [
  'none',
  'none',
  'wrong-type',
  'junk-field',
  'bounds',
  'drop-field',
  'extra-field',
  'proto-key',
  'deep-nesting',
  'duplicate-keys',
  'huge-string',
  'unicode-string',
  'raw-body',
  'empty-body',
  'content-type',
  'jwe-junk',
  'idempotency-key',
  'authorization',
  'header-chars',
  'junk-query',
  'bounds-query',
  'bad-cursor',
] as const;
export type Mutation = (typeof mutations)[number];

export const caseArbitrary = (operations: Operation[]) =>
  fc.record({
    operation: fc.constantFrom(...operations),
    mutation: fc.constantFrom(...mutations),
    pick: fc.nat(),
    junk: fc.constantFrom(...junkValues),
    idKind: fc.constantFrom('own', 'own', 'other', 'junk'),
    text: fc.string({ unit: 'binary', maxLength: 40 }),
  });
export type Case = ReturnType<typeof caseArbitrary> extends fc.Arbitrary<infer T> ? T : never;

export interface Target {
  tools: DocumentTools;
  /** The headers of a well-authenticated request to this operation. */
  auth(operation: Operation): Record<string, string>;
  /** Real ids for a path parameter: the caller's and another client's. */
  ids(operation: Operation, name: string): { own: string[]; other: string[] };
  /** Values of query parameters the sample cannot guess (an id the caller owns). */
  query?(operation: Operation, name: string): string | undefined;
  /** Values of body fields the sample cannot guess (an id the caller owns), by field name. */
  field?(name: string, operation: Operation): unknown;
  /** Real cursors (of any list), to truncate and tamper with. */
  cursors: string[];
  /** The kid of the server's encryption key (application/jose bodies). */
  kid: string;
  /** Valid JWEs of payloads that are junk (not JSON, a __proto__ key, a wrong shape). */
  jwes: string[];
  /** The authorization headers (names) this API reads, to mangle. */
  authHeaders: string[];
}

export type FuzzRequest = InjectOptions & {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
};

export function buildRequest(target: Target, c: Case): FuzzRequest {
  const { operation, mutation, pick, junk } = c;
  const { tools } = target;
  let url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const { own, other } = target.ids(operation, name);
    if (c.idKind === 'other' && other.length > 0) return encodeURIComponent(other[pick % other.length]!);
    if (c.idKind === 'junk' || own.length === 0) return junkIds[pick % junkIds.length]!;
    return encodeURIComponent(own[pick % own.length]!);
  });
  const query = new URLSearchParams();
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  for (const parameter of queryParameters) {
    if (!parameter.required && (pick >> 3) % 3 !== 0) continue;
    const value = target.query?.(operation, parameter.name) ?? tools.sample(parameter.schema);
    if (value !== null && value !== undefined) query.set(parameter.name, String(value));
  }
  const aimed = queryParameters[pick % Math.max(1, queryParameters.length)];
  const asText = (value: Json) => (typeof value === 'string' ? value : JSON.stringify(value));
  if (mutation === 'junk-query' && aimed) query.set(aimed.name, asText(junk));
  if (mutation === 'junk-query' && pick % 5 === 0) query.append(aimed?.name ?? 'x', asText(junk));
  if (mutation === 'bounds-query' && aimed) {
    const edges = tools.edges(aimed.schema);
    if (edges.length > 0) query.set(aimed.name, asText(edges[pick % edges.length]));
  }
  if (mutation === 'bad-cursor') {
    const real = target.cursors[pick % Math.max(1, target.cursors.length)] ?? 'WyJhIl0';
    const cut = Math.max(1, pick % real.length);
    query.set(
      'cursor',
      [
        Buffer.from(c.text).toString('base64url') || 'A',
        real.slice(0, cut),
        `${real.slice(0, cut)}${real[cut] === 'A' ? 'B' : 'A'}${real.slice(cut + 1)}`,
        `${real}${real}`,
        Buffer.from(JSON.stringify([junk, c.text])).toString('base64url'),
        Buffer.from(JSON.stringify({ k: junk })).toString('base64url'),
        b64([]),
        b64(['2026-01-01', 'txn_x', 'extra']),
        '!!!',
        `${real}=`,
        'A'.repeat(600),
      ][pick % 11]!,
    );
  }
  const search = query.toString();
  if (search) url += `?${search}`;

  const headers: Record<string, string> = { ...target.auth(operation) };
  let payload: string | Buffer | undefined;
  const takesBody = operation.bodyTypes.length > 0 || ['POST', 'PUT', 'PATCH'].includes(operation.method);
  if (takesBody) {
    const body = operation.body ? tools.sample(operation.body) : {};
    if (target.field && body && typeof body === 'object' && !Array.isArray(body))
      for (const name of Object.keys(tools.fieldSchema(operation.body, [])?.properties ?? {})) {
        const value = target.field(name, operation);
        if (value !== undefined) body[name] = value;
      }
    const paths = operation.body ? tools.bodyPaths(operation.body) : [];
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
    if (mutation === 'bounds' && path) {
      const edges = tools.edges(tools.fieldSchema(operation.body, path));
      if (edges.length > 0) set(edges[pick % edges.length]);
    }
    if (mutation === 'huge-string') set(pick % 2 ? 'é'.repeat(300_000) : 'a'.repeat(1_100_000));
    if (mutation === 'unicode-string')
      set(junkStrings.filter((s) => s.length < 100)[pick % 20] ?? `${c.text}\u0000`);
    if (mutation === 'drop-field' && path && body && typeof body === 'object') delete body[path[0]!];
    if (mutation === 'extra-field' && body && typeof body === 'object') body[`extra_${pick % 5}`] = junk;
    payload = JSON.stringify(body);
    if (mutation === 'proto-key')
      payload = [
        `{"__proto__":{"polluted":true}}`,
        `{"constructor":{"prototype":{"x":1}}}`,
        // A computed key makes an own property: it is serialised as "__proto__".
        JSON.stringify({ ...body, ['__proto__']: { admin: true } }),
      ][pick % 3]!;
    if (mutation === 'deep-nesting') payload = deepJson(10_000 - (pick % 3) * 3000, pick % 2 === 1);
    if (mutation === 'duplicate-keys') {
      const [first] = Object.keys(body && typeof body === 'object' ? body : {});
      payload =
        first === undefined
          ? '{"a":1,"a":2}'
          : `{${JSON.stringify(first)}:${JSON.stringify(junk)},${payload.slice(1)}`;
    }
    if (mutation === 'raw-body')
      payload = [
        '{',
        'NaN',
        '\ufeff{}',
        Buffer.from([0xff, 0xfe, 0x00]),
        c.text,
        '{"a":1}garbage',
        '[1,2',
        '{"a":"\\ud800"}',
        '{"a":"\\u0000"}',
        '"just a string"',
        '123',
        'null',
        '[]',
        '{"a":1e99999}',
        Buffer.from('{"a":"\xc3\x28"}', 'latin1'),
      ][pick % 15]!;
    headers['content-type'] = 'application/json';
    if (mutation === 'empty-body') {
      payload = ['', ' ', '\n', undefined][pick % 4];
      if (pick % 3 === 0) delete headers['content-type'];
    }
    if (mutation === 'content-type')
      headers['content-type'] = [
        'text/plain',
        'application/xml',
        'multipart/form-data',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'image/png',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/jsonx',
        'APPLICATION/JSON',
        'application/*',
        '',
        'application/jose',
        'application/octet-stream',
      ][pick % 14]!;
    if (mutation === 'jwe-junk') {
      headers['content-type'] = 'application/jose';
      const all = [...junkJwes(target.kid), ...target.jwes, c.text];
      payload = all[pick % all.length]!;
    }
  }
  if (mutation === 'idempotency-key')
    headers['idempotency-key'] = [
      '',
      ' ',
      'a'.repeat(300),
      'ключ',
      c.text.replace(/[^\x20-\x7e]/g, '') || 'k',
    ][pick % 5]!;
  if (mutation === 'authorization') {
    const name = target.authHeaders[pick % target.authHeaders.length]!;
    headers[name] = [
      '',
      'Bearer',
      'Basic Zm9vOmJhcg==',
      'Basic !!!',
      `Basic ${Buffer.from('a:').toString('base64')}`,
      `Bearer ${'a'.repeat(9000)}`,
      `Bearer ${c.text.replace(/[^\x20-\x7e]/g, '')}`,
      'Bearer eyJhbGciOiJub25lIn0.e30.',
      `${headers[name] ?? ''}x`,
      (headers[name] ?? '').slice(0, -3),
    ][pick % 10]!;
  }
  if (mutation === 'header-chars') {
    // What Node's HTTP parser lets through: tabs, obs-text (bytes 0x80–0xff) and sheer length.
    const value = ['a\tb', '\xff\xfe', 'é'.repeat(100), 'x'.repeat(8000), '\t'][pick % 5]!;
    const name = ['idempotency-key', 'accept', 'accept-language', 'x-request-id', 'user-agent'][pick % 5]!;
    headers[name] = value;
  }
  return { method: operation.method, url, headers, ...(payload !== undefined ? { payload } : {}) };
}

// ---- the loop

export interface Oracles {
  /** An error text when a response body is not in the API's error envelope (status ≥ 400). */
  envelope(response: LightMyRequestResponse): string | null;
  /** The statuses any route may answer without documenting them. */
  generic: ReadonlySet<number>;
  /** Whether to check responses against the document (else only no 5xx, the envelope, no change). */
  schemas: boolean;
}

export interface FuzzStats {
  requests: number;
  fingerprints: number;
  statuses: Map<number, number>;
  /** `METHOD /path` → requests sent to it, and how many it answered with a success (2xx). */
  operations: Map<string, { requests: number; successes: number }>;
}

/** `METHOD /path` of an operation, as the stats name it. */
export const operationKey = (operation: Operation) => `${operation.method} ${operation.path}`;

/**
 * Sends `runs` seeded cases; fails on a 5xx, an error outside the envelope, a response its
 * document does not describe, or a refused write that changed the caller's state. The state is
 * fingerprinted only around refused writes, and before one only when something may have changed
 * since the last fingerprint (a success, which may also have started background work).
 */
export async function fuzz(options: {
  app: FastifyInstance;
  target: Target;
  operations: Operation[];
  oracles: Oracles;
  seed: number;
  runs: number;
  fingerprint: () => Promise<Record<string, string>>;
  /** Waits until no background work of the caller runs. */
  quiescent: () => Promise<void>;
}): Promise<FuzzStats> {
  const { app, target, oracles } = options;
  const stats: FuzzStats = { requests: 0, fingerprints: 0, statuses: new Map(), operations: new Map() };
  for (const operation of options.operations)
    stats.operations.set(operationKey(operation), { requests: 0, successes: 0 });
  let known: Record<string, string> | undefined;
  const fingerprint = async () => {
    stats.fingerprints++;
    return options.fingerprint();
  };
  await fc.assert(
    fc.asyncProperty(caseArbitrary(options.operations), async (c) => {
      const request = buildRequest(target, c);
      const write = request.method !== 'GET';
      if (write && !known) {
        await options.quiescent();
        known = await fingerprint();
      }
      const response = await app.inject(request);
      stats.requests++;
      const status = response.statusCode;
      stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
      const reached = stats.operations.get(operationKey(c.operation))!;
      reached.requests++;
      if (status < 300) reached.successes++;
      const where = `${request.method} ${request.url.slice(0, 300)} (${c.mutation}, content-type ${request.headers['content-type']}, body ${String(request.payload ?? '').slice(0, 200)}) → ${status} ${response.body.slice(0, 400)}`;
      assert.ok(status < 500, `a 5xx: ${where}`);
      if (status >= 400) {
        const wrong = oracles.envelope(response);
        assert.equal(wrong, null, `not in the error envelope (${wrong}): ${where}`);
      }
      if (oracles.schemas) {
        const wrong = target.tools.checkResponse(c.operation, response, oracles.generic);
        assert.equal(wrong, null, `not as documented (${wrong}): ${where}`);
      }
      if (status >= 400 && write) {
        const now = await fingerprint();
        assert.deepEqual(now, known, `a refused write changed the state: ${where}`);
      } else if (status < 400) known = undefined;
    }),
    { seed: options.seed, numRuns: options.runs, endOnFailure: true },
  );
  return stats;
}

/** The operations no request got a success from (what the fuzz never got past the checks of). */
export const unreached = (stats: FuzzStats) =>
  [...stats.operations].filter(([, counts]) => counts.successes === 0).map(([key]) => key);

export function summary(label: string, stats: FuzzStats, ms: number): string {
  const statuses = [...stats.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  const never = unreached(stats);
  return (
    `# fuzz ${label}: ${stats.requests} requests in ${(ms / 1000).toFixed(1)} s (${Math.round((stats.requests * 1000) / ms)}/s), ${stats.fingerprints} fingerprints; ${statuses.join(' ')}; ` +
    `${stats.operations.size - never.length} of ${stats.operations.size} operations answered a success${never.length ? ` (not: ${never.join(', ')})` : ''}\n`
  );
}

/** Waits until nothing of the client runs in the background (a created connection's refresh). */
export async function quiescent(db: Kysely<Schema>, clientId: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const active = await db
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
