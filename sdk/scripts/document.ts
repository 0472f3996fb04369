// The OpenAPI document the SDK's types and the Postman collection are generated from: the one the
// app serves at GET /openapi.json, built in-process (a throwaway database, no port), so a generator
// never needs a running server and always sees the routes of the checkout it runs in.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document, walked generically below
export type OpenApiDocument = Record<string, any>;

/** The repository's root: the generators write there, and the app's helpers read from it. */
export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where a server started with `tesoro serve` listens by default (README: Run it). */
export const DEFAULT_BASE_URL = 'http://localhost:8080';

/** The document an app serves, prepared for the generators (normalizeDocument). */
export async function documentOf(app: FastifyInstance): Promise<OpenApiDocument> {
  const response = await app.inject({ url: '/openapi.json' });
  if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
  return normalizeDocument(response.json());
}

/** Builds the app in-process and returns its document. */
export async function loadDocument(): Promise<OpenApiDocument> {
  // The app's helpers find their files (PGlite's template) relative to the working directory.
  process.chdir(repositoryRoot);
  // Loaded here, not at the top: normalizeDocument and the rest need no app.
  const { buildTestContext } = await import('../../test/helpers/context.ts');
  const context = await buildTestContext({ webhooks: false });
  try {
    return await documentOf(context.app);
  } finally {
    await context.close();
  }
}

/**
 * Two changes that make the generated code describe what the server does, and nothing else:
 * - `servers` names the default local server rather than whichever public URL the app was built
 *   with, so the output is the same on every machine;
 * - a parameter or request-body property that has a `default` is optional: the server fills it in,
 *   though the route schemas list such fields as required. (Once the document says so itself this
 *   changes nothing.)
 */
export function normalizeDocument(document: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(document);
  copy.servers = [{ url: DEFAULT_BASE_URL, description: '`tesoro serve` on its default port' }];
  for (const operation of operationsOf(copy)) {
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in !== 'path' && parameter.schema?.default !== undefined) parameter.required = false;
    }
    for (const media of Object.values<OpenApiDocument>(operation.requestBody?.content ?? {})) {
      defaultsOptional(media.schema);
    }
  }
  return copy;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every operation object of the document. */
export function operationsOf(document: OpenApiDocument): OpenApiDocument[] {
  return Object.values<OpenApiDocument>(document.paths ?? {}).flatMap((item) =>
    httpMethods.filter((method) => item[method]).map((method) => item[method]),
  );
}

/** `METHOD /path` of every operation of the document, sorted. */
export function operationKeysOf(document: OpenApiDocument): string[] {
  return Object.entries<OpenApiDocument>(document.paths ?? {})
    .flatMap(([path, item]) =>
      httpMethods.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

/** Drops from every `required` list of a schema (and of the schemas inside it) the fields with a default. */
function defaultsOptional(schema: OpenApiDocument | undefined): void {
  if (!schema || typeof schema !== 'object') return;
  const properties: Record<string, OpenApiDocument> = schema.properties ?? {};
  if (Array.isArray(schema.required)) {
    schema.required = schema.required.filter((name: string) => properties[name]?.default === undefined);
  }
  for (const inner of [
    ...Object.values(properties),
    schema.items,
    schema.additionalProperties,
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ]) {
    defaultsOptional(inner);
  }
}
