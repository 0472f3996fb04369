// Vendors' hosted login pages (Flinks Connect, Powens' webview) stood in for by Tesoro's own
// Connect page: the vendor's URL opens a native Connect session whose return comes back to the
// facade (`returnUrl`), which exchanges the one-use code and sends the end user on to the client's
// redirect URL in the vendor's form. The visit (where to send the user, what the vendor wants
// echoed) is a handle named by the session's `state`. The redirect URL must be one the client
// registered (PUT /v1/client/redirect-uris), as for native sessions: nobody can use the page to
// send an end user elsewhere.
import { AppError } from '../../domain/errors.ts';
import { consumeHandle, createHandle, type Handle } from '../../services/compat-handles.ts';
import {
  CODE_TTL_MS,
  createSession,
  exchangeCode,
  getRedirectUris,
  SESSION_TTL_MS,
  type SessionInput,
  setRedirectUris,
} from '../../services/connect.ts';
import type { ServiceDeps } from '../../services/deps.ts';

/** Where the end user goes after the page, and what the vendor wants echoed to it. */
export interface Visit extends Record<string, unknown> {
  redirect: string;
}

export interface Handoff<T extends Visit> {
  /**
   * The Connect page's URL for this visit; null when `visit.redirect` is not a registered
   * redirect URI (the caller answers in its vendor's words).
   */
  open(
    clientId: string,
    visit: T,
    session: Omit<SessionInput, 'redirect_uri' | 'state'>,
  ): Promise<string | null>;
  /**
   * The visit the page came back from (undefined: unknown or already used), and either the
   * connection the end user made or why there is none (`cancelled`, the page's error, or
   * `invalid_code`).
   */
  back(query: { state: string; code?: string | undefined; error?: string | undefined }): Promise<
    | undefined
    | {
        visit: Handle<T>;
        made: Awaited<ReturnType<typeof exchangeCode>> | null;
        error: string | null;
      }
  >;
}

export function connectHandoff<T extends Visit>(
  engine: ServiceDeps,
  publicUrl: string,
  returnUrl: string,
  kind: string,
): Handoff<T> {
  return {
    async open(clientId, visit, session) {
      const { redirect_uris } = await getRedirectUris(engine, clientId);
      if (!redirect_uris.includes(visit.redirect)) return null;
      // The page returns to the facade first: its return URL is registered for the client too.
      if (!redirect_uris.includes(returnUrl))
        await setRedirectUris(engine, clientId, [...redirect_uris, returnUrl]);
      const handle = await createHandle<T>(engine, {
        clientId,
        kind,
        data: visit,
        ttlMs: SESSION_TTL_MS + CODE_TTL_MS,
      });
      const created = await createSession(engine, publicUrl, clientId, {
        ...session,
        redirect_uri: returnUrl,
        state: handle.text!,
      });
      return created.url;
    },

    async back(query) {
      const visit = await consumeHandle<T>(engine, kind, query.state);
      if (!visit) return undefined;
      if (!query.code) return { visit, made: null, error: query.error ?? 'cancelled' };
      try {
        return { visit, made: await exchangeCode(engine, visit.clientId, query.code), error: null };
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'CONNECT_CODE_INVALID') throw error;
        return { visit, made: null, error: 'invalid_code' };
      }
    },
  };
}
