// Schemas of the system routes: liveness, readiness and the public key set.
import { Type } from 'typebox';

export const HealthResponse = Type.Object({ status: Type.Literal('ok') });

export const ReadyResponse = Type.Object({
  status: Type.Literal('ready'),
  database: Type.String({ description: '`pglite` (embedded) or `postgres`.' }),
});

export const JwksResponse = Type.Object({
  keys: Type.Array(Type.Object({}, { additionalProperties: true })),
});
