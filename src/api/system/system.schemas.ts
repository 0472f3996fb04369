// Schemas of the system routes: liveness, readiness, version and the public key set.
import { Type } from 'typebox';
import { jwksExample, versionExample } from '../openapi/examples.ts';

export const HealthSchema = Type.Object(
  { status: Type.Literal('ok') },
  { $id: 'Health', examples: [{ status: 'ok' }] },
);

export const ReadinessSchema = Type.Object(
  {
    status: Type.Literal('ready'),
    database: Type.String({ description: '`pglite` (embedded) or `postgres`.' }),
  },
  { $id: 'Readiness', examples: [{ status: 'ready', database: 'postgres' }] },
);

export const JsonWebKeySetSchema = Type.Object(
  {
    keys: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description: 'RFC 7517 keys: `use: sig` verify access tokens, `use: enc` encrypt JWE request bodies.',
    }),
  },
  { $id: 'JsonWebKeySet', examples: [jwksExample] },
);

export const VersionSchema = Type.Object(
  {
    version: Type.String({ description: 'The release (package version).' }),
    commit: Type.Union([Type.String(), Type.Null()], {
      description: 'The commit this build is from (TESORO_COMMIT, or the checkout HEAD); null when unknown.',
    }),
    node: Type.String({ description: 'The Node.js version running the server.' }),
    database: Type.String({ description: '`pglite` (embedded) or `postgres`.' }),
    schema: Type.Union([Type.String(), Type.Null()], {
      description: 'The last database migration applied.',
    }),
  },
  { $id: 'Version', examples: [versionExample] },
);
