// Schemas of the system routes: liveness, readiness, version and the public key set.
import { Type } from 'typebox';

export const HealthResponse = Type.Object({ status: Type.Literal('ok') });

export const ReadyResponse = Type.Object({
  status: Type.Literal('ready'),
  database: Type.String({ description: '`pglite` (embedded) or `postgres`.' }),
});

export const JwksResponse = Type.Object({
  keys: Type.Array(Type.Object({}, { additionalProperties: true })),
});

export const VersionResponse = Type.Object({
  version: Type.String({ description: 'The release (package version).', examples: ['0.1.0'] }),
  commit: Type.Union([Type.String(), Type.Null()], {
    description: 'The commit this build is from (TESORO_COMMIT, or the checkout HEAD); null when unknown.',
  }),
  node: Type.String({ description: 'The Node.js version running the server.', examples: ['v24.21.0'] }),
  database: Type.String({ description: '`pglite` (embedded) or `postgres`.' }),
  schema: Type.Union([Type.String(), Type.Null()], {
    description: 'The last database migration applied.',
    examples: ['0019-balance-history'],
  }),
});
