// Institutions (the banks, brokers and sandboxes a connection can reach) and the connectors serving
// them.
import type { RequestOptions } from '../http.ts';
import { listByQuery, type Query, Resource } from '../operations.ts';

export class Institutions extends Resource {
  /** Institutions, filtered by country, product or name; iterate it for all of them. */
  readonly list = this.endpoint(
    'GET /v1/institutions',
    (call) =>
      (query: Query<'GET /v1/institutions'> = {}, options?: RequestOptions) =>
        listByQuery(call, { query }, options),
  );

  /** One institution: its login `fields`, products and MFA, in `language`. */
  readonly get = this.endpoint(
    'GET /v1/institutions/{id}',
    (call) => (id: string, query?: Query<'GET /v1/institutions/{id}'>, options?: RequestOptions) =>
      call({ path: { id }, query }, options),
  );
}

export class Connectors extends Resource {
  /** The connectors of this server and the institutions each serves. */
  readonly list = this.endpoint(
    'GET /v1/connectors',
    (call) => (options?: RequestOptions) => call({}, options),
  );
}
