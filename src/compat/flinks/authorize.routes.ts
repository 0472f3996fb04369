// Flinks' GenerateAuthorizeToken and Authorize (SPEC §3.3, L1–L2). Authorize opens a session (a
// RequestId) on a login in one of four ways: on the stored data of a LoginId (`MostRecentCached:
// true`), after a live refresh of a LoginId, on a new login made with the end user's credentials,
// or by answering the security challenge of an earlier RequestId. Flinks answers the login itself
// (200, 203 with the challenge, 401 with the bank's refusal), while a native connection call
// returns at once: the facade waits for the login's outcome (services/login-wait.ts) for up to ten
// seconds, and past that answers 202 OPERATION_PENDING with the RequestId, which the client sends
// back to /Authorize to go on waiting.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { authOf } from '../../http/auth.ts';
import { answerChallengeAndWait } from '../../services/challenge-answer.ts';
import { presentConnection } from '../../services/connection-view.ts';
import {
  createConnection,
  deleteConnection,
  findClientConnection,
  requestRefresh,
} from '../../services/connections.ts';
import { type LoginOutcome, waitForLogin } from '../../services/login-wait.ts';
import { sendJson } from '../shared/stream.ts';
import type { FlinksDeps } from './deps.ts';
import { flinksAnswers, loginFailureAnswer } from './errors.ts';
import { boolField, daysField, textField } from './fields.ts';
import { loginConnection, loginFacts } from './logins.ts';
import { authorizeLinks, toFlinksChallenge } from './map.ts';
import { nativeInstitutionOf } from './sandbox-map.ts';
import {
  AuthorizeResponse,
  ChallengeResponse,
  FlinksError,
  PendingResponse,
  TokenResponse,
} from './schemas.ts';
import {
  newAuthorizeToken,
  type OpenSession,
  openSession,
  rememberUsername,
  saveSession,
  sessionOf,
  useAuthorizeToken,
} from './sessions.ts';

/** How long Authorize waits for the bank's verdict before answering 202. */
export const LOGIN_WAIT_MS = 10_000;
/** How often a decoupled approval (in the bank's app) is looked at while waiting. */
const DECOUPLED_POLL_MS = 200;

const AuthorizeBody = Type.Object(
  {
    LoginId: Type.Optional(Type.String({ description: 'An existing login (GUID).' })),
    MostRecentCached: Type.Optional(
      Type.Boolean({ description: '`true`: a session on the stored data; `false`: refresh live first.' }),
    ),
    Institution: Type.Optional(Type.String({ description: 'A new login: the institution’s name.' })),
    Username: Type.Optional(Type.String()),
    Password: Type.Optional(Type.String()),
    Save: Type.Optional(
      Type.Boolean({ description: 'Keep the credentials for later refreshes (a recurrent connection).' }),
    ),
    DaysOfTransactions: Type.Optional(Type.String({ description: '`Days90` (default) or `Days365`.' })),
    RequestId: Type.Optional(
      Type.String({ description: 'The session whose security challenge is answered.' }),
    ),
    SecurityResponses: Type.Optional(
      Type.Record(Type.String(), Type.Array(Type.String()), {
        description: 'The answers, by the Prompt of each challenge.',
      }),
    ),
  },
  // Keys are read case-insensitively and unknown fields (Tag, Language, …) are accepted.
  { additionalProperties: true },
);

export const authorizeRoutes: FastifyPluginAsync<FlinksDeps> = async (app, deps) => {
  const { engine, registry } = deps;

  app.post(
    '/v3/:customerId/BankingServices/GenerateAuthorizeToken',
    {
      config: {
        flinksAuth: 'secret',
        doc: {
          tag: 'Authorize',
          summary: 'Generate an authorize token',
          description:
            'Send the secret key (the Tesoro client secret) in `flinks-auth-key`. The token authorizes one call to /Authorize within 30 minutes.',
          security: ['secretKey'],
          responses: { 200: TokenResponse, 401: FlinksError },
        },
      },
    },
    async (request, reply) =>
      sendJson(reply, {
        HttpStatusCode: 200,
        Token: await newAuthorizeToken(engine, authOf(request).client.id),
      }),
  );

  app.post(
    '/v3/:customerId/BankingServices/Authorize',
    {
      config: {
        flinksAuth: 'authorize',
        doc: {
          tag: 'Authorize',
          summary: 'Open a session on a login (cached, live, new, or answering a challenge)',
          description:
            'With `LoginId` and `MostRecentCached: true`: a session on the stored data. With `MostRecentCached: false`: the login is refreshed first. With `Institution`, `Username` and `Password`: a new login. With `RequestId` and `SecurityResponses`: the answers to the challenge of that session (no authorize token needed). 203 asks a security challenge; 202 means the bank has not answered yet: call again with the RequestId.',
          security: ['authorizeToken'],
          responses: {
            200: AuthorizeResponse,
            202: PendingResponse,
            203: ChallengeResponse,
            400: FlinksError,
            401: FlinksError,
          },
        },
      },
      schema: { body: AuthorizeBody },
    },
    async (request, reply) => {
      const clientId = authOf(request).client.id;
      const body = request.body;
      const requestId = textField(body, 'RequestId');
      if (requestId !== undefined) return continueSession(request, reply, clientId, requestId);
      const loginId = textField(body, 'LoginId');
      const username = textField(body, 'Username');
      if (loginId === undefined && username === undefined)
        throw flinksAnswers.invalidRequest(
          'Send a LoginId, or an Institution with a Username and a Password.',
        );
      const cached = boolField(body, 'MostRecentCached') ?? false;
      if (loginId !== undefined) {
        await authorizeCall(request, clientId, true);
        const connection = await loginConnection(engine, clientId, loginId);
        if (cached) {
          const session = await openSession(engine, clientId, {
            connection_id: connection.id,
            mode: 'cached',
            refresh_id: null,
          });
          return sendAuthorized(reply, session);
        }
        const refreshId = await requestRefresh(engine, clientId, connection.id);
        const session = await openSession(engine, clientId, {
          connection_id: connection.id,
          mode: 'live',
          refresh_id: refreshId,
        });
        return answerLogin(reply, session);
      }
      return newLogin(request, reply, clientId, username!);
    },
  );

  /**
   * The authorize token of a call that opens a session, used once. A legacy integration may leave
   * it out of a call on a LoginId (auth.ts), never out of a new login.
   */
  async function authorizeCall(request: FastifyRequest, clientId: string, onLogin: boolean): Promise<void> {
    const token = request.headers['flinks-auth-key'];
    if ((token === undefined || token === '') && onLogin && deps.flinks.isLegacy(clientId)) return;
    if (!(await useAuthorizeToken(engine, clientId, token)))
      throw flinksAnswers.accessDenied('authorize token');
  }

  async function newLogin(request: FastifyRequest, reply: FastifyReply, clientId: string, username: string) {
    const body = request.body;
    const password = textField(body, 'Password');
    const institutionName = textField(body, 'Institution');
    if (password === undefined || institutionName === undefined)
      throw flinksAnswers.invalidRequest('A new login needs an Institution, a Username and a Password.');
    const institutions = registry.institutions().filter((i) => i.kind !== 'file');
    const institutionId = nativeInstitutionOf(institutionName, institutions);
    if (!institutionId)
      throw flinksAnswers.invalidRequest(`The institution ${institutionName} is not supported.`);
    const save = boolField(body, 'Save') ?? false;
    const days = daysField(body) ?? 90;
    await authorizeCall(request, clientId, false);
    const connectionId = await createConnection(engine, clientId, {
      institution_id: institutionId,
      credentials: { username, password },
      access_mode: save ? 'recurrent' : 'single',
      history_days: days,
    }).catch((error: unknown) => {
      // A form the institution does not take (a field Flinks has no word for) is the request's fault.
      if (error instanceof AppError && error.code === 'VALIDATION_FAILED')
        throw flinksAnswers.invalidRequest(error.message);
      throw error;
    });
    await rememberUsername(engine, clientId, connectionId, username);
    const session = await openSession(engine, clientId, {
      connection_id: connectionId,
      mode: 'live',
      refresh_id: null,
      created: true,
    });
    return answerLogin(reply, session);
  }

  /** `/Authorize {RequestId, SecurityResponses?}`: the answers of a challenge, or waiting on. */
  async function continueSession(
    request: FastifyRequest,
    reply: FastifyReply,
    clientId: string,
    requestId: string,
  ) {
    const session = await sessionOf(engine, clientId, requestId);
    const responses = securityResponses(request.body);
    if (responses) {
      const connection = await findClientConnection(engine.db, clientId, session.data.connection_id);
      if (!connection) throw flinksAnswers.sessionNonexistent();
      const challenge = (await presentConnection(engine.db, connection)).challenge;
      const answers = challenge && answersFor(challenge, responses);
      if (!challenge || !answers) throw flinksAnswers.questionNotFound(session.requestId);
      try {
        await answerChallengeAndWait(engine, clientId, connection.id, answers);
      } catch (error) {
        if (error instanceof AppError && error.code === 'CHALLENGE_FAILED') {
          const last = error.extensions?.attempts_left === 0;
          // The last attempt of a new login: it will never log in, and Flinks gave no LoginId.
          if (session.data.created && last) await deleteConnection(engine.db, clientId, connection.id);
          throw flinksAnswers.invalidSecurityResponse(
            session.requestId,
            last
              ? 'Too many wrong answers: authorize the login again.'
              : 'The answer to the security question is not correct.',
          );
        }
        throw error;
      }
    }
    return answerLogin(reply, session);
  }

  /** Waits for the login of the session's connection and answers it in Flinks' words. */
  async function answerLogin(reply: FastifyReply, session: OpenSession) {
    const created = session.data.created === true;
    const { connection_id: connectionId } = session.data;
    const { clientId } = session;
    const outcome = await settledLogin(clientId, connectionId);
    if (outcome.refreshId && session.data.mode === 'live' && session.data.refresh_id !== outcome.refreshId) {
      session.data.refresh_id = outcome.refreshId;
      await saveSession(engine, session);
    }
    switch (outcome.outcome) {
      case 'logged_in':
        return sendAuthorized(reply, session);
      case 'challenge':
        return sendChallenge(reply, session);
      case 'waiting':
        throw flinksAnswers.pending(session.requestId, authorizeLinks);
      case 'failed':
        // Flinks gives no LoginId for a refused new login, so the connection would serve nobody.
        if (created) await deleteConnection(engine.db, clientId, connectionId);
        throw loginFailureAnswer(outcome.status, outcome.errorCode, created ? undefined : session.requestId);
    }
  }

  /**
   * The login's outcome within LOGIN_WAIT_MS. An approval in the bank's app (decoupled) is not a
   * question Flinks can ask: it is waited for like the bank's answer.
   */
  async function settledLogin(clientId: string, connectionId: string): Promise<LoginOutcome> {
    const deadline = Date.now() + LOGIN_WAIT_MS;
    for (;;) {
      const outcome = await waitForLogin(engine, clientId, connectionId, {
        timeoutMs: Math.max(0, deadline - Date.now()),
      });
      if (outcome.outcome !== 'challenge') return outcome;
      const connection = await findClientConnection(engine.db, clientId, connectionId);
      const challenge = connection && (await presentConnection(engine.db, connection)).challenge;
      if (challenge?.type !== 'decoupled') return outcome;
      if (Date.now() >= deadline) return { outcome: 'waiting', refreshId: outcome.refreshId };
      await new Promise((resolve) => setTimeout(resolve, DECOUPLED_POLL_MS));
    }
  }

  async function sendAuthorized(reply: FastifyReply, session: OpenSession) {
    const connection = await findClientConnection(engine.db, session.clientId, session.data.connection_id);
    if (!connection) throw flinksAnswers.sessionNonexistent();
    const facts = await loginFacts(engine, registry, connection);
    return sendJson(reply, {
      Links: facts.links,
      HttpStatusCode: 200,
      Login: facts.Login,
      ...facts.institution,
      RequestId: session.requestId,
    });
  }

  async function sendChallenge(reply: FastifyReply, session: OpenSession) {
    const connection = await findClientConnection(engine.db, session.clientId, session.data.connection_id);
    if (!connection) throw flinksAnswers.sessionNonexistent();
    const view = await presentConnection(engine.db, connection);
    const facts = await loginFacts(engine, registry, connection);
    return sendJson(
      reply,
      {
        Links: authorizeLinks,
        HttpStatusCode: 203,
        SecurityChallenges: view.challenge ? [toFlinksChallenge(view.challenge)] : [],
        Institution: facts.institutionName,
        RequestId: session.requestId,
      },
      203,
    );
  }
};

/** `SecurityResponses`: `{ "<Prompt>": ["<answer>", …] }`; a single answer as text is accepted. */
function securityResponses(body: unknown): Map<string, string> | undefined {
  const value = (body as Record<string, unknown> | undefined) && (body as Record<string, unknown>);
  const responses = value
    ? Object.entries(value).find(([key]) => key.toLowerCase() === 'securityresponses')?.[1]
    : undefined;
  if (responses === undefined || responses === null) return undefined;
  if (typeof responses !== 'object' || Array.isArray(responses))
    throw flinksAnswers.invalidRequest('SecurityResponses must map each Prompt to its answers.');
  const answers = new Map<string, string>();
  for (const [prompt, given] of Object.entries(responses)) {
    const first = Array.isArray(given) ? given[0] : given;
    if (typeof first !== 'string')
      throw flinksAnswers.invalidRequest('SecurityResponses must map each Prompt to its answers.');
    answers.set(normalPrompt(prompt), first);
  }
  return answers;
}

const normalPrompt = (prompt: string) => prompt.trim().replace(/\s+/g, ' ').toLowerCase();

/** The native answers of a challenge from Flinks' responses keyed by its Prompt; undefined when none matches. */
function answersFor(
  challenge: { prompt: string; fields: ReadonlyArray<{ name: string }> },
  responses: ReadonlyMap<string, string>,
): Record<string, string> | undefined {
  const answer = responses.get(normalPrompt(challenge.prompt));
  const [first] = challenge.fields;
  if (answer === undefined || !first) return undefined;
  return { [first.name]: answer };
}
