// Webhook endpoints (where Tesoro POSTs signed events), their deliveries, and the event log.
import type { RequestOptions } from '../http.ts';
import { type Body, listByQuery, type Query, Resource } from '../operations.ts';

const byId = (id: string) => ({ path: { id } });

export class WebhookEndpoints extends Resource {
  /** Registers an endpoint; the answer carries its signing `secret`, shown this once. */
  readonly create = this.endpoint(
    'POST /v1/webhook-endpoints',
    (call) => (body: Body<'POST /v1/webhook-endpoints'>, options?: RequestOptions) => call({ body }, options),
  );

  readonly list = this.endpoint(
    'GET /v1/webhook-endpoints',
    (call) =>
      (query: Query<'GET /v1/webhook-endpoints'> = {}, options?: RequestOptions) =>
        listByQuery(call, { query }, options),
  );

  readonly get = this.endpoint(
    'GET /v1/webhook-endpoints/{id}',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** Changes the URL, the events, the format or the description; enables or disables it. */
  readonly update = this.endpoint(
    'PATCH /v1/webhook-endpoints/{id}',
    (call) => (id: string, body: Body<'PATCH /v1/webhook-endpoints/{id}'>, options?: RequestOptions) =>
      call({ ...byId(id), body }, options),
  );

  /** Deletes the endpoint and its deliveries. */
  readonly delete = this.endpoint(
    'DELETE /v1/webhook-endpoints/{id}',
    (call) =>
      async (id: string, options?: RequestOptions): Promise<void> => {
        await call(byId(id), options);
      },
  );

  /** A new signing secret; the previous one keeps working for a while (`previous_secret_expires_at`). */
  readonly rotateSecret = this.endpoint(
    'POST /v1/webhook-endpoints/{id}/rotate-secret',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** Sends a `webhook.test` event to this endpoint. */
  readonly test = this.endpoint(
    'POST /v1/webhook-endpoints/{id}/test',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** Deliveries to this endpoint, each with every attempt. */
  readonly deliveries = this.endpoint(
    'GET /v1/webhook-endpoints/{id}/deliveries',
    (call) =>
      (
        id: string,
        query: Query<'GET /v1/webhook-endpoints/{id}/deliveries'> = {},
        options?: RequestOptions,
      ) =>
        listByQuery(call, { ...byId(id), query }, options),
  );
}

export class Events extends Resource {
  /** The event log (30 days), newest first. */
  readonly list = this.endpoint(
    'GET /v1/events',
    (call) =>
      (query: Query<'GET /v1/events'> = {}, options?: RequestOptions) =>
        listByQuery(call, { query }, options),
  );

  readonly get = this.endpoint(
    'GET /v1/events/{id}',
    (call) => (id: string, options?: RequestOptions) => call(byId(id), options),
  );

  /** Sends an event again, to one endpoint or to every one subscribed. */
  readonly resend = this.endpoint(
    'POST /v1/events/{id}/resend',
    (call) =>
      (id: string, body: Body<'POST /v1/events/{id}/resend'> = {}, options?: RequestOptions) =>
        call({ ...byId(id), body }, options),
  );
}
