// A stand-in for Powens' webview (SPEC §5.4 P22). Powens sends the end user to
// `https://webview.powens.com/connect?domain=…&client_id=…&redirect_uri=…&code=…` (the code from
// GET /auth/token/code names the user) and, once a connection is made, back to the redirect URI
// with `connection_id`. Here the same query at `<prefix>/webview/connect` opens a native Connect
// session for that user (the page is Tesoro's own), whose return comes back to
// `<prefix>/webview/return`, which exchanges the Connect code and sends the end user on to the
// client's redirect URI in Powens' form (`connection_id`, `state`; `error` when it failed). The
// redirect URI must be one the client registered (PUT /v1/client/redirect-uris), as for native
// Connect sessions: nobody can use the page to send an end user elsewhere.
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { connectHandoff, type Visit } from '../shared/connect-handoff.ts';
import { externalIdOf, useCode } from './auth.ts';
import type { PowensDeps } from './deps.ts';
import { powensAnswers } from './errors.ts';
import { connectionIdsOf } from './reads.ts';
import { institutionOfConnector } from './sandbox-map.ts';
import { PowensError } from './schemas.ts';

const VISIT = 'powens_webview_visit';

interface WebviewVisit extends Visit {
  /** The client's own state, echoed to its redirect URI. */
  state: string | null;
}

export const webviewRoutes: FastifyPluginAsync<PowensDeps> = async (app, deps) => {
  const { engine, registry } = deps;
  // Beside /2.0 (the webview is not part of the API), under the prefix it was reached by.
  const handoff = connectHandoff<WebviewVisit>(
    engine,
    deps.publicUrl,
    `${deps.publicUrl}${deps.mountedAt}/webview/return`,
    VISIT,
  );

  app.get(
    '/webview/connect',
    {
      exposeHeadRoute: false,
      config: {
        doc: {
          tag: 'Webview',
          summary: 'Powens’ webview: the end user connects an institution',
          description:
            '`client_id`, `redirect_uri` (registered with PUT /v1/client/redirect-uris), `code` (from GET /auth/token/code, used once), optional `state` and `connector_ids` (a comma list). After a connection the end user is sent to `redirect_uri?connection_id=<id>&state=…`.',
          responses: { 302: { description: 'To the Connect page' }, 400: PowensError, 401: PowensError },
        },
      },
      schema: {
        querystring: Type.Object(
          {
            client_id: Type.String(),
            redirect_uri: Type.String(),
            code: Type.String(),
            state: Type.Optional(Type.String()),
            connector_ids: Type.Optional(Type.String()),
            lang: Type.Optional(Type.String()),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const clientId = query.client_id!;
      const user = clientId.startsWith('cli_') ? await useCode(engine, clientId, query.code!) : undefined;
      if (!user) throw powensAnswers.unauthorized('The code is unknown, expired or already used');
      const candidates = registry
        .institutions()
        .filter((institution) => institution.kind !== 'file')
        .map((institution) => institution.id);
      const institutions = query.connector_ids
        ?.split(',')
        .map((id) => institutionOfConnector(id, candidates))
        .filter((id): id is string => id !== undefined);
      const url = await handoff.open(
        clientId,
        { redirect: query.redirect_uri!, state: query.state ?? null },
        {
          access_mode: 'recurrent',
          external_id: externalIdOf(user.id),
          ...(query.lang?.toLowerCase().startsWith('es') ? { language: 'es' as const } : {}),
          ...(institutions?.length ? { institution_ids: institutions } : {}),
        },
      );
      if (!url)
        throw powensAnswers.invalid(
          'redirect_uri',
          'not one of the redirect URIs registered with PUT /v1/client/redirect-uris',
        );
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/webview/return',
    {
      exposeHeadRoute: false,
      config: {
        doc: {
          tag: 'Webview',
          summary: 'Where the Connect session comes back: on to the redirect URI with the connection id',
          responses: {
            302: { description: 'To redirect_uri, with `connection_id` and `state`, or `error`' },
          },
        },
      },
      schema: {
        querystring: Type.Object(
          { state: Type.String(), code: Type.Optional(Type.String()), error: Type.Optional(Type.String()) },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      const back = await handoff.back(request.query as { state: string; code?: string; error?: string });
      if (!back) throw powensAnswers.invalid('state', 'unknown or already used');
      const target = new URL(back.visit.data.redirect);
      if (back.visit.data.state !== null) target.searchParams.set('state', back.visit.data.state);
      if (back.made) {
        const ids = await connectionIdsOf(engine, back.visit.clientId, [back.made.connection_id]);
        target.searchParams.set('connection_id', String(ids.get(back.made.connection_id)));
      } else target.searchParams.set('error', back.error === 'invalid_code' ? 'invalidCode' : back.error!);
      return reply.redirect(target.toString(), 302);
    },
  );
};
