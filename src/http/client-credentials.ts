// Where a token request carries its client credentials: HTTP Basic or the body (RFC 6749 §2.3.1).
// Read by the token endpoint and by the rate limit, which counts token requests per client id.
import type { FastifyRequest } from 'fastify';

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
    };
  } catch {
    return undefined;
  }
}

export function clientCredentialsOf(request: FastifyRequest): { id?: string; secret?: string } {
  const basic = basicCredentials(request);
  if (basic) return basic;
  const body = (request.body ?? {}) as { client_id?: unknown; client_secret?: unknown };
  return {
    ...(typeof body.client_id === 'string' ? { id: body.client_id } : {}),
    ...(typeof body.client_secret === 'string' ? { secret: body.client_secret } : {}),
  };
}
