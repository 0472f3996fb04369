// Schemas of the token endpoint: the client-credentials grant and the access token it returns.
import { Type } from 'typebox';
import { allScopes } from '../../domain/scopes.ts';
import { tokenExample, tokenRequestExample } from '../openapi/examples.ts';

export const TokenRequestSchema = Type.Object(
  {
    grant_type: Type.String({ description: 'Must be `client_credentials`.' }),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    scope: Type.Optional(
      Type.String({
        maxLength: 500,
        description: `Space-separated subset of the client's scopes (${allScopes.join(', ')}); all of them when omitted.`,
      }),
    ),
  },
  {
    $id: 'TokenRequest',
    description:
      'JSON, application/x-www-form-urlencoded or a JWE of the JSON. Client credentials go in the body or as HTTP Basic.',
    examples: [tokenRequestExample],
  },
);

export const TokenSchema = Type.Object(
  {
    access_token: Type.String({ description: 'A JWT (ES256) to send as `Authorization: Bearer …`.' }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Seconds until the token expires (3600).' }),
    scope: Type.String({ description: 'Space-separated scopes the token carries.' }),
  },
  { $id: 'Token', description: 'An access token (RFC 6749 §5.1).', examples: [tokenExample] },
);
