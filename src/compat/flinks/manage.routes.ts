// Managing Flinks logins (SPEC §3.4, L7–L10): DeleteCard and the investments delete remove the
// native connection with all its data; Institutions lists what an end user can connect, in
// Flinks' names; SetScheduledRefresh switches a login's nightly refresh on or off without
// touching its credentials or its status (the native `scheduled_refresh` setting).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { activeRefreshIdOf, deleteConnection, updateConnectionSettings } from '../../services/connections.ts';
import { sendJson } from '../shared/stream.ts';
import type { FlinksDeps } from './deps.ts';
import { flinksAnswers } from './errors.ts';
import { boolField, textField } from './fields.ts';
import { loginConnection } from './logins.ts';
import { flinksInstitutionOf, investmentInstitution } from './sandbox-map.ts';
import { FlinksError, InstitutionsResponse, MessageResponse } from './schemas.ts';

const LoginIdParams = Type.Object({ customerId: Type.String(), loginId: Type.String() });

const LoginBody = Type.Object(
  { LoginId: Type.Optional(Type.String({ description: 'The login (required).' })) },
  { additionalProperties: true },
);

const ScheduleBody = Type.Object(
  {
    LoginId: Type.Optional(Type.String({ description: 'The login (required).' })),
    IsActivated: Type.Optional(
      Type.Boolean({ description: 'Nightly refresh on (true) or off (false) (required).' }),
    ),
  },
  { additionalProperties: true },
);

const InstitutionsQuery = Type.Object(
  {
    productType: Type.Optional(
      Type.String({ description: '`investment`: only institutions that offer investment data.' }),
    ),
  },
  { additionalProperties: true },
);

export const manageRoutes: FastifyPluginAsync<FlinksDeps> = async (app, deps) => {
  const { engine, registry } = deps;

  async function deleteLogin(reply: FastifyReply, clientId: string, loginId: unknown) {
    const connection = await loginConnection(engine, clientId, loginId);
    // Flinks refuses to delete a login while it is being refreshed.
    if (await activeRefreshIdOf(engine.db, connection.id)) throw flinksAnswers.cardInUse();
    await deleteConnection(engine.db, clientId, connection.id);
    return sendJson(reply, { HttpStatusCode: 200, Message: 'The login and all its data were deleted.' });
  }

  app.delete(
    '/v3/:customerId/BankingServices/DeleteCard/:loginId',
    {
      config: {
        flinksAuth: 'session',
        doc: {
          tag: 'Logins',
          summary: 'Delete a login and all its data',
          security: ['apiKey'],
          responses: { 200: MessageResponse, 400: FlinksError, 401: FlinksError },
        },
      },
      schema: { params: LoginIdParams },
    },
    async (request, reply) =>
      deleteLogin(reply, authOf(request).client.id, (request.params as { loginId: string }).loginId),
  );

  app.delete(
    '/v3/:customerId/Investments',
    {
      config: {
        flinksAuth: 'session',
        doc: {
          tag: 'Investments',
          summary: 'Delete an investments login and all its data',
          security: ['apiKey'],
          responses: { 200: MessageResponse, 400: FlinksError, 401: FlinksError },
        },
      },
      schema: { body: LoginBody },
    },
    async (request, reply) => deleteLogin(reply, authOf(request).client.id, requiredLogin(request.body)),
  );

  app.get(
    '/v3/:customerId/BankingServices/Institutions',
    {
      config: {
        flinksAuth: 'api',
        doc: {
          tag: 'Institutions',
          summary: 'The institutions an end user can connect',
          description:
            'With `productType=investment`, only the institutions where investment data can be retrieved (Flinks Connect shows one set at a time).',
          security: ['apiKey'],
          responses: { 200: InstitutionsResponse, 401: FlinksError },
        },
      },
      schema: { querystring: InstitutionsQuery },
    },
    async (request, reply) => {
      const productType = (request.query as { productType?: string }).productType?.toLowerCase();
      const institutions = registry
        .institutions()
        .filter((institution) => institution.kind !== 'file')
        .filter(
          (institution) =>
            productType !== 'investment' || investmentInstitution(institution.id, institution.products),
        )
        .map(flinksInstitutionOf);
      return sendJson(reply, { HttpStatusCode: 200, Institutions: institutions });
    },
  );

  app.patch(
    '/v3/:customerId/BankingServices/SetScheduledRefresh',
    {
      config: {
        flinksAuth: 'session',
        doc: {
          tag: 'Logins',
          summary: 'Switch a login’s nightly refresh on or off',
          description:
            'Off keeps the login, its credentials and its data; cached sessions keep working. On again resumes the schedule (a refresh that fell due meanwhile runs at once).',
          security: ['apiKey'],
          responses: { 200: MessageResponse, 400: FlinksError, 401: FlinksError },
        },
      },
      schema: { body: ScheduleBody },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const activated = boolField(request.body, 'IsActivated');
      if (activated === undefined) throw flinksAnswers.invalidRequest('IsActivated is required.');
      const connection = await loginConnection(engine, clientId, requiredLogin(request.body));
      if (connection.access_mode !== 'recurrent')
        throw flinksAnswers.invalidRequest(
          'This login keeps no credentials (it was authorized without Save), so it cannot be refreshed on a schedule.',
        );
      await updateConnectionSettings(engine, clientId, connection.id, { scheduled_refresh: activated });
      return sendJson(reply, {
        HttpStatusCode: 200,
        Message: activated ? 'Scheduled refresh activated.' : 'Scheduled refresh deactivated.',
      });
    },
  );
};

function requiredLogin(body: unknown): string {
  const loginId = textField(body, 'LoginId');
  if (loginId === undefined) throw flinksAnswers.invalidRequest('LoginId is required.');
  return loginId;
}
