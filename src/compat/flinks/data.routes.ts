// Flinks' data endpoints (SPEC §3.4, L3–L6): GetAccountsDetail and GetAccountsSummary with their
// …Async polls, and Investments on both of Flinks' paths. Each reads a session (a RequestId); the
// bodies, and when they answer 202 instead, are reads.ts's.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { decodeGuid } from '../shared/guid.ts';
import { sendJson } from '../shared/stream.ts';
import type { FlinksDeps } from './deps.ts';
import { flinksAnswers } from './errors.ts';
import { boolField, dateField, daysField, textField, textListField } from './fields.ts';
import { accountsBody, investmentsBody } from './reads.ts';
import {
  AccountsDetailResponse,
  AccountsSummaryResponse,
  FlinksError,
  InvestmentsResponse,
  PendingResponse,
} from './schemas.ts';
import { type DataOptions, saveSession, sessionOf } from './sessions.ts';

const DataBody = Type.Object(
  {
    RequestId: Type.Optional(Type.String({ description: 'The session Authorize opened (required).' })),
    WithTransactions: Type.Optional(Type.Boolean({ description: 'Default true (GetAccountsDetail).' })),
    WithBalance: Type.Optional(Type.Boolean()),
    WithAccountIdentity: Type.Optional(
      Type.Boolean({ description: 'Add the account holder and show account numbers in full.' }),
    ),
    WithKYC: Type.Optional(Type.Boolean({ description: 'Add the account holder.' })),
    DaysOfTransactions: Type.Optional(Type.String({ description: '`Days90` or `Days365`.' })),
    DateFrom: Type.Optional(Type.String({ format: 'date' })),
    DateTo: Type.Optional(Type.String({ format: 'date' })),
    AccountsFilter: Type.Optional(Type.Array(Type.String(), { description: 'Only these account Ids.' })),
    MostRecentCached: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const InvestmentsBody = Type.Object(
  {
    LoginId: Type.Optional(Type.String()),
    RequestId: Type.Optional(Type.String({ description: 'The session Authorize opened (required).' })),
    MostRecentCached: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const RequestIdParams = Type.Object({ customerId: Type.String(), requestId: Type.String() });

type Shape = 'detail' | 'summary';

/** What a data call answers: its body, 202 while loading, and Flinks' errors. */
const dataAnswers = (ok: TSchema) => ({
  200: ok,
  202: PendingResponse,
  400: FlinksError,
  401: FlinksError,
  500: FlinksError,
});

export const dataRoutes: FastifyPluginAsync<FlinksDeps> = async (app, deps) => {
  const { engine } = deps;

  function optionsOf(body: unknown, shape: Shape): DataOptions {
    const days = daysField(body);
    const from = dateField(body, 'DateFrom');
    return {
      withTransactions: shape === 'detail' && (boolField(body, 'WithTransactions') ?? true),
      withBalance: boolField(body, 'WithBalance') ?? true,
      withIdentity: shape === 'detail' && (boolField(body, 'WithAccountIdentity') ?? false),
      withHolder:
        shape === 'detail' &&
        ((boolField(body, 'WithKYC') ?? false) || (boolField(body, 'WithAccountIdentity') ?? false)),
      accounts: textListField(body, 'AccountsFilter') ?? null,
      from:
        from ??
        (days === undefined
          ? null
          : new Date(engine.now().getTime() - days * 86_400_000).toISOString().slice(0, 10)),
      to: dateField(body, 'DateTo') ?? null,
    };
  }

  for (const shape of ['detail', 'summary'] as const) {
    const name = shape === 'detail' ? 'GetAccountsDetail' : 'GetAccountsSummary';
    const response = shape === 'detail' ? AccountsDetailResponse : AccountsSummaryResponse;
    const summary =
      shape === 'detail'
        ? 'Accounts with their transactions, balances and holder'
        : 'Accounts with their balances, without transactions';
    app.post(
      `/v3/:customerId/BankingServices/${name}`,
      {
        config: {
          flinksAuth: 'session',
          doc: {
            tag: 'Accounts',
            summary,
            description:
              'Reads the session’s login. 202 OPERATION_PENDING while its data is loading: poll the …Async endpoint every 10 seconds, for at most 30 minutes.',
            security: ['apiKey'],
            responses: dataAnswers(response),
          },
        },
        schema: { body: DataBody },
      },
      async (request, reply) => {
        const clientId = authOf(request).client.id;
        const session = await sessionOf(engine, clientId, requestIdOf(request.body));
        const options = optionsOf(request.body, shape);
        session.data[shape] = options;
        await saveSession(engine, session);
        return sendJson(reply, await accountsBody(deps, session, options));
      },
    );
    app.get(
      `/v3/:customerId/BankingServices/${name}Async/:requestId`,
      {
        config: {
          flinksAuth: 'session',
          doc: {
            tag: 'Accounts',
            summary: `Poll ${name} after a 202`,
            description: `The same answer as ${name}, with the options of the last ${name} call of this session.`,
            security: ['apiKey'],
            responses: dataAnswers(response),
          },
        },
        schema: { params: RequestIdParams },
      },
      async (request, reply) => {
        const clientId = authOf(request).client.id;
        const session = await sessionOf(
          engine,
          clientId,
          (request.params as { requestId: string }).requestId,
        );
        return sendJson(
          reply,
          await accountsBody(deps, session, session.data[shape] ?? optionsOf({}, shape)),
        );
      },
    );
  }

  async function investmentsAnswer(reply: FastifyReply, clientId: string, body: unknown) {
    const session = await sessionOf(engine, clientId, requestIdOf(body));
    const loginId = textField(body, 'LoginId');
    if (loginId !== undefined) {
      const decoded = decodeGuid(loginId);
      if (decoded?.kind !== 'connection' || decoded.id !== session.data.connection_id)
        throw flinksAnswers.invalidLogin();
    }
    return sendJson(reply, await investmentsBody(deps, session));
  }

  for (const path of ['/v3/:customerId/BankingServices/Investments', '/v3/:customerId/Investments'])
    app.post(
      path,
      {
        config: {
          flinksAuth: 'session',
          doc: {
            tag: 'Investments',
            summary: 'Investment accounts, positions and transactions',
            description:
              'The most common first answer is 202 OPERATION_PENDING: call again with the same body every 10 seconds, for at most 30 minutes, until 200.',
            security: ['apiKey'],
            responses: dataAnswers(InvestmentsResponse),
          },
        },
        schema: { body: InvestmentsBody },
      },
      async (request, reply) => investmentsAnswer(reply, authOf(request).client.id, request.body),
    );
};

/** The RequestId of a data call (keys in any case); its absence is the request's fault. */
function requestIdOf(body: unknown): string {
  const requestId = textField(body, 'RequestId');
  if (requestId === undefined) throw flinksAnswers.invalidRequest('RequestId is required.');
  return requestId;
}
