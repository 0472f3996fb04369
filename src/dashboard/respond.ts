// What the dashboard's route files share: sending a page, reading a form field, the dashboard's
// cookies, and what the signed-in pages are given by the plugin in front of them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '../services/clients.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { Html } from './html.ts';
import { type DashboardSession, dashboardCookie } from './session.ts';

/** Every dashboard route is left out of the OpenAPI document: it is HTML for people, not the API. */
export const hidden = { hide: true } as const;

export interface SignedIn {
  client: Client;
  session: DashboardSession;
}

/** What dashboard.routes.ts hands the signed-in pages. */
export interface PageDeps {
  engine: ServiceDeps;
  /** The request's valid session and its client, or undefined. */
  signedIn(request: FastifyRequest): Promise<SignedIn | undefined>;
  /** Answers a request without a valid session: 303 to the sign-in form. */
  toSignIn(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** Throws (403) unless the form carries the session's CSRF token. */
  assertCsrf(request: FastifyRequest, session: DashboardSession): void;
}

export const sendPage = (reply: FastifyReply, page: Html, status = 200) =>
  reply.code(status).type('text/html; charset=utf-8').send(page.text);

/** A string field of a form body, or undefined. */
export function formField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

const isHttps = (request: FastifyRequest) => request.protocol === 'https';

/** A dashboard cookie for this request (Secure when it came over https). */
export const setCookie = (request: FastifyRequest, name: string, value: string, maxAgeSeconds: number) =>
  dashboardCookie(name, value, { secure: isHttps(request), maxAgeSeconds });

/** The Set-Cookie that removes a dashboard cookie. */
export const clearCookie = (request: FastifyRequest, name: string) => setCookie(request, name, '', 0);
