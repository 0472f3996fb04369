// Tools for the sandbox institutions only: force a connection into a status, or make it send a
// webhook, to test how an application reacts.
import type { RequestOptions } from '../http.ts';
import { type Body, Resource } from '../operations.ts';

export class Sandbox extends Resource {
  /** Moves a sandbox connection to `credentials_invalid` or `consent_expired`. */
  readonly setStatus = this.endpoint(
    'POST /v1/sandbox/connections/{id}/status',
    (call) =>
      (id: string, body: Body<'POST /v1/sandbox/connections/{id}/status'>, options?: RequestOptions) =>
        call({ path: { id }, body }, options),
  );

  /** Makes a sandbox connection send a webhook event of the given type. */
  readonly fireWebhook = this.endpoint(
    'POST /v1/sandbox/connections/{id}/webhooks',
    (call) =>
      (id: string, body: Body<'POST /v1/sandbox/connections/{id}/webhooks'>, options?: RequestOptions) =>
        call({ path: { id }, body }, options),
  );
}
