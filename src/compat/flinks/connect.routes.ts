// A stand-in for Flinks Connect (SPEC §3.5, L11). Flinks' iframe is
// `…/?redirectUrl=…&authorizeToken=…[&productType=investment]`, and a successful connection sends
// the end user to the redirect URL with `?loginId=<guid>&institution=<name>` appended. Here the
// iframe URL opens a native Connect session (the page is Tesoro's own) whose return comes back to
// `/connect/return`, which exchanges the one-use code and sends the end user on to the client's
// redirect URL in Flinks' form. The client points its Flinks Connect base URL at
// `<tesoro>/compat/flinks/connect`. The redirect URL must be one the client registered (PUT
// /v1/client/redirect-uris), as for native Connect sessions: nobody can use the page to send an
// end user elsewhere.
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Product } from '../../domain/products.ts';
import { consumeHandle } from '../../services/compat-handles.ts';
import { connectHandoff, type Visit } from '../shared/connect-handoff.ts';
import { decodeGuid, guidOf } from '../shared/guid.ts';
import type { FlinksDeps } from './deps.ts';
import { flinksAnswers } from './errors.ts';
import { flinksInstitutionOf, investmentInstitution } from './sandbox-map.ts';
import { FlinksError } from './schemas.ts';

const VISIT = 'flinks_visit';
const AUTHORIZE = 'flinks_authorize';

const investmentProducts: Product[] = ['portfolios', 'investments', 'investment_transactions'];

export const connectRoutes: FastifyPluginAsync<FlinksDeps> = async (app, deps) => {
  const { engine, registry } = deps;
  const handoff = connectHandoff<Visit>(
    engine,
    deps.publicUrl,
    `${deps.publicUrl}/compat/flinks/connect/return`,
    VISIT,
  );

  /**
   * The client the iframe URL is for: its authorize token's (used once). A customerId given beside
   * it must be that client's. Never a customerId alone: the page would open for anyone.
   */
  async function visitorClient(query: { authorizeToken?: string; customerId?: string }): Promise<string> {
    const decoded = query.authorizeToken ? decodeGuid(query.authorizeToken) : null;
    const token = decoded?.kind === 'handle' ? await consumeHandle(engine, AUTHORIZE, decoded.id) : undefined;
    const customer = query.customerId && deps.flinks.clientIdOf(query.customerId);
    if (!token || (customer && customer !== token.clientId))
      throw flinksAnswers.accessDenied('authorize token');
    return token.clientId;
  }

  app.get(
    '/connect',
    {
      config: {
        doc: {
          tag: 'Connect',
          summary: 'Flinks Connect: the end user connects an institution',
          description:
            '`redirectUrl` (registered with PUT /v1/client/redirect-uris), `authorizeToken` (from GenerateAuthorizeToken, used once), `productType=investment` to offer only investment institutions. After a successful connection the end user is sent to `redirectUrl?loginId=<LoginId>&institution=<name>`.',
          responses: { 302: { description: 'To the Connect page' }, 400: FlinksError, 401: FlinksError },
        },
      },
      schema: {
        querystring: Type.Object(
          {
            redirectUrl: Type.String(),
            authorizeToken: Type.Optional(Type.String()),
            customerId: Type.Optional(Type.String()),
            productType: Type.Optional(Type.String()),
            language: Type.Optional(Type.String()),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const clientId = await visitorClient(query);
      const investment = query.productType?.toLowerCase() === 'investment';
      const institutions = investment
        ? registry
            .institutions()
            .filter((i) => i.kind !== 'file' && investmentInstitution(i.id, i.products))
            .map((i) => i.id)
        : undefined;
      const url = await handoff.open(
        clientId,
        { redirect: query.redirectUrl! },
        {
          access_mode: 'recurrent',
          ...(query.language?.toLowerCase().startsWith('es') ? { language: 'es' as const } : {}),
          ...(institutions ? { institution_ids: institutions, products: investmentProducts } : {}),
        },
      );
      if (!url)
        throw flinksAnswers.invalidRequest(
          'The redirectUrl is not one of the redirect URIs registered with PUT /v1/client/redirect-uris.',
        );
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/connect/return',
    {
      config: {
        doc: {
          tag: 'Connect',
          summary: 'Where the Connect session comes back: on to the redirectUrl with the loginId',
          responses: { 302: { description: 'To redirectUrl, with `loginId` and `institution`, or `error`' } },
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
      if (!back) throw flinksAnswers.sessionNonexistent();
      const target = new URL(back.visit.data.redirect);
      if (back.made) {
        const native = registry.findInstitution(back.made.institution_id);
        target.searchParams.set('loginId', guidOf(back.made.connection_id));
        target.searchParams.set(
          'institution',
          flinksInstitutionOf({
            id: back.made.institution_id,
            name: native?.name ?? back.made.institution_id,
          }).Name,
        );
      } else target.searchParams.set('error', back.error!.toUpperCase());
      return reply.redirect(target.toString(), 302);
    },
  );
};
