// Each facade publishes its own OpenAPI document, in its vendor's paths and field names, at
// /compat/<vendor>/openapi.json (the native document leaves the facades out). The facade's routes
// are collected as they are registered; a route documents its answers in `config.doc`, because
// its answers are written as JSON text (never through Fastify's serializer), and its request
// schemas are the ones Fastify validates with. Named schemas (`$id`) become components.
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { TSchema } from 'typebox';
import { packageVersion } from '../../version.ts';

export interface RouteDoc {
  /** The group the reference page shows the route in. */
  tag?: string;
  summary: string;
  description?: string;
  /** Answers by status: a schema, or a description alone (a redirect, an empty answer). */
  responses: Record<number, TSchema | { description: string }>;
  /** The security schemes (of the document's) the route takes; default the vendor's one when it has scopes. */
  security?: string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How a facade route's answers look, for the facade's OpenAPI document. */
    doc?: RouteDoc;
  }
}

type Json = Record<string, unknown>;

/** The named schema each validator copy was made from, so the document keeps the names. */
const originals = new WeakMap<object, unknown>();

function stripIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripIds);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema as Json)
      .filter(([key]) => key !== '$id')
      .map(([key, value]) => [key, stripIds(value)]),
  );
}

/** A copy of a schema without `$id`s, for Fastify's validator (one id may appear in many routes). */
export function withoutIds<T extends TSchema>(schema: T): T {
  const copy = stripIds(schema) as T;
  originals.set(copy, schema);
  return copy;
}

const named = (schema: unknown) =>
  schema && typeof schema === 'object' ? (originals.get(schema) ?? schema) : schema;

/** Moves every named sub-schema into `components` and points to it. */
function componentize(schema: unknown, components: Json): unknown {
  if (Array.isArray(schema)) return schema.map((item) => componentize(item, components));
  if (schema === null || typeof schema !== 'object') return schema;
  const { $id, ...rest } = schema as Json;
  const inner = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, componentize(value, components)]),
  );
  if (typeof $id !== 'string') return inner;
  components[$id] ??= inner;
  return { $ref: `#/components/schemas/${$id}` };
}

const isSchema = (value: TSchema | { description: string }): value is TSchema =>
  Object.keys(value).some((key) => key !== 'description');

export interface FacadeDocument {
  title: string;
  description: string;
  /** The facade's prefix: the document's server is the public URL plus it. */
  prefix: string;
  /** How the vendor's clients authenticate: one OpenAPI security scheme, or several by name. */
  securityScheme?: Json;
  securitySchemes?: Record<string, Json>;
}

/** Collects the facade's routes as they are registered, and serves their document. */
export function registerFacadeDocument(app: FastifyInstance, publicUrl: string, meta: FacadeDocument): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (route.config?.doc) routes.push(route);
  });
  let document: Json | undefined;
  app.get('/openapi.json', { schema: { hide: true } }, async () => {
    document ??= build(routes, publicUrl, meta);
    return document;
  });
}

function build(routes: readonly RouteOptions[], publicUrl: string, meta: FacadeDocument): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const doc = route.config!.doc!;
    const path = route.url.slice(meta.prefix.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const schema = (route.schema ?? {}) as { body?: TSchema; querystring?: TSchema; params?: TSchema };
    const query = schema.querystring as { properties?: Record<string, TSchema>; required?: string[] };
    const params = (schema.params as { properties?: Record<string, TSchema> } | undefined)?.properties;
    const parameters = [
      // Every segment of the path that is a parameter (`{customerId}`), as the route declares it.
      ...[...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        schema: params?.[name!] ? componentize(named(params[name!]), components) : { type: 'string' },
      })),
      ...Object.entries(query?.properties ?? {}).map(([name, property]) => ({
        name,
        in: 'query',
        required: query.required?.includes(name) ?? false,
        schema: componentize(named(property), components),
      })),
    ];
    const operation: Json = {
      ...(doc.tag ? { tags: [doc.tag] } : {}),
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      ...(doc.security
        ? { security: doc.security.map((name) => ({ [name]: [] })) }
        : route.config?.scopes
          ? { security: [{ vendorAuth: [] }] }
          : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(schema.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: componentize(named(schema.body), components) },
                'application/jose': {
                  schema: { type: 'string', description: 'The same body as a compact JWE (see the JWKS).' },
                },
              },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(doc.responses).map(([status, answer]) => [
          status,
          isSchema(answer)
            ? {
                description: (answer as { description?: string }).description ?? `${status}`,
                content: { 'application/json': { schema: componentize(answer, components) } },
              }
            : { description: (answer as { description: string }).description },
        ]),
      ),
    };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const item = paths[path] ?? {};
    // Fastify adds a HEAD route beside each GET; the document shows the GET.
    for (const method of methods) if (method !== 'HEAD') item[method.toLowerCase()] = operation;
    paths[path] = item;
  }
  return {
    openapi: '3.1.0',
    info: { title: meta.title, version: packageVersion, description: meta.description },
    servers: [{ url: `${publicUrl}${meta.prefix}` }],
    paths,
    components: {
      schemas: components,
      securitySchemes: meta.securitySchemes ?? { vendorAuth: meta.securityScheme ?? {} },
    },
  };
}
