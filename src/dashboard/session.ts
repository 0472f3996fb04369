// The dashboard's sign-in session: a JWT (HS256, jose) in an HttpOnly, SameSite=Strict cookie
// scoped to /dashboard. Its key is 32 random bytes made when the app starts and kept only in
// memory, so nobody can forge a session and a restart signs everyone out (an operator signs in
// again with the client's credentials). The token names the client, the time its secret was last
// rotated (a rotation, or deleting the client, ends every session: checked on each request), a
// CSRF token for the forms, and an expiry 8 hours after sign-in.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Client } from '../services/clients.ts';

export const SESSION_COOKIE = 'tesoro_dashboard';
export const SESSION_SECONDS = 8 * 3600;
const AUDIENCE = 'tesoro-dashboard';

export interface DashboardSession {
  /** The jti: a signed-out session is refused until it would have expired. */
  id: string;
  clientId: string;
  /** The client's secret_rotated_at when the session began (null: never rotated). */
  rotatedAt: string | null;
  /** The value every state-changing form of this session carries. */
  csrf: string;
  expiresAt: Date;
}

const token = () => randomBytes(24).toString('base64url');

export class DashboardSessions {
  readonly #key = randomBytes(32);
  readonly #now: () => Date;
  /** Signed-out sessions, by id, with when they would have expired. */
  readonly #ended = new Map<string, number>();

  /** `now` is the engine's clock, so a test can step past the expiry. */
  constructor(now: () => Date) {
    this.#now = now;
  }

  async issue(client: Client): Promise<{ token: string; session: DashboardSession }> {
    const now = this.#now();
    const session: DashboardSession = {
      id: token(),
      clientId: client.id,
      rotatedAt: client.secret_rotated_at,
      csrf: token(),
      expiresAt: new Date(Math.floor(now.getTime() / 1000) * 1000 + SESSION_SECONDS * 1000),
    };
    const jwt = await new SignJWT({ rot: session.rotatedAt, csrf: session.csrf })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(session.clientId)
      .setAudience(AUDIENCE)
      .setIssuer(AUDIENCE)
      .setJti(session.id)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(session.expiresAt.getTime() / 1000))
      .sign(this.#key);
    return { token: jwt, session };
  }

  /** The session a cookie holds, or undefined when it is forged, expired, malformed or signed out. */
  async verify(text: string | undefined): Promise<DashboardSession | undefined> {
    if (!text) return undefined;
    try {
      const { payload } = await jwtVerify(text, this.#key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        issuer: AUDIENCE,
        currentDate: this.#now(),
        requiredClaims: ['sub', 'jti', 'exp', 'csrf'],
      });
      const { sub, jti, exp, rot, csrf } = payload;
      if (typeof sub !== 'string' || typeof jti !== 'string' || typeof csrf !== 'string') return undefined;
      if (rot !== null && typeof rot !== 'string') return undefined;
      if (this.#ended.has(jti)) return undefined;
      return { id: jti, clientId: sub, rotatedAt: rot, csrf, expiresAt: new Date(exp! * 1000) };
    } catch {
      return undefined;
    }
  }

  /** Signs a session out: its token is refused from now on, even if someone kept a copy. */
  end(session: DashboardSession): void {
    const now = this.#now().getTime();
    for (const [id, until] of this.#ended) if (until <= now) this.#ended.delete(id);
    this.#ended.set(session.id, session.expiresAt.getTime());
  }
}

/** Whether the session still belongs to its client: it exists and its secret is the one signed in with. */
export const stillCurrent = (session: DashboardSession, client: Client | undefined): client is Client =>
  client !== undefined && client.id === session.clientId && client.secret_rotated_at === session.rotatedAt;

/** A form's CSRF value against the session's, in constant time. */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value for the dashboard (HttpOnly, SameSite=Strict, Path=/dashboard). */
export function dashboardCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeSeconds: number },
): string {
  return [
    `${name}=${value}`,
    'Path=/dashboard',
    `Max-Age=${options.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
