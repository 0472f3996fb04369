// The options of @fastify/swagger for the native API's OpenAPI 3.1 document (GET /openapi.json),
// built from the route schemas: every operation has an operationId, its request and answers name
// components (the schemas the plugins register, with their examples), and each problem answer
// lists its codes (api/responses.ts). The transform below is what the document adds to the route
// schemas as Fastify holds them.
import type { SwaggerOptions } from '@fastify/swagger';
import { allScopes, scopeDescriptions } from '../../domain/scopes.ts';
import { packageVersion } from '../../version.ts';
import { optionalDefaults } from '../common.schemas.ts';
import { connectPageDocs } from './connect-page.ts';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * A request body the route reads itself (a statement file, a form), for the document only:
     * Fastify validates no body on such a route.
     */
    documentedBody?: unknown;
  }
}

const description =
  'Self-hosted financial data aggregation. Authenticate with POST /v1/oauth/token (client credentials), ' +
  'then send `Authorization: Bearer <token>`. Errors are RFC 9457 problem+json (the Problem schema) with a ' +
  'stable `code`: each error response lists the codes it can carry (`x-problem-codes`, with an example of ' +
  'each), and docs/errors.md says what each means. Before any route is chosen, any request may also be ' +
  'answered 404 ROUTE_NOT_FOUND, 408 REQUEST_TIMEOUT, 431 HEADERS_TOO_LARGE or ' +
  '500 INTERNAL_ERROR. Any request body may be sent as a JWE (`Content-Type: application/jose`) encrypted to ' +
  'a key from /.well-known/jwks.json.';

/** The request parts whose `required` the document shows as a client must send them. */
const requestParts = ['querystring', 'headers', 'body'] as const;

export function documentOptions(publicUrl: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tesoro API', version: packageVersion, description },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'oauth2',
            description: Object.entries(scopeDescriptions)
              .map(([scope, text]) => `${scope}: ${text}`)
              .join('; '),
            flows: {
              clientCredentials: {
                tokenUrl: '/v1/oauth/token',
                scopes: Object.fromEntries(allScopes.map((scope) => [scope, scopeDescriptions[scope]])),
              },
            },
          },
        },
      },
    },
    // A schema with an $id is the component of that name.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      const { documentedBody, ...routeSchema } = {
        ...schema,
        // The Connect page's routes send their answers as they are: their answers are written there.
        ...connectPageDocs[`${String(route.method)} ${url}`],
      } as Record<string, unknown>;
      const transformed: Record<string, unknown> = { ...routeSchema };
      // Each facade has a document of its own (/compat/<vendor>/openapi.json).
      if (url.startsWith('/compat/')) transformed.hide = true;
      // Routes that need a token say so, with the scopes they need.
      const scopes = route.config?.scopes;
      if (scopes !== undefined) transformed.security = [{ bearerAuth: scopes }];
      for (const part of requestParts) {
        const partSchema = transformed[part];
        if (partSchema && typeof partSchema === 'object')
          transformed[part] = optionalDefaults(partSchema as never);
      }
      if (documentedBody !== undefined) transformed.body = documentedBody;
      return { schema: transformed, url };
    },
  };
}
