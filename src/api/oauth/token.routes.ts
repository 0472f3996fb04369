// POST /v1/oauth/token: OAuth2 client-credentials grant (Flanks' POST v0/token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clientCredentialsGrant, type TokenIssuer } from '../../http/client-token.ts';
import { problemResponses } from '../common.schemas.ts';
import { TokenRequest, TokenResponse } from './token.schemas.ts';

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenIssuer> = async (app, deps) => {
  app.post(
    '/v1/oauth/token',
    {
      config: { tokenRoute: true },
      schema: {
        tags: ['Authentication'],
        summary: 'Get an access token',
        description:
          'OAuth2 client-credentials grant. Returns a bearer JWT valid for an hour, signed with a key from /.well-known/jwks.json.',
        body: TokenRequest,
        response: { 200: TokenResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const token = await clientCredentialsGrant(deps, request, request.body);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return token;
    },
  );
};
