// POST /v1/oauth/token: OAuth2 client-credentials grant (Flanks' POST v0/token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clientCredentialsGrant, type TokenIssuer } from '../../http/client-token.ts';
import { Ref, registerSchemas } from '../common.schemas.ts';
import { answer, jsonBody, problems, rateLimited } from '../responses.ts';
import { TokenRequestSchema, TokenSchema } from './token.schemas.ts';

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenIssuer> = async (app, deps) => {
  registerSchemas(app, [TokenRequestSchema, TokenSchema]);
  app.post(
    '/v1/oauth/token',
    {
      config: { tokenRoute: true },
      schema: {
        tags: ['Authentication'],
        operationId: 'createToken',
        summary: 'Get an access token',
        description:
          'OAuth2 client-credentials grant. Returns a bearer JWT valid for an hour, signed with a key from /.well-known/jwks.json.',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: Ref(TokenRequestSchema),
        response: {
          200: answer(Ref(TokenSchema), 'The access token.'),
          // RATE_LIMITED: the rate limit, or too many failed authentications (TESORO_AUTH_FAILURE_LIMIT).
          ...problems(
            jsonBody,
            rateLimited,
            'AUTH_UNSUPPORTED_GRANT_TYPE',
            'AUTH_INVALID_SCOPE',
            'AUTH_INVALID_CLIENT',
          ),
        },
      },
    },
    async (request, reply) => {
      const token = await clientCredentialsGrant(deps, request, request.body);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return token;
    },
  );
};
