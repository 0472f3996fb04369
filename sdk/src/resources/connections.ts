// Connections: an end user's access to one institution, its refreshes and challenges.
import type { RequestOptions } from '../http.ts';
import { type Body, listByQuery, type Query, Resource, type Result } from '../operations.ts';

export type Connection = Result<'GET /v1/connections/{id}'>;

export interface CreateOptions extends RequestOptions {
  /** Sent as `Idempotency-Key`: a retried create with the same key answers the first connection. */
  idempotencyKey?: string;
}

export interface WaitOptions extends RequestOptions {
  /** Give up (throw) after this long; default 120,000 ms. */
  timeoutMs?: number;
  /** Between two reads; default 500 ms. */
  intervalMs?: number;
  /** Done when this holds; default: no refresh in flight, or one waiting for the end user. */
  until?: (connection: Connection) => boolean;
}

/** Nothing is being extracted now: the refresh ended, or it waits for the end user's answer. */
export const settled = (connection: Connection): boolean =>
  connection.refresh === null || connection.refresh.status === 'waiting_user';

const byId = (id: string) => ({ path: { id } });

export class Connections extends Resource {
  /**
   * Connects an institution with the end user's credentials. Answers at once with status `pending`;
   * the extraction runs in the background (waitUntilSettled).
   */
  readonly create = this.endpoint(
    'POST /v1/connections',
    (call) =>
      (body: Body<'POST /v1/connections'>, { idempotencyKey, ...options }: CreateOptions = {}) =>
        call({ body, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} }, options),
  );

  /** The client's connections, filtered by status, institution or end user. */
  readonly list = this.endpoint(
    'GET /v1/connections',
    (call) =>
      (query: Query<'GET /v1/connections'> = {}, options?: RequestOptions) =>
        listByQuery(call, { query }, options),
  );

  /** Status, per-product progress, the open challenge (if any) and the refresh in flight. */
  readonly get = this.endpoint(
    'GET /v1/connections/{id}',
    (call) => (id: string, query?: Query<'GET /v1/connections/{id}'>, options?: RequestOptions) =>
      call({ ...byId(id), query }, options),
  );

  /** Changes history, schedule, access mode or products; `refresh: true` also queues a refresh. */
  readonly update = this.endpoint(
    'PATCH /v1/connections/{id}',
    (call) => (id: string, body: Body<'PATCH /v1/connections/{id}'>, options?: RequestOptions) =>
      call({ ...byId(id), body }, options),
  );

  /** Deletes the connection, its credentials and all its data. */
  readonly delete = this.endpoint(
    'DELETE /v1/connections/{id}',
    (call) =>
      async (id: string, options?: RequestOptions): Promise<void> => {
        await call(byId(id), options);
      },
  );

  /** Deletes every connection of an end user (your `external_id`), all or nothing. */
  readonly deleteByExternalId = this.endpoint(
    'DELETE /v1/connections',
    (call) => (externalId: string, options?: RequestOptions) =>
      call({ query: { external_id: externalId } }, options),
  );

  /** The end user must log in again before the connection refreshes by itself. */
  readonly reauthenticate = this.endpoint(
    'POST /v1/connections/{id}/reauthenticate',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /**
   * Sends the end user's answer to the open challenge (`answers` keyed by its field names). A wrong
   * answer throws UnprocessableError CHALLENGE_FAILED with `problem.attempts_left`.
   */
  readonly answerChallenge = this.endpoint(
    'POST /v1/connections/{id}/challenge',
    (call) => (id: string, body: Body<'POST /v1/connections/{id}/challenge'>, options?: RequestOptions) =>
      call({ ...byId(id), body }, options),
  );

  /** New credentials (the end user changed their password); a refresh starts. */
  readonly updateCredentials = this.endpoint(
    'PUT /v1/connections/{id}/credentials',
    (call) => (id: string, body: Body<'PUT /v1/connections/{id}/credentials'>, options?: RequestOptions) =>
      call({ ...byId(id), body }, options),
  );

  /** Queues a refresh (or answers the one in flight). */
  readonly refresh = this.endpoint(
    'POST /v1/connections/{id}/refresh',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** The connection's refreshes, newest first. */
  readonly refreshes = this.endpoint(
    'GET /v1/connections/{id}/refreshes',
    (call) => (id: string, query?: Query<'GET /v1/connections/{id}/refreshes'>, options?: RequestOptions) =>
      call({ ...byId(id), query }, options),
  );

  /** Stops every refresh; the data stays readable. */
  readonly disable = this.endpoint(
    'POST /v1/connections/{id}/disable',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** Allows refreshes again and starts one. */
  readonly enable = this.endpoint(
    'POST /v1/connections/{id}/enable',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** Everything extracted for the connection, grouped (Flanks' ALL DATA); large ones: use the lists. */
  readonly allData = this.endpoint(
    'GET /v1/connections/{id}/all',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /**
   * Reads the connection until nothing is being extracted (or `until` holds), and returns it: after
   * `create`, its status is then `ok`, an error status, or `challenge_required` with the challenge.
   */
  async waitUntilSettled(id: string, options: WaitOptions = {}): Promise<Connection> {
    const { timeoutMs = 120_000, intervalMs = 500, until = settled, ...request } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const connection = await this.get(id, undefined, request);
      if (until(connection)) return connection;
      if (Date.now() + intervalMs > deadline)
        throw new Error(`connection ${id} still ${connection.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
