// Datanomik's institutions and links (SPEC §4.4 D1–D9). "POST connects to the institution and
// creates a link", and answers the login itself: the facade waits for the login's outcome
// (services/login-wait.ts, up to ten seconds) and answers 201 with the link (PROCESSING while the
// history loads), 428 MFA_REQUIRED with the link_id and the challenge (answered at …/mfa), or the
// refusal (401 INVALID_INSTITUTION_CREDENTIALS; the link is then removed, as Datanomik gives a
// link_id only "after you have successfully connected"). PUT sends changed credentials (same
// link id, same data ids), PATCH disables or enables, DELETE removes the link with its data.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { InstitutionDefinition } from '../../connectors/connector.ts';
import { AppError } from '../../domain/errors.ts';
import { authOf } from '../../http/auth.ts';
import { answerChallengeAndWait } from '../../services/challenge-answer.ts';
import { listConnections } from '../../services/connection-list.ts';
import { presentConnection } from '../../services/connection-view.ts';
import {
  activeRefreshIdOf,
  createConnection,
  deleteConnection,
  disableConnection,
  enableConnection,
  findClientConnection,
  requestRefresh,
  updateCredentials,
} from '../../services/connections.ts';
import { type LoginOutcome, waitForLogin } from '../../services/login-wait.ts';
import type { ConnectionRow } from '../../store/connections.ts';
import type { FacadeDeps } from '../shared/facade.ts';
import { sendJson } from '../shared/stream.ts';
import { datanomikAnswers, loginFailure } from './errors.ts';
import {
  institutionFacts,
  linkConnection,
  linkIdOf,
  linkOf,
  linksOfViews,
  memosOf,
  rememberLink,
} from './links.ts';
import {
  type DatanomikLink,
  intervalOfRefreshRate,
  slicePage,
  toDatanomikChallenge,
  toDatanomikInstitution,
  toDatanomikOwner,
  toDatanomikUser,
} from './map.ts';
import { pageRequestOf } from './query.ts';
import { Reader } from './reads.ts';
import { nativeInstitutionOf } from './sandbox-map.ts';
import {
  CreateLinkBody,
  DatanomikError,
  IdParams,
  Institution,
  InstitutionsQuery,
  Link,
  LinkIdParams,
  LinksQuery,
  MfaBody,
  MfaRequired,
  Page,
  StatusBody,
  SyncAsset,
  UpdateLinkBody,
} from './schemas.ts';

/** How long a link call waits for the institution's verdict before answering PROCESSING. */
export const LOGIN_WAIT_MS = 10_000;
/** How often an approval in the bank's app (which Datanomik cannot ask for) is looked at. */
const APPROVAL_POLL_MS = 250;

const errors = { 400: DatanomikError, 401: DatanomikError, 404: DatanomikError, 409: DatanomikError };

/** The login fields of the institution found in a body (username, password, document_type, …). */
function credentialsFrom(
  body: Record<string, unknown>,
  institution: InstitutionDefinition,
): Record<string, string> {
  const credentials: Record<string, string> = {};
  for (const field of institution.fields) {
    const value = body[field.name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw datanomikAnswers.invalidBody(`${field.name} must be a string`);
    credentials[field.name] = value;
  }
  return credentials;
}

export const linkRoutes: FastifyPluginAsync<FacadeDeps> = async (app, deps) => {
  const { engine, registry } = deps;
  const readDeps = { engine, registry };

  /**
   * The login's outcome within LOGIN_WAIT_MS. An approval in the bank's app has nothing for the
   * client to send, so it is waited for like the bank's own answer.
   */
  async function loginOutcome(clientId: string, connectionId: string): Promise<LoginOutcome> {
    const deadline = Date.now() + LOGIN_WAIT_MS;
    for (;;) {
      const outcome = await waitForLogin(engine, clientId, connectionId, {
        timeoutMs: Math.max(0, deadline - Date.now()),
      });
      if (outcome.outcome !== 'challenge' || Date.now() >= deadline) return outcome;
      const connection = await findClientConnection(engine.db, clientId, connectionId);
      const view = connection && (await presentConnection(engine.db, connection));
      if (view?.challenge?.type !== 'decoupled') return outcome;
      await new Promise((resolve) => setTimeout(resolve, APPROVAL_POLL_MS));
    }
  }

  async function currentLink(clientId: string, connectionId: string): Promise<DatanomikLink> {
    const connection = await findClientConnection(engine.db, clientId, connectionId);
    if (!connection) throw datanomikAnswers.notFound('link');
    return (await linkOf(readDeps, clientId, connection)).link;
  }

  /** Answers a link call in the login's words: the link, 428 with its challenge, or the refusal. */
  async function answerLogin(
    reply: FastifyReply,
    clientId: string,
    connectionId: string,
    options: { created: boolean },
  ) {
    const outcome = await loginOutcome(clientId, connectionId);
    if (outcome.outcome === 'failed') {
      if (options.created) await deleteConnection(engine.db, clientId, connectionId);
      throw loginFailure(outcome.status, options.created ? undefined : linkIdOf(connectionId));
    }
    if (outcome.outcome === 'challenge') {
      const connection = await findClientConnection(engine.db, clientId, connectionId);
      const challenge = connection && (await presentConnection(engine.db, connection)).challenge;
      if (challenge)
        throw datanomikAnswers.mfaRequired(linkIdOf(connectionId), toDatanomikChallenge(challenge));
    }
    // Logged in (the history loads), or the bank has not answered yet: the link is PROCESSING.
    return sendJson(reply, await currentLink(clientId, connectionId), options.created ? 201 : 200);
  }

  app.get(
    '/v1/institutions',
    {
      config: {
        doc: {
          tag: 'Institutions',
          summary: 'The institutions a link can be created with',
          description: 'A link names its institution by `name` (the code, e.g. `BANCO_SANDBOX`).',
          responses: { 200: Page(Institution, 'DatanomikInstitution'), ...errors },
        },
      },
      schema: { querystring: InstitutionsQuery },
    },
    async (request, reply) => {
      const query = request.query as { country?: string };
      const page = pageRequestOf(request.query);
      const institutions = registry
        .institutions()
        .filter((institution) => !query.country || institution.country === query.country.toUpperCase())
        .map((institution) =>
          toDatanomikInstitution({
            ...institutionFacts(registry, institution.id),
            kind: institution.kind,
            products: institution.products,
          }),
        );
      return sendJson(reply, slicePage(institutions, page));
    },
  );

  app.post(
    '/v1/links',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Connect to an institution and create a link',
          description:
            'Waits for the institution’s verdict (up to 10 s): 201 with the link (`PROCESSING` while the history loads; the HISTORICAL_UPDATE webhook says when it is loaded), 428 `MFA_REQUIRED` with the `link_id` and the challenge to answer at `POST /v1/links/{id}/mfa`, or 401 `INVALID_INSTITUTION_CREDENTIALS` (no link is kept).',
          responses: { 201: Link, 428: MfaRequired, 403: DatanomikError, 503: DatanomikError, ...errors },
        },
      },
      schema: { body: CreateLinkBody },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const body = request.body as Record<string, unknown> & {
        institution: string;
        username: string;
        recurrent?: boolean;
        refresh_rate?: string | number;
        external_id?: string;
        description?: string;
      };
      const institutionId = nativeInstitutionOf(body.institution, registry.institutions());
      const institution = institutionId && registry.findInstitution(institutionId);
      if (!institution) throw datanomikAnswers.notFound('institution');
      const recurrent = body.recurrent ?? false;
      let interval: string | undefined;
      if (recurrent && body.refresh_rate !== undefined) {
        interval = intervalOfRefreshRate(body.refresh_rate);
        if (!interval) throw datanomikAnswers.invalidBody('refresh_rate must be a number of minutes');
      }
      const connectionId = await createConnection(engine, clientId, {
        institution_id: institution.id,
        credentials: credentialsFrom(body, institution),
        access_mode: recurrent ? 'recurrent' : 'single',
        ...(interval ? { refresh_interval: interval } : {}),
        ...(body.external_id ? { external_id: body.external_id } : {}),
      });
      await rememberLink(engine, clientId, connectionId, {
        username: body.username,
        description: body.description ?? null,
        source: 'API',
      });
      return answerLogin(reply, clientId, connectionId, { created: true });
    },
  );

  app.post(
    '/v1/links/:id/mfa',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Answer the verification step of a link',
          description:
            '`{"token": "123456"}` for a one-time code, or `{"answers": {field: value}}`. 200 with the link once the institution accepts it; 401 `INVALID_MFA_TOKEN` when it does not; 409 `MFA_NOT_REQUIRED` when no step waits.',
          responses: { 200: Link, 428: MfaRequired, ...errors },
        },
      },
      schema: { params: IdParams, body: MfaBody },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const connection = await linkConnection(engine, clientId, (request.params as { id: string }).id);
      const body = request.body as { token?: string; answers?: Record<string, string> };
      const challenge = (await presentConnection(engine.db, connection)).challenge;
      if (!challenge)
        throw new AppError('CHALLENGE_NOT_OPEN', 'This link has no verification step waiting for an answer.');
      const first = challenge.fields[0]?.name;
      const answers =
        body.answers ?? (body.token !== undefined && first ? { [first]: body.token } : undefined);
      if (!answers) throw datanomikAnswers.invalidBody('send a token or the answers');
      await answerChallengeAndWait(engine, clientId, connection.id, answers);
      return answerLogin(reply, clientId, connection.id, { created: false });
    },
  );

  app.get(
    '/v1/links',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'The links',
          responses: { 200: Page(Link, 'DatanomikLink'), ...errors },
        },
      },
      schema: { querystring: LinksQuery },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const query = request.query as {
        institution?: string;
        recurrent?: boolean;
        status?: string;
        external_id?: string;
      };
      const page = pageRequestOf(request.query);
      const institutionId = query.institution
        ? nativeInstitutionOf(query.institution, registry.institutions())
        : undefined;
      // An institution that names nothing has no links.
      if (query.institution && !institutionId) return sendJson(reply, slicePage([], page));
      const links = (
        await everyLink(clientId, { institution_id: institutionId, external_id: query.external_id })
      )
        .filter((link) => query.recurrent === undefined || link.recurrent === query.recurrent)
        .filter((link) => query.status === undefined || link.status === query.status);
      return sendJson(reply, slicePage(links, page));
    },
  );

  /**
   * Every link of the client, oldest first: the native list is keyset-paged, and Datanomik's
   * statuses (PROCESSING includes a working link being refreshed) are filtered here.
   */
  async function everyLink(
    clientId: string,
    filters: { institution_id?: string | undefined; external_id?: string | undefined },
  ) {
    const links: DatanomikLink[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listConnections(engine.db, clientId, { ...filters, page_size: 100, cursor });
      const mapped = await linksOfViews(readDeps, clientId, page.data);
      links.push(...page.data.map((view) => mapped.get(view.id)!.link));
      if (!page.has_more || !page.next_cursor) return links;
      cursor = page.next_cursor;
    }
  }

  app.get(
    '/v1/links/:id',
    {
      config: { doc: { tag: 'Links', summary: 'A link', responses: { 200: Link, ...errors } } },
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const connection = await linkConnection(engine, clientId, (request.params as { id: string }).id);
      return sendJson(reply, (await linkOf(readDeps, clientId, connection)).link);
    },
  );

  app.put(
    '/v1/links/:id',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Send the credentials again (the password changed at the bank)',
          description:
            'The link keeps its id and its accounts and transactions keep theirs. Answers as POST /v1/links does: 200 PROCESSING, 428 or 401.',
          responses: { 200: Link, 428: MfaRequired, 403: DatanomikError, 503: DatanomikError, ...errors },
        },
      },
      schema: { params: IdParams, body: UpdateLinkBody },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const connection = await linkConnection(engine, clientId, (request.params as { id: string }).id);
      const institution = registry.findInstitution(connection.institution_id);
      if (!institution) throw datanomikAnswers.invalidBody('this link was not created with credentials');
      const body = request.body as Record<string, unknown> & { username: string };
      await updateCredentials(engine, clientId, connection.id, credentialsFrom(body, institution));
      const memo = (await memosOf(engine, clientId, [connection.id])).get(connection.id);
      await rememberLink(engine, clientId, connection.id, {
        username: body.username,
        description: memo?.description ?? null,
        source: memo?.source ?? 'WIDGET',
      });
      return answerLogin(reply, clientId, connection.id, { created: false });
    },
  );

  async function setStatus(
    reply: FastifyReply,
    clientId: string,
    linkId: string,
    status: 'DISABLED' | 'ACTIVE',
  ) {
    const connection = await linkConnection(engine, clientId, linkId);
    if (status === 'DISABLED') await disableConnection(engine, clientId, connection.id);
    else await enableConnection(engine, clientId, connection.id);
    return sendJson(reply, await currentLink(clientId, connection.id));
  }

  app.patch(
    '/v1/links/:id',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Disable or enable a link',
          description:
            '`{"status": "DISABLED"}`: Tesoro no longer accesses the institution (the stored information stays readable). `{"status": "ACTIVE"}`: enabled again, with a fresh load.',
          responses: { 200: Link, ...errors },
        },
      },
      schema: { params: IdParams, body: StatusBody },
    },
    async (request, reply) =>
      setStatus(
        reply,
        authOf(request).client.id,
        (request.params as { id: string }).id,
        (request.body as { status: 'DISABLED' | 'ACTIVE' }).status,
      ),
  );

  app.post(
    '/v1/links/:id/disable',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Disable a link (same as PATCH DISABLED)',
          responses: { 200: Link, ...errors },
        },
      },
      schema: { params: IdParams },
    },
    async (request, reply) =>
      setStatus(reply, authOf(request).client.id, (request.params as { id: string }).id, 'DISABLED'),
  );

  app.delete(
    '/v1/links/:id',
    {
      config: {
        doc: {
          tag: 'Links',
          summary: 'Delete a link and all its information',
          responses: { 204: { description: 'Deleted.' }, ...errors },
        },
      },
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const connection = await linkConnection(engine, clientId, (request.params as { id: string }).id);
      await deleteConnection(engine.db, clientId, connection.id);
      return reply.code(204).send();
    },
  );

  /** POST …/sync/assets: a refresh asked for, and the link with its accounts and users. */
  async function syncAssets(reply: FastifyReply, clientId: string, linkId: unknown) {
    const connection = await linkConnection(engine, clientId, linkId);
    if (connection.status === 'disabled')
      throw new AppError('CONNECTION_DISABLED', 'Enable the link before synchronising it.');
    // A one-shot link is accessed "only once and not anymore": its stored information is answered.
    if (connection.credentials_sealed !== null && !(await activeRefreshIdOf(engine.db, connection.id)))
      await requestRefresh(engine, clientId, connection.id);
    const asset = await assetOf(clientId, connection);
    return sendJson(reply, slicePage([asset], { page: 0, size: 1 }));
  }

  async function assetOf(clientId: string, connection: ConnectionRow) {
    const reader = new Reader(engine, registry, clientId);
    const { link } = (await reader.linkOf(connection.id))!;
    const natives = await reader.all('accounts', { connection_id: connection.id });
    const has = (product: string) => connection.products.includes(product as never);
    const holders = has('holders') ? await reader.recordsOf('holders', connection.id) : [];
    const identities = has('identity') ? await reader.recordsOf('identity', connection.id) : [];
    const memo = (await memosOf(engine, clientId, [connection.id])).get(connection.id);
    const accounts = (await reader.accounts(natives)).map(({ native, account }) => {
      const { owner: _owner, ...rest } = account;
      return {
        ...rest,
        owners: holders
          .filter((holder) => holder.product_id === native.id)
          .map((holder) => toDatanomikOwner(holder, identities[0])),
      };
    });
    return {
      ...link,
      accounts,
      users: identities.map((identity) => toDatanomikUser(identity, memo?.username ?? null)),
    };
  }

  const syncDoc = {
    tag: 'Links',
    summary: 'Synchronise a link and get its accounts and users',
    description:
      'Asks the institution for fresh information (a recurrent link) and answers the link with its accounts and users as stored now; the NEW_INFORMATION_AVAILABLE webhook says when the refresh brought something. Datanomik documents a 204 carrying this body; Tesoro answers 200.',
    responses: { 200: Page(SyncAsset, 'DatanomikSyncAsset'), ...errors },
  };

  app.post(
    '/v1/links/sync/assets/:linkId',
    { config: { doc: syncDoc }, schema: { params: LinkIdParams } },
    async (request, reply) =>
      syncAssets(reply, authOf(request).client.id, (request.params as { linkId: string }).linkId),
  );

  app.post('/v1/links/sync/assets', { config: { doc: syncDoc } }, async (request, reply) =>
    syncAssets(reply, authOf(request).client.id, (request.query as { linkId?: string }).linkId),
  );
};
