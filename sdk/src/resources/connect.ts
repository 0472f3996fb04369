// Hosted Connect. The client's side (Connect): sessions an end user completes on Tesoro's page, the
// codes they come back with, the redirect URIs allowed. The end user's side (ConnectPage): the
// page's own API, authenticated by the session token in the session URL's fragment, never by the
// client's token; the SDK has it for servers that drive a session themselves (tests, kiosks).
import type { RequestOptions } from '../http.ts';
import { type Body, type Query, Resource } from '../operations.ts';

export class Connect extends Resource {
  /** Opens a session for an end user; send them to its `url`. */
  readonly createSession = this.endpoint(
    'POST /v1/connect/sessions',
    (call) => (body: Body<'POST /v1/connect/sessions'>, options?: RequestOptions) => call({ body }, options),
  );

  /** The connection behind the `code` an end user came back to your `redirect_uri` with. */
  readonly exchange = this.endpoint(
    'POST /v1/connect/exchange',
    (call) => (code: string, options?: RequestOptions) => call({ body: { code } }, options),
  );

  /** Codes not exchanged yet (of one session, with `session_id`). */
  readonly codes = this.endpoint(
    'GET /v1/connect/codes',
    (call) => (query?: Query<'GET /v1/connect/codes'>, options?: RequestOptions) => call({ query }, options),
  );

  readonly getRedirectUris = this.endpoint(
    'GET /v1/client/redirect-uris',
    (call) => (options?: RequestOptions) => call({}, options),
  );

  /** Replaces the URIs Connect may send end users back to. */
  readonly setRedirectUris = this.endpoint(
    'PUT /v1/client/redirect-uris',
    (call) => (redirectUris: string[], options?: RequestOptions) =>
      call({ body: { redirect_uris: redirectUris } }, options),
  );
}

/** A Connect session as its page sees it: the id and the token from the session URL's fragment. */
export interface PageSession {
  id: string;
  token: string;
}

/** The PageSession of a session `url` (`…/connect/<id>#<token>`). */
export function pageSessionOf(url: string): PageSession {
  const parsed = new URL(url);
  const id = parsed.pathname.split('/').pop() ?? '';
  return { id, token: parsed.hash.slice(1) };
}

const anonymous = { authenticated: false };
const asPage = (session: PageSession) => ({
  path: { session_id: session.id },
  headers: { authorization: `Bearer ${session.token}` },
});

export class ConnectPage extends Resource {
  /** The page's HTML. */
  readonly html = this.endpoint(
    'GET /connect/{session_id}',
    (call) => (sessionId: string, options?: RequestOptions) =>
      call.text({ path: { session_id: sessionId } }, options),
    anonymous,
  );

  /** The page's script. */
  readonly script = this.endpoint(
    'GET /connect/assets/page.js',
    (call) => (options?: RequestOptions) => call.text({}, options),
    anonymous,
  );

  /** The page's styles. */
  readonly styles = this.endpoint(
    'GET /connect/assets/page.css',
    (call) => (options?: RequestOptions) => call.text({}, options),
    anonymous,
  );

  /** The script a client's own page includes to open Connect in a frame. */
  readonly embedScript = this.endpoint(
    'GET /connect/embed.js',
    (call) => (options?: RequestOptions) => call.text({}, options),
    anonymous,
  );

  /** The session as the page shows it: institutions, the chosen one's form, the state. */
  readonly session = this.endpoint(
    'GET /connect/api/{session_id}',
    (call) => (session: PageSession, options?: RequestOptions) => call(asPage(session), options),
    anonymous,
  );

  /** Submits the login form: the institution and its fields. */
  readonly submitCredentials = this.endpoint(
    'POST /connect/api/{session_id}/credentials',
    (call) =>
      (
        session: PageSession,
        body: Body<'POST /connect/api/{session_id}/credentials'>,
        options?: RequestOptions,
      ) =>
        call({ ...asPage(session), body }, options),
    anonymous,
  );

  /** Where the connection is: `state` (`success` once it can be handed over), the open challenge. */
  readonly progress = this.endpoint(
    'GET /connect/api/{session_id}/progress',
    (call) => (session: PageSession, options?: RequestOptions) => call(asPage(session), options),
    anonymous,
  );

  /** Answers the open challenge. */
  readonly answer = this.endpoint(
    'POST /connect/api/{session_id}/answer',
    (call) =>
      (session: PageSession, body: Body<'POST /connect/api/{session_id}/answer'>, options?: RequestOptions) =>
        call({ ...asPage(session), body }, options),
    anonymous,
  );

  /** Hands the connection over: the answer says where the page sends the end user (with the code). */
  readonly finish = this.endpoint(
    'POST /connect/api/{session_id}/finish',
    (call) => (session: PageSession, options?: RequestOptions) => call(asPage(session), options),
    anonymous,
  );

  /** The end user gives up. */
  readonly cancel = this.endpoint(
    'POST /connect/api/{session_id}/cancel',
    (call) => (session: PageSession, options?: RequestOptions) => call(asPage(session), options),
    anonymous,
  );

  /**
   * Where an institution sends the end user back after a redirect consent: answers the redirect on
   * to the client's `redirect_uri` (`location`), not followed.
   */
  readonly consentCallback = this.endpoint(
    'GET /connect/callback/{connector}',
    (call) =>
      (connector: string, query: Query<'GET /connect/callback/{connector}'>, options?: RequestOptions) =>
        call.redirect({ path: { connector }, query }, options),
    anonymous,
  );
}
