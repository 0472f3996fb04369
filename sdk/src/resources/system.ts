// The public operations: the server's health and version, its signing keys, metrics, and the token
// endpoint itself. None sends the client's token.
import type { RequestOptions } from '../http.ts';
import { type Body, Resource } from '../operations.ts';

const anonymous = { authenticated: false };

export class System extends Resource {
  /** What is running: the release, the commit, Node.js and the database schema. */
  readonly version = this.endpoint(
    'GET /version',
    (call) => (options?: RequestOptions) => call({}, options),
    anonymous,
  );

  /** Liveness: the process is up. */
  readonly health = this.endpoint(
    'GET /health',
    (call) => (options?: RequestOptions) => call({}, options),
    anonymous,
  );

  /** Readiness: the database answers and every migration is applied (503 NOT_READY otherwise). */
  readonly ready = this.endpoint(
    'GET /ready',
    (call) => (options?: RequestOptions) => call({}, options),
    anonymous,
  );

  /** The public keys tokens are signed with, and request bodies may be encrypted to (JWE). */
  readonly jwks = this.endpoint(
    'GET /.well-known/jwks.json',
    (call) => (options?: RequestOptions) => call({}, options),
    anonymous,
  );

  /**
   * Prometheus metrics, as text. `metricsToken`: the server's TESORO_METRICS_TOKEN, when it has one
   * (it is not a client token).
   */
  readonly metrics = this.endpoint(
    'GET /metrics',
    (call) => (metricsToken?: string, options?: RequestOptions) =>
      call.text({ headers: metricsToken ? { authorization: `Bearer ${metricsToken}` } : {} }, options),
    anonymous,
  );
}

export class OAuth extends Resource {
  /**
   * A new access token (client-credentials grant). The client obtains and renews its own; this is
   * for handing a token to something else, or one with fewer `scope`s.
   */
  readonly createToken = this.endpoint(
    'POST /v1/oauth/token',
    (call) => (body: Body<'POST /v1/oauth/token'>, options?: RequestOptions) => call({ body }, options),
    anonymous,
  );
}
