// Idempotency-Key on POSTs that create something: the same key with the same request gets the
// first response again; the same key with another request is refused; records expire after 24 h.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';
import type { Schema } from '../store/schema.ts';

const TTL_MS = 24 * 3600_000;

/** JSON with every object's keys sorted: the same request with its fields in another order is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(
      `${request.method} ${request.routeOptions.url}\n${canonicalJson(request.params)}\n${canonicalJson(request.body ?? null)}`,
    )
    .digest('base64url');
}

/** Runs `handler` once per (client, Idempotency-Key); replays its stored response afterwards. */
export async function withIdempotency<T>(
  db: Kysely<Schema>,
  clientId: string,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  handler: () => Promise<T>,
): Promise<T> {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return handler();
  // The routes' IdempotencyHeaders schema refuses a bad key first; this holds for any caller without it.
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', {
      fields: [
        { in: 'header', path: ['idempotency-key'], detail: 'must be 1 to 255 visible ASCII characters' },
      ],
    });
  }
  const hash = requestHash(request);
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      client_id: clientId,
      key,
      method: request.method,
      path: request.routeOptions.url ?? request.url,
      request_hash: hash,
      expires_at: new Date(Date.now() + TTL_MS),
    })
    .onConflict((oc) => oc.columns(['client_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (!claimed) {
    const existing = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (existing.request_hash !== hash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request.',
      );
    }
    if (existing.response_status === null)
      throw new AppError(
        'IDEMPOTENCY_IN_PROGRESS',
        'The first request with this Idempotency-Key is still running.',
        { retryAfterSeconds: 1 },
      );
    reply.code(existing.response_status).header('idempotent-replayed', 'true');
    return existing.response_body as T;
  }
  try {
    const result = await handler();
    await db
      .updateTable('idempotency_keys')
      .set({ response_status: status, response_body: JSON.stringify(result) })
      .where('client_id', '=', clientId)
      .where('key', '=', key)
      .execute();
    return result;
  } catch (error) {
    // A failed request did nothing: the key may be used again.
    await db
      .deleteFrom('idempotency_keys')
      .where('client_id', '=', clientId)
      .where('key', '=', key)
      .execute();
    throw error;
  }
}
