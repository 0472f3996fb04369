// Flanks links (SPEC §2.5: F18, F19, F24, F25). A Flanks link is a static, reusable URL a company
// sends its end users; Tesoro's Connect sessions last one visit. So a link is a handle
// (`flanks_link`, kept until deleted) holding the company's redirect URI and settings, and each
// visit of `/link?token=…` opens a fresh native Connect session whose return comes back here
// (`/link/return`), which sends the end user on to the link's redirect URI with the one-use code
// and every extra query parameter the visit carried. The codes are native Connect codes; the
// session's `extra` holds the link token under a reserved key, stripped from every answer.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import {
  consumeHandle,
  createHandle,
  deleteHandles,
  findHandle,
  type Handle,
  listHandles,
  setHandleData,
} from '../../services/compat-handles.ts';
import {
  CODE_TTL_MS,
  countOfUnusedCodes,
  createSession,
  exchangeCode,
  getRedirectUris,
  listUnusedCodes,
  redirectUriProblem,
  SESSION_TTL_MS,
  setRedirectUris,
} from '../../services/connect.ts';
import { VendorAnswer } from '../shared/errors.ts';
import type { FacadeDeps } from '../shared/facade.ts';
import { withoutIds } from '../shared/openapi.ts';
import { sendJson } from '../shared/stream.ts';
import { flanksAnswers } from './errors.ts';
import { institutionOfEntity } from './sandbox-map.ts';
import {
  CreateLinkBody,
  EditLinkBody,
  errorAnswers,
  FlanksError,
  Link,
  LinkCode,
  LinkCodeBody,
  LinkExchange,
  LinkTokenBody,
} from './schemas.ts';
import { type TokenKind, tokenKinds, useToken } from './tokens.ts';

const LINK = 'flanks_link';
const VISIT = 'flanks_visit';
/** The reserved key of a session's `extra` that names the link it came through. */
export const LINK_EXTRA_KEY = '__flanks_link';

/**
 * Query parameters of the link page that are Flanks' own, and those the redirect back carries
 * (`code`, `error`): every other one is an extra.
 */
const LINK_PARAMETERS = new Set([
  'token',
  'bank',
  'external_id',
  'rollback',
  'sca_token',
  'reset_token',
  'code',
  'error',
  'state',
]);

interface LinkData extends Record<string, unknown> {
  name: string | null;
  redirect_uri: string;
  company_name: string | null;
  terms_and_conditions_url: string | null;
  privacy_policy_url: string | null;
  active: boolean;
}

interface VisitData extends Record<string, unknown> {
  link: string;
  extras: Record<string, string>;
  /** The SCA or reset token the visit came with, used once the end user succeeds. */
  purpose: { kind: TokenKind; token: string } | null;
}

const settingFields = [
  'name',
  'redirect_uri',
  'company_name',
  'terms_and_conditions_url',
  'privacy_policy_url',
] as const;

/** Nothing but what the link's owner set: the extra without the reserved key. */
const publicExtra = (extra: Record<string, unknown> | null) => {
  if (!extra) return {};
  const { [LINK_EXTRA_KEY]: _link, ...rest } = extra;
  return rest;
};

export const linkRoutes: FastifyPluginAsync<FacadeDeps> = async (app, deps) => {
  const { engine } = deps;
  const returnUrl = `${deps.publicUrl}/compat/flanks/link/return`;
  const clientOf = (request: FastifyRequest) => authOf(request).client.id;
  const write = { scopes: ['connections:write' as const] };

  /** The native Connect session returns to this facade: its return URL must be registered. */
  async function registerReturnUrl(clientId: string) {
    const { redirect_uris } = await getRedirectUris(engine, clientId);
    if (!redirect_uris.includes(returnUrl))
      await setRedirectUris(engine, clientId, [...redirect_uris, returnUrl]);
  }

  async function linkOf(clientId: string, token: unknown): Promise<Handle<LinkData>> {
    if (typeof token !== 'string' || token === '') throw flanksAnswers.missing(['token']);
    const link = await findHandle<LinkData>(engine, LINK, token, clientId);
    if (!link) throw flanksAnswers.invalid('token');
    return link;
  }

  async function present(link: Handle<LinkData>) {
    const pending = await countOfUnusedCodes(engine, link.clientId, {
      extra: { key: LINK_EXTRA_KEY, value: link.text! },
    });
    return { token: link.text!, ...link.data, pending_code_count: pending };
  }

  function checkedSettings(body: Record<string, unknown>, base: Partial<LinkData>): LinkData {
    const settings = { ...base } as LinkData;
    for (const field of settingFields) {
      const value = body[field];
      if (value === undefined) continue;
      if (value !== null && typeof value !== 'string') throw flanksAnswers.invalid(field);
      settings[field] = value as string;
    }
    if (typeof settings.redirect_uri !== 'string') throw flanksAnswers.missing(['redirect_uri']);
    if (redirectUriProblem(settings.redirect_uri)) throw flanksAnswers.invalid('redirect_uri');
    return settings;
  }

  app.post(
    '/v0/links/create-link',
    {
      config: {
        ...write,
        doc: {
          tag: 'Links',
          summary: 'Create a link (what Flanks’ Platform does)',
          description:
            'A static link your end users open (`GET /link?token=…`); each visit starts a fresh Connect session and ends at `redirect_uri?code=…` with the visit’s extra query parameters.',
          responses: { 200: Link, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(CreateLinkBody) },
    },
    async (request, reply) => {
      const clientId = clientOf(request);
      const settings = checkedSettings((request.body ?? {}) as Record<string, unknown>, {
        name: null,
        company_name: null,
        terms_and_conditions_url: null,
        privacy_policy_url: null,
        active: true,
      });
      await registerReturnUrl(clientId);
      const link = await createHandle<LinkData>(engine, {
        clientId,
        kind: LINK,
        data: settings,
        reveal: true,
        prefix: 'lnk_',
      });
      return sendJson(reply, await present(link));
    },
  );

  app.get(
    '/v0/links/list-links',
    {
      config: {
        scopes: ['connections:read'],
        doc: { tag: 'Links', summary: 'Every link', responses: { 200: Type.Array(Link) } },
      },
    },
    async (request, reply) => {
      const links = await listHandles<LinkData>(engine, clientOf(request), LINK);
      const presented = [];
      for (const link of links) presented.push(await present(link));
      return sendJson(reply, presented);
    },
  );

  app.post(
    '/v0/links/edit-link',
    {
      config: {
        ...write,
        doc: {
          tag: 'Links',
          summary: 'Change a link’s settings',
          responses: { 200: Link, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(EditLinkBody) },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const link = await linkOf(clientOf(request), body.token);
      const settings = checkedSettings(body, link.data);
      await setHandleData(engine, link.text!, settings);
      return sendJson(reply, await present({ ...link, data: settings }));
    },
  );

  app.post(
    '/v0/links/delete-link',
    {
      config: {
        ...write,
        doc: {
          tag: 'Links',
          summary: 'Delete a link (only one without pending codes)',
          responses: { 200: Type.Object({ message: Type.String() }), ...errorAnswers(400, 401, 409) },
        },
      },
      schema: { body: withoutIds(LinkTokenBody) },
    },
    async (request, reply) => {
      const clientId = clientOf(request);
      const link = await linkOf(clientId, (request.body as { token?: unknown }).token);
      if ((await present(link)).pending_code_count > 0)
        throw new VendorAnswer('CONNECTION_DISABLED', {
          status: 409,
          body: { error: 'The link has pending codes: exchange them first' },
        });
      await deleteHandles(engine, { clientId, kind: LINK, text: link.text! });
      return sendJson(reply, { message: 'Successfully deleted' });
    },
  );

  for (const [path, active] of [
    ['/v0/links/pause-link', false],
    ['/v0/links/resume-link', true],
  ] as const)
    app.post(
      path,
      {
        config: {
          ...write,
          doc: {
            tag: 'Links',
            summary: active ? 'Resume a paused link' : 'Pause a link (its page refuses visits)',
            responses: { 200: Link, ...errorAnswers(400, 401) },
          },
        },
        schema: { body: withoutIds(LinkTokenBody) },
      },
      async (request, reply) => {
        const link = await linkOf(clientOf(request), (request.body as { token?: unknown }).token);
        const data = { ...link.data, active };
        await setHandleData(engine, link.text!, data);
        return sendJson(reply, await present({ ...link, data }));
      },
    );

  app.get(
    '/v0/platform/link',
    {
      config: {
        ...write,
        doc: {
          tag: 'Links',
          summary: 'Codes not exchanged yet, of one link or of every link',
          responses: { 200: Type.Array(LinkCode), ...errorAnswers(400, 401) },
        },
      },
      schema: { querystring: withoutIds(Type.Object({ link_token: Type.Optional(Type.String()) })) },
    },
    async (request, reply) => {
      const { link_token } = request.query as { link_token?: string };
      const codes = await listUnusedCodes(
        engine,
        clientOf(request),
        link_token ? { extra: { key: LINK_EXTRA_KEY, value: link_token } } : {},
      );
      return sendJson(
        reply,
        codes.data.map((code) => ({
          code: code.code,
          extra: publicExtra(code.extra),
          link_token: (code.extra?.[LINK_EXTRA_KEY] as string | undefined) ?? null,
        })),
      );
    },
  );

  app.post(
    '/v0/platform/link',
    {
      config: {
        ...write,
        doc: {
          tag: 'Links',
          summary: 'Exchange a code for its credentials token (once)',
          responses: { 200: LinkExchange, ...errorAnswers(400, 401) },
        },
      },
      schema: { body: withoutIds(LinkCodeBody) },
    },
    async (request, reply) => {
      const { code } = request.body as { code: unknown };
      if (typeof code !== 'string' || code === '') throw flanksAnswers.invalid('code');
      const exchanged = await exchangeCode(engine, clientOf(request), code);
      return sendJson(reply, {
        message: 'Successfully retrieved',
        credentials_token: exchanged.connection_id,
        extra: publicExtra(exchanged.extra),
        link_token: (exchanged.extra?.[LINK_EXTRA_KEY] as string | undefined) ?? null,
      });
    },
  );

  // ---- the end user's side (public: the link token is what the company hands out)

  const pageError = (message: string) =>
    new VendorAnswer('NOT_FOUND', { status: 404, body: { error: message } });

  app.get(
    '/link',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'The link page: starts a Connect session and redirects to it',
          description:
            'Query: `token` (the link), `bank` (an entity id: only that one is offered), `external_id` (your id of the end user), `sca_token` or `reset_token` (the end user re-authenticates or updates the credentials those tokens name), and any other parameter, which comes back on the redirect URI and in the code’s `extra`.',
          responses: { 302: { description: 'To the Connect page' }, 404: FlanksError },
        },
      },
      schema: {
        querystring: withoutIds(Type.Object({ token: Type.String() }, { additionalProperties: true })),
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string>;
      const link = await findHandle<LinkData>(engine, LINK, query.token ?? '');
      if (!link?.data.active) throw pageError('This link does not exist or is paused');
      let purpose: VisitData['purpose'] = null;
      let connectionId: string | undefined;
      for (const kind of ['sca', 'reset'] as const) {
        const token = query[`${kind}_token`];
        if (!token) continue;
        const handle = await findHandle(engine, tokenKinds[kind], token, link.clientId);
        if (!handle?.connectionId) throw pageError(`Invalid ${kind}_token`);
        purpose = { kind, token };
        connectionId = handle.connectionId;
      }
      const extras = Object.fromEntries(
        Object.entries(query).filter(
          ([name, value]) => !LINK_PARAMETERS.has(name) && typeof value === 'string',
        ),
      );
      const visit = await createHandle<VisitData>(engine, {
        clientId: link.clientId,
        kind: VISIT,
        data: { link: link.text!, extras, purpose },
        ttlMs: SESSION_TTL_MS + CODE_TTL_MS,
      });
      await registerReturnUrl(link.clientId);
      const session = await createSession(engine, deps.publicUrl, link.clientId, {
        redirect_uri: returnUrl,
        state: visit.text!,
        ...(query.bank ? { institution_ids: [institutionOfEntity(query.bank)] } : {}),
        ...(query.external_id ? { external_id: query.external_id } : {}),
        // Flanks refuses credentials a company already has; a visit with a token updates its own.
        ...(connectionId ? { connection_id: connectionId } : { unique_credentials: true }),
        extra: {
          ...extras,
          ...(query.external_id ? { external_id: query.external_id } : {}),
          [LINK_EXTRA_KEY]: link.text,
        },
      });
      return reply.redirect(session.url, 302);
    },
  );

  /** Native Connect errors → the names Flanks' link puts on the redirect URI. */
  const linkErrors: Record<string, string> = {
    credentials_invalid: 'INVALID_CREDENTIALS',
    challenge_failed: 'INVALID_SCA',
    cancelled: 'CANCELLED',
  };

  app.get(
    '/link/return',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Where the Connect session comes back: on to the link’s redirect URI',
          responses: {
            302: { description: 'To the link’s redirect URI, with `code` or `error` and the extras' },
            404: FlanksError,
          },
        },
      },
      schema: {
        querystring: withoutIds(
          Type.Object(
            { state: Type.String(), code: Type.Optional(Type.String()), error: Type.Optional(Type.String()) },
            { additionalProperties: true },
          ),
        ),
      },
    },
    async (request, reply) => {
      const query = request.query as { state: string; code?: string; error?: string };
      const visit = await consumeHandle<VisitData>(engine, VISIT, query.state);
      if (!visit) throw pageError('This visit has ended');
      const link = await findHandle<LinkData>(engine, LINK, visit.data.link, visit.clientId);
      if (!link) throw pageError('This link no longer exists');
      const target = new URL(link.data.redirect_uri);
      for (const [name, value] of Object.entries(visit.data.extras)) target.searchParams.set(name, value);
      // Set last, so no extra parameter of the visit can stand in for the outcome.
      if (query.code) {
        target.searchParams.set('code', query.code);
        if (visit.data.purpose)
          await useToken(engine, visit.clientId, visit.data.purpose.kind, visit.data.purpose.token);
      } else
        target.searchParams.set(
          'error',
          linkErrors[query.error ?? ''] ?? (query.error ?? 'ERROR').toUpperCase(),
        );
      return reply.redirect(target.toString(), 302);
    },
  );
};
